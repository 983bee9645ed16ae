import Foundation
import Testing

@Suite("hashscan scan, end to end")
struct ScanCommandTests {
    /// A tree with one file whose SHA-256 is on the list and one clean file.
    private func treeWithListedFile() throws -> (TemporaryTree, listedDigest: String) {
        let tree = try TemporaryTree()
        let listed = seededBytes(count: 10_000, seed: 7)
        try tree.write("data/listed.bin", listed)
        try tree.write("data/clean.bin", seededBytes(count: 5_000, seed: 8))
        let digest = try coreutilsDigests("sha256sum", files: [tree.url.appendingPathComponent("data/listed.bin")])[0]
        try tree.write("list.txt", "# synthetic demo list\nsha256:\(digest),ENTRY-42\n")
        return (tree, digest)
    }

    @Test("a listed file gives exit 1 and a match record naming list and entry")
    func matchExitsOne() throws {
        let (tree, digest) = try treeWithListedFile()
        let result = try HashscanProcess.run(["scan", "data", "--list", "list.txt"], in: tree.url)
        #expect(result.status == 1)
        let matches = result.records(ofType: "match")
        try #require(matches.count == 1)
        #expect(matches[0]["path"] as? String == "data/listed.bin")
        #expect(matches[0]["size"] as? Int == 10_000)
        let hashes = try #require(matches[0]["hashes"] as? [String: Any])
        #expect(hashes["sha256"] as? String == digest)
        let hit = try #require((matches[0]["matches"] as? [[String: Any]])?.first)
        #expect(hit["list"] as? String == "list")
        #expect(hit["entry"] as? String == "ENTRY-42")
        #expect(hit["algorithm"] as? String == "sha256")
        #expect(hit["distance"] as? Int == 0)
        let summary = try #require(result.summary)
        #expect(summary["files"] as? Int == 2)
        #expect(summary["matches"] as? Int == 1)
        #expect(summary["errors"] as? Int == 0)
        #expect(summary["schema_version"] as? Int == 1)
        #expect(result.stderr.isEmpty)
    }

    @Test("no listed file gives exit 0 and only a summary")
    func cleanExitsZero() throws {
        let (tree, _) = try treeWithListedFile()
        try FileManager.default.removeItem(at: tree.url.appendingPathComponent("data/listed.bin"))
        let result = try HashscanProcess.run(["scan", "data", "--list", "list.txt"], in: tree.url)
        #expect(result.status == 0)
        #expect(result.records.map { $0["type"] as? String } == ["summary"])
        #expect(result.summary?["files"] as? Int == 1)
    }

    @Test("--all writes a file record for every clean file, with hashes equal to coreutils")
    func allWritesFileRecords() throws {
        let (tree, _) = try treeWithListedFile()
        let result = try HashscanProcess.run(["scan", "data", "--list", "list.txt", "--all"], in: tree.url)
        #expect(result.status == 1)
        let files = result.records(ofType: "file")
        try #require(files.count == 1)
        let hashes = try #require(files[0]["hashes"] as? [String: String])
        let clean = [tree.url.appendingPathComponent("data/clean.bin")]
        #expect(hashes["md5"] == (try coreutilsDigests("md5sum", files: clean))[0])
        #expect(hashes["sha1"] == (try coreutilsDigests("sha1sum", files: clean))[0])
        #expect(hashes["sha256"] == (try coreutilsDigests("sha256sum", files: clean))[0])
    }

    @Test("a FIFO and a vanished file give error records and exit 2, without hanging")
    func fifoAndVanishedFile() throws {
        let tree = try TemporaryTree()
        try tree.write("data/ok.txt", "fine")
        try tree.write("list.txt", "md5:00000000000000000000000000000000,NEVER\n")
        #expect(mkfifo(tree.url.appendingPathComponent("data/pipe").path, 0o644) == 0)
        // Listed for the scan, then gone before it is opened.
        let vanished = try tree.write("data/vanished.txt", Data("soon gone".utf8))
        try FileManager.default.removeItem(at: vanished)
        let stdin = Data("data\ndata/vanished.txt\n".utf8)
        let result = try HashscanProcess.run(["scan", "--stdin", "--list", "list.txt"], in: tree.url, stdin: stdin, timeout: 60)
        #expect(result.status == 2)
        let errors = result.records(ofType: "error")
        let codes = Dictionary(uniqueKeysWithValues: errors.map { ($0["path"] as! String, $0["code"] as! String) })
        #expect(codes["data/pipe"] == "not_regular")
        #expect(codes["data/vanished.txt"] == "not_found")
        #expect(errors.allSatisfy { ($0["message"] as? String)?.isEmpty == false })
        #expect(result.summary?["files"] as? Int == 1)
        #expect(result.summary?["errors"] as? Int == 2)
    }

    @Test("a match is never hidden behind errors: exit 1 when both happen")
    func matchWinsOverErrors() throws {
        let (tree, _) = try treeWithListedFile()
        let result = try HashscanProcess.run(["scan", "data", "missing-dir", "--list", "list.txt"], in: tree.url)
        #expect(result.status == 1)
        #expect(result.records(ofType: "error").first?["code"] as? String == "not_found")
        #expect(result.records(ofType: "match").count == 1)
    }

    @Test("a malformed list stops the run before scanning, naming file and line")
    func malformedListFailsFirst() throws {
        let (tree, _) = try treeWithListedFile()
        try tree.write("bad.txt", "# header\nd41d8cd98f00b204e9800998ecf8427e,OK\nnot-a-hash\nsha1:abcd\n")  // line 2: any well-formed MD5
        let result = try HashscanProcess.run(["scan", "data", "--list", "list.txt", "--list", "bad.txt"], in: tree.url)
        #expect(result.status == 65)
        #expect(result.stdout.isEmpty, "nothing may be scanned with a broken list")
        #expect(result.stderr.contains("bad.txt:3:"))
        #expect(result.stderr.contains("bad.txt:4:"))
        #expect(!result.stderr.contains("bad.txt:2:"))
    }

    @Test("an unreadable list stops the run with exit 66")
    func missingListFails() throws {
        let (tree, _) = try treeWithListedFile()
        let result = try HashscanProcess.run(["scan", "data", "--list", "nope.txt"], in: tree.url)
        #expect(result.status == 66)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("nope.txt"))
    }

    @Test("usage errors exit 64")
    func usageError() throws {
        let tree = try TemporaryTree()
        #expect(try HashscanProcess.run(["scan", "."], in: tree.url).status == 64)
        #expect(try HashscanProcess.run(["scan", "--list", "x", "--jobs", "0", "."], in: tree.url).status == 64)
        #expect(try HashscanProcess.run(["hash", "--algorithms", "crc32", "."], in: tree.url).status == 64)
    }

    @Test("--stdin -0 reads NUL-separated names, including names with newlines")
    func nulSeparatedStdin() throws {
        let (tree, digest) = try treeWithListedFile()
        let odd = "data/line\nbreak.bin"
        try tree.write(odd, seededBytes(count: 10_000, seed: 7))
        let stdin = Data("\(odd)\0data/clean.bin\0".utf8)
        let result = try HashscanProcess.run(["scan", "--stdin", "-0", "--list", "list.txt"], in: tree.url, stdin: stdin)
        #expect(result.status == 1)
        let match = try #require(result.records(ofType: "match").first)
        #expect(match["path"] as? String == odd)
        #expect((match["hashes"] as? [String: Any])?["sha256"] as? String == digest)
        #expect(result.summary?["files"] as? Int == 2)
    }

    @Test("scan | head -1 ends quietly")
    func closedPipeIsQuiet() throws {
        let tree = try TemporaryTree()
        for index in 0..<3000 { try tree.write("many/f\(index)", "file \(index)") }
        try tree.write("list.txt", "sha256:\(String(repeating: "0", count: 64))\n")
        let script = "\"$0\" scan many --all --list list.txt | head -1"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script, HashscanProcess.binary.path]
        process.currentDirectoryURL = tree.url
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(String(decoding: stdout, as: UTF8.self).split(separator: "\n").count == 1)
        #expect(stderr.isEmpty, "stderr: \(String(decoding: stderr, as: UTF8.self))")
    }

    @Test("non-UTF-8 names are written losslessly in path_base64")
    func nonUTF8Name() throws {
        let tree = try TemporaryTree()
        let nameBytes: [UInt8] = Array("data/caf".utf8) + [0xE9, 0xFF] + Array(".bin".utf8)
        let fullPath = tree.url.path + "/" + String(decoding: Array(nameBytes.prefix(5)), as: UTF8.self)
        try FileManager.default.createDirectory(atPath: fullPath, withIntermediateDirectories: true)
        let cPath = Array(tree.url.path.utf8) + [UInt8(ascii: "/")] + nameBytes + [0]
        let descriptor = cPath.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) }
        }
        try #require(descriptor >= 0)
        close(descriptor)
        let result = try HashscanProcess.run(["hash", "data"], in: tree.url)
        #expect(result.status == 0)
        let record = try #require(result.records(ofType: "file").first)
        let encoded = try #require(record["path_base64"] as? String)
        #expect(Data(base64Encoded: encoded) == Data(nameBytes))
        #expect((record["path"] as? String)?.contains("\u{FFFD}") == true)
    }

    @Test("symlinks are skipped by default; --follow-symlinks follows them and reports loops")
    func symlinkLoops() throws {
        let tree = try TemporaryTree()
        try tree.write("data/sub/file.txt", "x")
        try FileManager.default.createSymbolicLink(atPath: tree.url.appendingPathComponent("data/sub/up").path, withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: tree.url.appendingPathComponent("data/alias.txt").path, withDestinationPath: "sub/file.txt")
        let plain = try HashscanProcess.run(["hash", "data"], in: tree.url)
        #expect(plain.status == 0)
        #expect(plain.records(ofType: "file").count == 1)
        #expect(plain.summary?["skipped_symlinks"] as? Int == 2)

        let followed = try HashscanProcess.run(["hash", "--follow-symlinks", "data"], in: tree.url, timeout: 60)
        #expect(followed.status == 2)
        #expect(followed.records(ofType: "file").count == 2)
        #expect(followed.records(ofType: "error").map { $0["code"] as? String } == ["symlink_loop"])
    }

    @Test("a directory that cannot be listed is an error record and the walk goes on")
    func unlistableDirectory() throws {
        let tree = try TemporaryTree()
        try tree.write("data/a.txt", "a")
        // A path component that is a file, not a directory, cannot be listed whatever our privileges.
        let result = try HashscanProcess.run(["hash", "data", "data/a.txt/child"], in: tree.url)
        #expect(result.status == 2)
        #expect(result.records(ofType: "file").count == 1)
        #expect(result.records(ofType: "error").first?["code"] as? String == "not_found")
    }
}
