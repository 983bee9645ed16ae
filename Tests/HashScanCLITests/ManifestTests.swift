import Foundation
import Testing

@Suite("scan --manifest")
struct ManifestTests {
    private func tree() throws -> TemporaryTree {
        let tree = try TemporaryTree()
        try tree.write("store/a.bin", seededBytes(count: 2000, seed: 11))
        try tree.write("store/b.bin", seededBytes(count: 3000, seed: 12))
        let digest = try coreutilsDigests("sha256sum", files: [tree.url.appendingPathComponent("store/a.bin")])[0]
        try tree.write("list.txt", "sha256:\(digest),A\n")
        return tree
    }

    @Test("JSON Lines: locator and extra fields reach every record for the file; a bad line is an error record")
    func jsonLines() throws {
        let tree = try tree()
        try tree.write("m.jsonl", """
            {"path":"store/a.bin","locator":"s3://bucket/uploads/a","upload_id":42,"user":{"id":"u-1"}}
            {"path":"store/b.bin","locator":"https://cdn.example/b"}
            not json
            {"path":"store/missing.bin","locator":"s3://bucket/gone"}

            """)
        let result = try HashscanProcess.run(["scan", "--manifest", "m.jsonl", "--list", "list.txt", "--all"], in: tree.url)
        #expect(result.status == 1)
        let match = try #require(result.records(ofType: "match").first)
        #expect(match["locator"] as? String == "s3://bucket/uploads/a")
        let extra = try #require(match["extra"] as? [String: Any])
        #expect(extra["upload_id"] as? Int == 42)
        #expect((extra["user"] as? [String: Any])?["id"] as? String == "u-1")
        #expect(result.records(ofType: "file").first?["locator"] as? String == "https://cdn.example/b")
        let errors = Dictionary(uniqueKeysWithValues: result.records(ofType: "error").map { ($0["path"] as! String, $0) })
        #expect(errors["m.jsonl:3"]?["code"] as? String == "invalid_manifest")
        #expect(errors["store/missing.bin"]?["code"] as? String == "not_found")
        #expect(errors["store/missing.bin"]?["locator"] as? String == "s3://bucket/gone", "errors keep their locator too")
    }

    @Test("CSV with a header: quoted fields, extra columns as strings")
    func csv() throws {
        let tree = try tree()
        try tree.write("m.csv", "path,locator,account\nstore/a.bin,\"https://x.example/a?x=1,y=2\",acct-7\nstore/b.bin,,acct-8\n")
        let result = try HashscanProcess.run(["scan", "--manifest", "m.csv", "--list", "list.txt"], in: tree.url)
        #expect(result.status == 1)
        let match = try #require(result.records(ofType: "match").first)
        #expect(match["locator"] as? String == "https://x.example/a?x=1,y=2")
        #expect((match["extra"] as? [String: Any])?["account"] as? String == "acct-7")
        #expect(result.summary?["files"] as? Int == 2)
    }

    @Test("a manifest that cannot be read is an error, and the other inputs are still scanned")
    func missingManifest() throws {
        let tree = try tree()
        let result = try HashscanProcess.run(["scan", "store", "--manifest", "nope.jsonl", "--list", "list.txt"], in: tree.url)
        #expect(result.status == 1)
        #expect(result.records(ofType: "error").first?["path"] as? String == "nope.jsonl")
        #expect(result.records(ofType: "match").count == 1)
    }
}

@Suite("scan --output and --progress json")
struct OutputOptionTests {
    @Test("--output writes the records to a file and nothing to stdout; --progress json writes progress records to stderr")
    func outputFile() throws {
        let tree = try TemporaryTree()
        let file = try tree.write("in/a.bin", seededBytes(count: 4000, seed: 21))
        try tree.write("list.txt", "md5:\(try coreutilsDigests("md5sum", files: [file])[0]),M\n")
        let result = try HashscanProcess.run(["scan", "in", "--list", "list.txt", "--output", "out.jsonl", "--progress", "json", "--progress-interval", "0.1"], in: tree.url)
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        let written = try Data(contentsOf: tree.url.appendingPathComponent("out.jsonl"))
        let types = jsonObjectLines(written, source: "out.jsonl").map { $0["type"] as? String }
        #expect(types == ["match", "summary"])
        let progress = jsonObjectLines(Data(result.stderr.utf8), source: "stderr with --progress json")
        #expect(!progress.isEmpty && progress.allSatisfy { $0["type"] as? String == "progress" })
        #expect(try HashscanProcess.run(["scan", "in", "--list", "list.txt", "--output", "/nonexistent-dir/out.jsonl"], in: tree.url).status == 73)
    }
}
