import Foundation
import Testing

/// Exit codes that tell an operator which file is at fault: a list that cannot be read (66) or is malformed
/// (65), an output that cannot be created (73); and `--help` names every code the README lists.
@Suite("exit codes")
struct ExitCodeTests {
    static func tree() throws -> TemporaryTree {
        let tree = try TemporaryTree()
        try tree.write("data/a.bin", seededBytes(count: 1_000, seed: 1))
        try tree.write("list.txt", "# made up for this test\nsha256:\(String(repeating: "ab", count: 32)),E-1\n")
        return tree
    }

    @Test("an --output or --csv that cannot be created is 73, not 66; nothing is scanned")
    func outputThatCannotBeCreated() throws {
        let tree = try Self.tree()
        for arguments in [["--output", "missing-dir/out.jsonl"], ["--csv", "missing-dir/out.csv"]] {
            let result = try HashscanProcess.run(["scan", "data", "--list", "list.txt"] + arguments, in: tree.url)
            #expect(result.status == 73, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("missing-dir/out"), "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty, "\(arguments)")
        }
    }

    @Test("a missing list is 66, a malformed one 65, each naming the file")
    func listFailures() throws {
        let tree = try Self.tree()
        let missing = try HashscanProcess.run(["scan", "data", "--list", "nope.txt"], in: tree.url)
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("nope.txt: cannot read list: no such file"), "\(missing.stderr)")
        try tree.write("bad.txt", "sha256:nothex,E-1\n")
        let malformed = try HashscanProcess.run(["scan", "data", "--list", "bad.txt"], in: tree.url)
        #expect(malformed.status == 65)
        #expect(malformed.stderr.contains("bad.txt:1:"), "\(malformed.stderr)")
        try tree.write("fake.hsl", Data("HSLIST01 but not really a compiled list".utf8))
        let compiled = try HashscanProcess.run(["scan", "data", "--list", "fake.hsl"], in: tree.url)
        #expect(compiled.status == 66, "\(compiled.stderr)")
        #expect(compiled.stderr.contains("not a compiled hashscan list"), "\(compiled.stderr)")
        // A real compiled list with one byte of its tables changed: refused before it is trusted.
        try tree.write("one.txt", "md5:d41d8cd98f00b204e9800998ecf8427e,E-1\n")
        let built = try HashscanProcess.run(["lists", "compile", "one.txt", "--name", "one", "-o", "one.hsl"], in: tree.url)
        #expect(built.status == 0, "\(built.stderr)")
        var damagedList = try Data(contentsOf: tree.url.appendingPathComponent("one.hsl"))
        damagedList[300] ^= 0x01
        try tree.write("one.hsl", damagedList)
        let damaged = try HashscanProcess.run(["scan", "data", "--list", "one.hsl"], in: tree.url)
        #expect(damaged.status == 65 && damaged.stderr.contains("payload checksum mismatch"), "\(damaged.stderr)")
        try tree.write("empty.txt", "")
        let empty = try HashscanProcess.run(["scan", "data", "--list", "empty.txt"], in: tree.url)
        #expect(empty.status == 65 && empty.stderr.contains("empty.txt: the file is empty: not a list"), "\(empty.stderr)")
        #expect(compiled.stderr.contains("fake.hsl"), "\(compiled.stderr)")
        // A list with no entry (a comment only) opens, with a warning, and matches nothing.
        try tree.write("comments.txt", "# nothing yet\n")
        let none = try HashscanProcess.run(["scan", "data", "--list", "comments.txt"], in: tree.url)
        #expect(none.status == 0 && none.stderr.contains("comments.txt: the list has no entry"), "\(none.stderr)")
    }

    @Test("--help lists every exit code the README lists")
    func helpListsTheReadmeCodes() throws {
        let readme = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "## Exit codes").dropFirst().first?.components(separatedBy: "\n## ").first)
        let codes = section.split(separator: "\n").compactMap { line -> Int? in
            guard line.hasPrefix("| ") else { return nil }
            return Int(line.dropFirst(2).prefix { $0.isNumber })
        }
        #expect(codes.count >= 10, "the README's exit-code table: \(codes)")
        let help = try HashscanProcess.run(["--help"], in: FileManager.default.temporaryDirectory)
        #expect(help.status == 0)
        let text = String(decoding: help.stdout, as: UTF8.self)
        for code in codes {
            #expect(text.range(of: "\\b\(code)\\b", options: .regularExpression) != nil, "--help does not mention exit code \(code)")
        }
    }

    @Test("serve keygen takes --keys FILE like serve, and --keys-file still")
    func keygenTakesKeys() throws {
        let tree = try TemporaryTree()
        for (flag, id) in [("--keys", "a"), ("--keys-file", "b")] {
            let result = try HashscanProcess.run(["serve", "keygen", "--id", id, flag, "keys.jsonl"], in: tree.url)
            #expect(result.status == 0, "\(flag): \(result.stderr)")
            #expect(String(decoding: result.stdout, as: UTF8.self).hasPrefix("hsk_"))
        }
        let lines = try String(contentsOf: tree.url.appendingPathComponent("keys.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let blocked = try HashscanProcess.run(["serve", "keygen", "--id", "c", "--keys", "missing-dir/keys.jsonl"], in: tree.url)
        #expect(blocked.status == 73, "\(blocked.stderr)")
    }
}
