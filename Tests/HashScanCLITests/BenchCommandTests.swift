import Foundation
import Testing

// Serialized: benches running side by side would measure each other.
@Suite("hashscan bench", .serialized)
struct BenchCommandTests {
    /// Every stage the synthetic corpus and the generated list must give, at every job count.
    static let expectedStages = [
        "read", "digest.md5", "digest.sha1", "digest.sha256", "digest.trio",
        "image.jpeg.decode", "image.jpeg.pdq", "image.jpeg.phash", "image.png.decode", "image.png.pdq", "image.png.phash",
        "lookup.sha256", "lookup.pdq", "scan",
    ]

    /// A tiny, fast run: the debug build is slow at PDQ, and the figures do not matter here, only their presence.
    static let quick = ["--jobs", "1", "--list-entries", "2000", "--no-progress"] + seconds(0.1)

    static func seconds(_ value: Double) -> [String] { ["--seconds", "\(value)"] }

    static func report(_ outcome: HashscanProcess.Outcome) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: outcome.stdout) as? [String: Any], "stdout is not one JSON object: \(outcome.stderr)")
    }

    static func stages(_ report: [String: Any]) -> [[String: Any]] { report["stages"] as? [[String: Any]] ?? [] }

    @Test("--synthetic --json: every stage at 1 and 2 jobs with positive figures, the machine facts, nothing left behind")
    func syntheticJSON() throws {
        let tree = try TemporaryTree()
        let temporary = tree.url.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        let outcome = try HashscanProcess.run(
            ["bench", "--synthetic", "2MB", "--seconds", "0.2", "--jobs", "2", "--list-entries", "20000", "--json"],
            in: tree.url, environment: ["TMPDIR": temporary.path])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let report = try Self.report(outcome)
        #expect(report["type"] as? String == "bench")
        #expect((report["hashscan_version"] as? String)?.isEmpty == false)
        #expect(report["jobs"] as? [Int] == [1, 2])

        let machine = try #require(report["machine"] as? [String: Any])
        #expect((machine["cpu_model"] as? String)?.isEmpty == false)
        #expect((machine["cores"] as? Int ?? 0) >= 1)
        let flags = try #require(machine["cpu_flags"] as? [String: Bool])
        #expect(!flags.isEmpty)
        #if arch(x86_64)
        #expect(Set(flags.keys) == ["sha_ni", "avx2", "avx512f"])
        #endif
        let libraries = try #require(report["libraries"] as? [String: String])
        for name in ["openssl", "libjpeg_turbo", "libpng", "libwebp"] {
            #expect(libraries[name].map { !$0.isEmpty && $0 != "unknown" } == true, "library \(name): \(libraries[name] ?? "missing")")
        }
        let corpus = try #require(report["corpus"] as? [String: Any])
        #expect(corpus["source"] as? String == "synthetic")
        #expect((corpus["files"] as? Int ?? 0) > 2)
        #expect(corpus["unreadable_files"] as? Int == 0)
        let lists = try #require(report["lists"] as? [String: Any])
        #expect(lists["entries"] as? [String: Int] == ["sha256": 20000, "pdq": 20000])
        #expect(lists["pdq_radius"] as? Int == 31)

        let stages = Self.stages(report)
        for name in Self.expectedStages {
            for jobs in [1, 2] {
                let stage = stages.first { $0["stage"] as? String == name && $0["jobs"] as? Int == jobs }
                let figures = stage?["figures"] as? [String: Double] ?? [:]
                #expect(!figures.isEmpty, "no figures for \(name) at \(jobs) jobs")
                for (figure, value) in figures { #expect(value > 0, "\(name) at \(jobs) jobs: \(figure) = \(value)") }
                #expect(stage?["failures"] as? Int == 0, "\(name) at \(jobs) jobs had failures")
                #expect((stage?["seconds"] as? Double ?? 0) > 0)
            }
        }
        // The synthetic corpus and the generated list lived in TMPDIR and are gone.
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.path).isEmpty)
    }

    @Test("--compare against its own output: a ratio of 1 for every figure; a new run pairs every figure")
    func compareWithItself() throws {
        let tree = try TemporaryTree()
        let options = ["--jobs", "1", "--list-entries", "2000", "--no-progress"] + Self.seconds(0.25)
        let first = try HashscanProcess.run(["bench", "--synthetic", "1MB", "--json"] + options, in: tree.url)
        #expect(first.status == 0, "\(first.stderr)")
        try tree.write("first.json", first.stdout)

        // The result compared with itself: every figure pairs with itself at 1 (no timing involved; the last bit
        // may differ between Foundation's two JSON number parsers).
        let same = try HashscanProcess.run(["bench", "--from", "first.json", "--compare", "first.json", "--json"], in: tree.url)
        #expect(same.status == 0, "\(same.stderr)")
        let sameReport = try Self.report(same)
        let sameRatios = (sameReport["comparison"] as? [String: Any])?["ratios"] as? [[String: Any]] ?? []
        let figureCount = Self.stages(sameReport).reduce(0) { $0 + (($1["figures"] as? [String: Double])?.count ?? 0) }
        #expect(figureCount > 0)
        #expect(sameRatios.count == figureCount)
        let off = sameRatios.filter { abs((($0["ratio"] as? Double) ?? 0) - 1) > 1e-9 }
        #expect(off.isEmpty, "\(off)")

        // A new run against it: the same seed gives the same corpus and stages, so every figure has its old
        // counterpart. The ratios themselves are timings on a shared 2-core machine and are not asserted.
        let second = try HashscanProcess.run(["bench", "--synthetic", "1MB", "--json", "--compare", "first.json"] + options, in: tree.url)
        #expect(second.status == 0, "\(second.stderr)")
        let report = try Self.report(second)
        let ratios = (report["comparison"] as? [String: Any])?["ratios"] as? [[String: Any]] ?? []
        let newFigures = Self.stages(report).reduce(0) { $0 + (($1["figures"] as? [String: Double])?.count ?? 0) }
        #expect(ratios.count == newFigures)
        #expect(Set(ratios.compactMap { $0["stage"] as? String }) == Set(Self.expectedStages))
        #expect(ratios.allSatisfy { (($0["ratio"] as? Double) ?? 0) > 0 })
        #expect((report["comparison"] as? [String: Any])?["old_hashscan_version"] as? String == report["hashscan_version"] as? String)

        // The table names the file and prints a new/old column.
        let table = try HashscanProcess.run(["bench", "--from", "first.json", "--compare", "first.json"], in: tree.url)
        #expect(table.status == 0, "\(table.stderr)")
        let text = String(decoding: table.stdout, as: UTF8.self)
        #expect(text.contains("compared with first.json"))
        #expect(text.contains("new/old"))
        #expect(text.contains("scan pipeline"))
        #expect(try HashscanProcess.run(["bench", "--from", "missing.json"], in: tree.url).status == 66)
    }

    @Test("A bad --compare file is a clear error before anything is measured")
    func badCompareFile() throws {
        let tree = try TemporaryTree()
        let missing = try HashscanProcess.run(["bench", "--compare", "absent.json"] + Self.quick, in: tree.url)
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("absent.json"))
        try tree.write("garbage.json", "{ not json")
        let garbage = try HashscanProcess.run(["bench", "--compare", "garbage.json"] + Self.quick, in: tree.url)
        #expect(garbage.status == 65)
        #expect(garbage.stderr.contains("garbage.json"))
        try tree.write("other.json", #"{"type":"summary","files":3}"#)
        let other = try HashscanProcess.run(["bench", "--compare", "other.json"] + Self.quick, in: tree.url)
        #expect(other.status == 65)
        try tree.write("stage.json", #"{"type":"bench","stages":[{"stage":"read","jobs":1,"figures":{"mb_per_second":"fast"}}]}"#)
        let badFigure = try HashscanProcess.run(["bench", "--compare", "stage.json"] + Self.quick, in: tree.url)
        #expect(badFigure.status == 65)
        for outcome in [missing, garbage, other, badFigure] { #expect(outcome.stdout.isEmpty) }

        let both = try HashscanProcess.run(["bench", "--corpus", ".", "--synthetic", "2MB"], in: tree.url)
        #expect(both.status == 64)
        let size = try HashscanProcess.run(["bench", "--synthetic", "lots"], in: tree.url)
        #expect(size.status == 64)
        let notADirectory = try HashscanProcess.run(["bench", "--corpus", "garbage.json"] + Self.quick, in: tree.url)
        #expect(notADirectory.status == 66)
    }

    @Test("--corpus on a read-only tree leaves every file, name and time as it was")
    func readOnlyCorpus() throws {
        let tree = try TemporaryTree()
        let corpus = tree.url.appendingPathComponent("corpus")
        // The repository's demo tree: JPEG, PNG and WebP images, text and binary files, nested folders.
        let demo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("demo")
        try FileManager.default.copyItem(at: demo, to: corpus)
        try tree.write("corpus/deep/er/large.bin", seededBytes(count: 3 << 20, seed: 7))
        try tree.write("corpus/empty", Data())
        #expect(chmod(corpus.path, 0o755) == 0)
        try Self.chmodTree(corpus, writable: false)
        defer { try? Self.chmodTree(corpus, writable: true) }

        let before = try Self.snapshot(corpus)
        let outcome = try HashscanProcess.run(["bench", "--corpus", "corpus", "--json"] + Self.quick, in: tree.url)
        let after = try Self.snapshot(corpus)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(before == after)

        let report = try Self.report(outcome)
        let facts = try #require(report["corpus"] as? [String: Any])
        #expect(facts["source"] as? String == "directory")
        #expect(facts["files"] as? Int == before.filter { $0.hasPrefix("f ") }.count)
        #expect((facts["images"] as? [String: Int])?.keys.sorted() == ["jpeg", "png", "webp"])
        let stages = Set(Self.stages(report).compactMap { $0["stage"] as? String })
        #expect(stages.isSuperset(of: ["read", "image.webp.pdq", "lookup.pdq", "scan"]))
    }

    @Test("An unreadable corpus file is counted and left out, not fatal")
    func unreadableCorpusFile() throws {
        let tree = try TemporaryTree()
        let corpus = tree.url.appendingPathComponent("corpus")
        defer { Self.removeTree(corpus) }  // FileManager cannot remove a path longer than PATH_MAX
        try tree.write("corpus/ok.bin", seededBytes(count: 10_000, seed: 1))
        // Unreadable whoever runs the test, root included (CI runs as root): a file whose path, as bench walks
        // it from "corpus", is longer than PATH_MAX, so it is listed but cannot be opened (ENAMETOOLONG).
        let length = try Self.fileBeyondPathMax(in: corpus)
        #expect(length >= Int(PATH_MAX))
        // Mode 000 stops everyone but root (CAP_DAC_OVERRIDE): whether this process can open it decides which
        // of the two outcomes is right, and both are asserted.
        let secret = try tree.write("corpus/secret.bin", seededBytes(count: 10_000, seed: 2))
        #expect(chmod(secret.path, 0) == 0)
        let probe = open(secret.path, O_RDONLY)
        let secretReadable = probe >= 0
        if probe >= 0 { close(probe) }

        let outcome = try HashscanProcess.run(["bench", "--corpus", "corpus", "--json"] + Self.quick, in: tree.url)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let facts = try #require(try Self.report(outcome)["corpus"] as? [String: Any])
        #expect(facts["files"] as? Int == (secretReadable ? 2 : 1), "secret.bin readable here: \(secretReadable)")
        #expect(facts["unreadable_files"] as? Int == (secretReadable ? 1 : 2), "secret.bin readable here: \(secretReadable)")
    }

    /// Creates folders of 240-character names under `folder`, each still listable (its path under PATH_MAX), and
    /// in the deepest a file of a 250-character name, with *at calls (its whole path is too long for path-based
    /// ones). Returns the length of the file's path relative to the folder's parent, as bench is given it.
    static func fileBeyondPathMax(in folder: URL) throws -> Int {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var descriptor = open(folder.path, O_RDONLY | O_DIRECTORY)
        try #require(descriptor >= 0, "cannot open \(folder.path)")
        var length = folder.lastPathComponent.count
        let segment = String(repeating: "d", count: 240)
        while length + 1 + segment.count < 3900 {
            #expect(mkdirat(descriptor, segment, 0o755) == 0)
            let next = openat(descriptor, segment, O_RDONLY | O_DIRECTORY, 0)
            close(descriptor)
            descriptor = next
            try #require(descriptor >= 0, "cannot open a folder \(length) characters deep")
            length += 1 + segment.count
        }
        let name = String(repeating: "f", count: 250)
        let file = openat(descriptor, name, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        close(descriptor)
        try #require(file >= 0, "cannot create the long-named file")
        let bytes = Array("out of reach".utf8)
        #expect(write(file, bytes, bytes.count) == bytes.count)
        close(file)
        return length + 1 + name.count
    }

    /// `rm -rf` (GNU rm removes trees of any depth).
    static func removeTree(_ url: URL) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/rm")
        process.arguments = ["-rf", "--", url.path]
        try? process.run()
        process.waitUntilExit()
    }

    @Test("SIGINT while the synthetic corpus is being written removes it and exits with 130")
    func interruptRemovesTemporaryFiles() throws {
        let tree = try TemporaryTree()
        let temporary = tree.url.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = HashscanProcess.binary
        process.arguments = ["bench", "--synthetic", "40MB", "--list-entries", "2000", "--no-progress"]
        process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": temporary.path]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        func files() -> Int { (FileManager.default.enumerator(atPath: temporary.path)?.allObjects.count) ?? 0 }
        let deadline = Date().addingTimeInterval(30)
        while files() < 16 && process.isRunning && Date() < deadline { usleep(5_000) }
        #expect(files() >= 16, "the corpus never appeared")  // its folders, then files
        kill(process.processIdentifier, SIGINT)
        let stopDeadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < stopDeadline { usleep(10_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(try FileManager.default.contentsOfDirectory(atPath: temporary.path).isEmpty)
    }

    /// Every entry's kind, path, size, mode and modification time, and every file's SHA-256: any write, new
    /// file or removed file in the tree changes it (a file created and deleted again changes its folder's time).
    static func snapshot(_ root: URL) throws -> [String] {
        var lines: [String] = []
        var files: [URL] = []
        let enumerator = try #require(FileManager.default.enumerator(atPath: root.path))
        lines.append(try describe(root, "."))
        while let relative = enumerator.nextObject() as? String {
            let url = root.appendingPathComponent(relative)
            lines.append(try describe(url, relative))
            if lines.last!.hasPrefix("f ") { files.append(url) }
        }
        let digests = try coreutilsDigests("sha256sum", files: files)
        return lines.sorted() + zip(files, digests).map { "sha256 \($0.0.path) \($0.1)" }.sorted()
    }

    private static func describe(_ url: URL, _ relative: String) throws -> String {
        var info = stat()
        #expect(lstat(url.path, &info) == 0)
        let kind = (info.st_mode & S_IFMT) == S_IFDIR ? "d" : "f"
        return "\(kind) \(relative) \(info.st_size) \(String(info.st_mode, radix: 8)) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
    }

    static func chmodTree(_ root: URL, writable: Bool) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/chmod")
        process.arguments = ["-R", writable ? "u+w" : "a-w", root.path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
