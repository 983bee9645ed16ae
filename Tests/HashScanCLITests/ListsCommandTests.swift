import Foundation
import Testing

@Suite("hashscan lists")
struct ListsCommandTests {
    private func compiledDemo() throws -> (TemporaryTree, digest: String) {
        let tree = try TemporaryTree()
        let file = try tree.write("data/known.bin", seededBytes(count: 3000, seed: 3))
        let digest = try coreutilsDigests("sha256sum", files: [file])[0]
        // P-1: an arbitrary PDQ entry (it happens to be the C++ reference hash of bridge-mods/aaa-orig.jpg).
        try tree.write("source.txt", "sha256:\(digest),K-1\npdq:d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22,P-1\n")
        let compile = try HashscanProcess.run(["lists", "compile", "source.txt", "--name", "known", "--version", "v3", "-o", "known.hsl"], in: tree.url)
        #expect(compile.status == 0, "\(compile.stderr)")
        return (tree, digest)
    }

    @Test("compile, info, verify: the header names the list, its version, source digest and counts")
    func compileInfoVerify() throws {
        let (tree, _) = try compiledDemo()
        let info = try HashscanProcess.run(["lists", "info", "known.hsl"], in: tree.url)
        #expect(info.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: info.stdout) as? [String: Any])
        #expect(object["name"] as? String == "known")
        #expect(object["version"] as? String == "v3")
        #expect(object["counts"] as? [String: Int] == ["sha256": 1, "pdq": 1])
        let source = try #require((object["sources"] as? [[String: Any]])?.first)
        let sourceDigest = try coreutilsDigests("sha256sum", files: [tree.url.appendingPathComponent("source.txt")])[0]
        #expect(source["sha256"] as? String == sourceDigest)
        #expect(try HashscanProcess.run(["lists", "verify", "known.hsl"], in: tree.url).status == 0)
    }

    @Test("scan takes a compiled list like a source list and reports its version")
    func scanWithCompiledList() throws {
        let (tree, digest) = try compiledDemo()
        let result = try HashscanProcess.run(["scan", "data", "--list", "known.hsl"], in: tree.url)
        #expect(result.status == 1)
        let hit = try #require((result.records(ofType: "match").first?["matches"] as? [[String: Any]])?.first)
        #expect(hit["entry"] as? String == "K-1")
        #expect(hit["list_version"] as? String == "v3")
        #expect(hit["reference"] as? String == digest)
    }

    @Test("query reads hashes from stdin and reports PDQ hits with their distance")
    func query() throws {
        let (tree, _) = try compiledDemo()
        // 3 bits away from P-1, and one hash that is on no list.
        let near = "pdq:d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b25"
        let stdin = Data("\(near)\nmd5:00000000000000000000000000000000\n".utf8)
        let result = try HashscanProcess.run(["lists", "query", "known.hsl"], in: tree.url, stdin: stdin)
        #expect(result.status == 1)
        let records = result.records(ofType: "query")
        try #require(records.count == 2)
        let hit = try #require((records[0]["matches"] as? [[String: Any]])?.first)
        #expect(hit["distance"] as? Int == 3)
        #expect(hit["entry"] as? String == "P-1")
        #expect(records[1]["match"] as? Bool == false)
        let strict = try HashscanProcess.run(["lists", "query", "known.hsl", "--max-distance", "2", near], in: tree.url)
        #expect(strict.status == 0)
    }

    @Test("compile reads inputs oldest first: a later NCMEC delta's tombstone withdraws an earlier file's entry")
    func compileWithDelta() throws {
        let tree = try TemporaryTree()
        func result(_ images: String) -> String {
            #"<?xml version="1.0"?><queryResult xmlns="https://hashsharing.ncmec.org/hashsharing/v2"><images>"# + images + "</images></queryResult>"
        }
        func image(_ id: String, _ md5: String) -> String {
            #"<image><member id="42">M</member><timestamp>2024-01-01T00:00:00Z</timestamp><id>"# + id
                + "</id><classification>A1</classification><fingerprints><md5>\(md5)</md5></fingerprints></image>"
        }
        // Arbitrary entries: the MD5s of "example 1" and "example 2", as in hashlists/examples.
        let kept = "e93b3fa481be3932aa08bd68c3deee70", withdrawn = "a6b23ee7f9c084154997ea3bf5b4c1e3"
        try tree.write("2024-01-01.xml", result(image("a", kept) + image("b", withdrawn)))
        try tree.write("2024-01-02.xml", result(#"<deletedImage><member id="42">M</member><id>b</id><timestamp>2024-01-02T00:00:00Z</timestamp></deletedImage>"#))
        let compile = try HashscanProcess.run(["lists", "compile", "2024-01-01.xml", "2024-01-02.xml", "--name", "ncmec", "-o", "n.hsl"], in: tree.url)
        #expect(compile.status == 0, "\(compile.stderr)")
        #expect(compile.stderr.contains("1 entries of earlier inputs withdrawn"), "\(compile.stderr)")
        let query = try HashscanProcess.run(["lists", "query", "n.hsl", "md5:\(kept)", "md5:\(withdrawn)"], in: tree.url)
        let records = query.records(ofType: "query")
        try #require(records.count == 2)
        #expect((records[0]["matches"] as? [[String: Any]])?.first?["entry"] as? String == "42/a")
        #expect(records[1]["match"] as? Bool == false)
    }

    @Test("a damaged compiled list is refused by scan, info and verify")
    func damaged() throws {
        let (tree, _) = try compiledDemo()
        var bytes = try Data(contentsOf: tree.url.appendingPathComponent("known.hsl"))
        try bytes.prefix(bytes.count - 10).write(to: tree.url.appendingPathComponent("short.hsl"))
        bytes[300] ^= 0xFF  // inside the first section: the payload checksum refuses it at open
        try bytes.write(to: tree.url.appendingPathComponent("flipped.hsl"))
        let scan = try HashscanProcess.run(["scan", "data", "--list", "short.hsl"], in: tree.url)
        #expect(scan.status == 66)
        #expect(scan.stdout.isEmpty)
        #expect(scan.stderr.contains("truncated"))
        let verify = try HashscanProcess.run(["lists", "verify", "flipped.hsl"], in: tree.url)
        #expect(verify.status == 65 && verify.stderr.contains("payload checksum mismatch"), "\(verify.stderr)")
        let flipped = try HashscanProcess.run(["scan", "data", "--list", "flipped.hsl"], in: tree.url)
        #expect(flipped.status == 65 && flipped.stdout.isEmpty, "\(flipped.stderr)")
    }

    @Test("diff counts added and removed entries")
    func diff() throws {
        let (tree, _) = try compiledDemo()
        // NEW: an arbitrary MD5 (that of the empty string).
        try tree.write("next.txt", "md5:d41d8cd98f00b204e9800998ecf8427e,NEW\npdq:d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22,P-1\n")
        #expect(try HashscanProcess.run(["lists", "compile", "next.txt", "--name", "known", "-o", "next.hsl"], in: tree.url).status == 0)
        let result = try HashscanProcess.run(["lists", "diff", "known.hsl", "next.hsl", "--entries"], in: tree.url)
        #expect(result.status == 0)
        #expect(result.records(ofType: "added").map { $0["entry"] as? String } == ["NEW"])
        #expect(result.records(ofType: "removed").map { $0["entry"] as? String } == ["K-1"])
        #expect(result.records(ofType: "diff_summary").first?["added"] as? Int == 1)
    }
}

@Suite("hashscan lists with the import formats")
struct ListImportCommandTests {
    static let examples: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("hashlists/examples")

    @Test("the synthetic examples of every format compile into one list that matches files by content")
    func compileExamples() throws {
        let tree = try TemporaryTree()
        let inputs = try FileManager.default.contentsOfDirectory(atPath: Self.examples.path)
            .filter { !$0.hasSuffix(".py") && !$0.hasSuffix(".sql") }.sorted().map { Self.examples.appendingPathComponent($0).path }
        let compile = try HashscanProcess.run(["lists", "compile"] + inputs + ["--name", "examples", "-o", "examples.hsl"], in: tree.url)
        #expect(compile.status == 0, "\(compile.stderr)")
        let info = try #require(try JSONSerialization.jsonObject(with: try HashscanProcess.run(["lists", "info", "examples.hsl"], in: tree.url).stdout) as? [String: Any])
        let formats = Set((info["sources"] as? [[String: Any]] ?? []).compactMap { $0["format"] as? String })
        #expect(formats.isSuperset(of: ["csv", "hashdeep", "md5sum", "ncmecXML", "vicsJSON", "threatExchangePDQ"]))
        // The NCMEC example's image1 is the MD5 of the string "example 1", classified A1 by member 42.
        try tree.write("files/one.txt", "example 1")
        let scan = try HashscanProcess.run(["scan", "files", "--list", "examples.hsl"], in: tree.url)
        #expect(scan.status == 1)
        let hits = try #require(scan.records(ofType: "match").first?["matches"] as? [[String: Any]])
        #expect(hits.contains { $0["entry"] as? String == "42/image1" && $0["category"] as? String == "A1" })
    }

    @Test("a file with no valid entry is refused; --strict refuses any malformed record")
    func refusesNonLists() throws {
        let tree = try TemporaryTree()
        try tree.write("notes.txt", "hello\nworld\n")
        try tree.write("mixed.txt", "d41d8cd98f00b204e9800998ecf8427e,OK\nnot a hash\n")  // any well-formed MD5, then a bad line
        #expect(try HashscanProcess.run(["lists", "compile", "notes.txt", "--name", "n", "-o", "n.hsl"], in: tree.url).status == 65)
        let lenient = try HashscanProcess.run(["lists", "compile", "mixed.txt", "--name", "m", "-o", "m.hsl"], in: tree.url)
        #expect(lenient.status == 0)
        #expect(lenient.stderr.contains("mixed.txt:2:"))
        #expect(try HashscanProcess.run(["lists", "compile", "mixed.txt", "--strict", "--name", "m", "-o", "m.hsl"], in: tree.url).status == 65)
        #expect(try HashscanProcess.run(["scan", ".", "--list", "mixed.txt"], in: tree.url).status == 65, "scan reads source lists strictly")
    }
}
