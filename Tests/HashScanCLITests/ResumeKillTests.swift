import Foundation
import Testing

@Suite("scan --resume after SIGKILL")
struct ResumeKillTests {
    /// The acceptance of the resumable scan: 20,000 files with planted matches, killed with SIGKILL five times at
    /// random points and resumed each time, deliver the same match records as one uninterrupted run, none twice.
    @Test("five SIGKILLs and resumes deliver every match record exactly once")
    func killedFiveTimes() throws {
        let tree = try TemporaryTree()
        let fileCount = 20_000
        var planted: [URL] = []
        let store = tree.url.appendingPathComponent("store")
        for directory in 0..<40 {
            try FileManager.default.createDirectory(at: store.appendingPathComponent("d\(directory)"), withIntermediateDirectories: true)
        }
        // Each file: its index, then a window of one seeded pool (generating 20,000 buffers is slow in debug builds).
        let pool = [UInt8](seededBytes(count: 1 << 16, seed: 77))
        defer { removeTree(store) }
        for index in 0..<fileCount {
            let url = store.appendingPathComponent("d\(index % 40)/f\(index).bin")
            let offset = (index * 7919) % (pool.count - 1600)
            var bytes = withUnsafeBytes(of: UInt64(index).littleEndian) { Array($0) }
            bytes += pool[offset..<offset + 56 + (index * 7919) % 1500]
            let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            #expect(descriptor >= 0 && write(descriptor, bytes, bytes.count) == bytes.count)
            close(descriptor)
            if index % 97 == 5 { planted.append(url) }
        }
        // Planted by SHA-256 and by MD5 (the same file under both: one record, two hits with one key each).
        let sha256 = try coreutilsDigests("sha256sum", files: planted)
        let md5 = try coreutilsDigests("md5sum", files: Array(planted.prefix(40)))
        var list = "# planted matches\n"
        for (index, digest) in sha256.enumerated() { list += "sha256:\(digest),PLANT-\(index)\n" }
        for (index, digest) in md5.enumerated() { list += "md5:\(digest),MD5-\(index)\n" }
        try tree.write("list.txt", list)

        let started = Date()
        let reference = try HashscanProcess.run(["scan", "store", "--list", "list.txt", "--state", "reference.db", "--output", "reference.jsonl"],
                                                in: tree.url, timeout: 600)
        let referenceSeconds = Date().timeIntervalSince(started)
        #expect(reference.status == 1)
        let expected = try matchSet(tree.url.appendingPathComponent("reference.jsonl"))
        #expect(expected.count == planted.count, "the uninterrupted run finds every planted file")

        // Kill points within the first 15% of a full run: five runs cannot finish the scan between them, so every
        // run is killed mid-scan wherever it is, and the last, uninterrupted one finishes it. The points are
        // fractions of that window drawn from a printed seed: HASHSCAN_TEST_SEED replays the same fractions (the
        // window itself is this machine's timing, printed beside them).
        let seed = try testSeed("ResumeKillTests")
        var random = SeededGenerator(seed: seed)
        let window = max(0.1, referenceSeconds * 0.15)
        let fractions = (0..<5).map { _ in Double.random(in: 0...1, using: &random) }
        let delays = fractions.map { 0.05 + $0 * (window - 0.05) }
        let points = zip(fractions, delays).map { String(format: "%.4f (%.3f s)", $0, $1) }.joined(separator: ", ")
        print("ResumeKillTests: seed \(seed), reference run \(String(format: "%.2f", referenceSeconds)) s, kill points \(points)")
        var kills = 0
        for (attempt, delay) in delays.enumerated() {
            var arguments = ["scan", "store", "--list", "list.txt", "--state", "state.db", "--output", "out.jsonl"]
            if attempt > 0 { arguments.append("--resume") }
            let process = Process()
            process.executableURL = HashscanProcess.binary
            process.arguments = arguments
            process.currentDirectoryURL = tree.url
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            if attempt == 0 {
                // The scan must exist before it can be resumed: the output is opened once the state has begun it.
                let deadline = Date().addingTimeInterval(60)
                while !FileManager.default.fileExists(atPath: tree.url.appendingPathComponent("out.jsonl").path) && Date() < deadline {
                    usleep(5_000)
                }
            }
            Thread.sleep(forTimeInterval: delay)
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
            }
            process.waitUntilExit()
        }
        #expect(kills >= 3, "most runs are killed mid-scan (\(kills) of 5 were; seed \(seed))")

        let final = try HashscanProcess.run(["scan", "store", "--list", "list.txt", "--state", "state.db", "--output", "out.jsonl", "--resume"],
                                            in: tree.url, timeout: 600)
        #expect(final.status == 1, "the scan as a whole matched, whichever run found the matches (seed \(seed))")
        let records = try jsonLines(tree.url.appendingPathComponent("out.jsonl"))
        let matches = records.filter { $0["type"] as? String == "match" }
        let summaries = records.filter { $0["type"] as? String == "summary" }
        #expect(summaries.last?["complete"] as? Bool == true, "seed \(seed)")

        #expect(try matchSet(tree.url.appendingPathComponent("out.jsonl")) == expected, "seed \(seed)")
        #expect(matches.count == expected.count, "no match record is written twice (seed \(seed))")
        let keys = matches.compactMap { $0["idempotency_key"] as? String }
        #expect(keys.count == matches.count, "every match record has its idempotency key")
        #expect(Set(keys).count == keys.count, "seed \(seed)")
        #expect(Set(matches.compactMap { $0["scan_id"] as? String }).count == 1, "one scan across its runs")
        for match in matches {
            let hits = match["matches"] as? [[String: Any]] ?? []
            #expect(!hits.isEmpty && hits.allSatisfy { ($0["idempotency_key"] as? String)?.count == 64 })
        }

        // The state holds every file once, all finished by this one scan.
        let state = try HashscanProcess.run(["state", "state.db", "--json"], in: tree.url)
        #expect(state.status == 0)
        let report = try #require(state.records.first)
        let scans = report["scans"] as? [[String: Any]] ?? []
        let current = try #require(scans.first { $0["scan_id"] as? String == matches.first?["scan_id"] as? String })
        #expect(report["files"] as? Int == fileCount)
        #expect(current["files_in_state"] as? Int == fileCount)
        #expect(current["matched_files_in_state"] as? Int == expected.count)
        #expect(current["status"] as? String == "complete")
        // A run killed while starting may not have counted itself; the final one always does.
        #expect((2...6).contains(current["runs"] as? Int ?? 0))
    }

    @Test("resume without a state, or with nothing to resume, is refused before scanning")
    func refusals() throws {
        let tree = try TemporaryTree()
        try tree.write("store/a.bin", seededBytes(count: 100, seed: 1))
        try tree.write("list.txt", "md5:00000000000000000000000000000000\n")
        #expect(try HashscanProcess.run(["scan", "store", "--list", "list.txt", "--resume"], in: tree.url).status == 64)
        let nothing = try HashscanProcess.run(["scan", "store", "--list", "list.txt", "--state", "s.db", "--resume"], in: tree.url)
        #expect(nothing.status == 66)
        #expect(nothing.stderr.contains("no scan to resume"))
        #expect(nothing.stdout.isEmpty)
    }

    @Test("a record cut short by a kill is dropped, and its file is scanned again")
    func partialLastLine() throws {
        let tree = try TemporaryTree()
        let file = try tree.write("store/a.bin", seededBytes(count: 300, seed: 9))
        try tree.write("store/b.bin", seededBytes(count: 300, seed: 10))
        try tree.write("empty/.keep", "")
        try tree.write("list.txt", "sha256:\(try coreutilsDigests("sha256sum", files: [file])[0]),HIT\n")
        // A scan that began but finished no file of the store, and an output left with half a record in it,
        // as a kill in the middle of a write would leave it.
        let begun = try HashscanProcess.run(["scan", "empty", "--list", "list.txt", "--state", "s.db", "--scan-id", "nightly-7"], in: tree.url)
        #expect(begun.status == 0)
        try tree.write("out.jsonl", #"{"type":"match","path":"store/a.bin","scan_id":"nightly-7","idem"#)
        let resumed = try HashscanProcess.run(["scan", "store", "--list", "list.txt", "--state", "s.db", "--output", "out.jsonl", "--resume"],
                                              in: tree.url)
        #expect(resumed.status == 1)
        #expect(resumed.stderr.contains("dropped a record cut short"))
        let lines = String(decoding: try Data(contentsOf: tree.url.appendingPathComponent("out.jsonl")), as: UTF8.self).split(separator: "\n")
        let records = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(records.count == lines.count, "only whole records are left in the file")
        let matches = records.filter { $0["type"] as? String == "match" }
        #expect(matches.count == 1)
        #expect(matches.first?["path"] as? String == "store/a.bin")
        #expect(matches.first?["scan_id"] as? String == "nightly-7")
    }

    /// `rm -rf`: removing 20,000 files through FileManager takes long in a debug build.
    private func removeTree(_ url: URL) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/rm")
        process.arguments = ["-rf", "--", url.path]
        try? process.run()
        process.waitUntilExit()
    }

    /// The file's records; a line that is not a whole JSON object fails the test (a resumed scan must have
    /// dropped the record a kill cut short).
    private func jsonLines(_ url: URL) throws -> [[String: Any]] {
        jsonObjectLines(try Data(contentsOf: url), source: url.lastPathComponent)
    }

    /// Each match record as (path, sorted list:entry pairs): what a takedown queue acts on.
    private func matchSet(_ url: URL) throws -> Set<String> {
        Set(try jsonLines(url).filter { $0["type"] as? String == "match" }.map { record in
            let hits = (record["matches"] as? [[String: Any]] ?? []).map { "\($0["list"] ?? ""):\($0["entry"] ?? ""):\($0["algorithm"] ?? "")" }
            return "\(record["path"] ?? "")|\(hits.sorted().joined(separator: ","))"
        })
    }
}
