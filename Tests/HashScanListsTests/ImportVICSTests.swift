import Foundation
import HashScanCore
@testable import HashScanLists
import Testing

private typealias K = ImportTestSupport.Known

@Suite("Import: VICS JSON")
struct ImportVICSTests {
    private static let usContext = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Cases"

    private func vics(_ media: String, context: String = usContext, options: ListImportOptions = ListImportOptions(format: .vicsJSON)) throws -> ImportedList {
        let text = "{\"@odata.context\":\"\(context)\",\"value\":[{\"CaseID\":1,\"Media\":[\(media)]}]}"
        return try ListImporter.importList(bytes: Array(text.utf8), file: "v.json", options: options)
    }

    @Test("string and real booleans, Category as a string, MediaID as a number or a string")
    func lenientTypes() throws {
        let list = try vics("""
            {"MediaID":7,"Category":"1","MD5":"\(K.md5Example1.uppercased())","IsDistributed":true,"IsSuspected":"false","IsPrecategorized":"1"},
            {"MediaID":"8","Category":1,"MD5":"\(K.md5Example2)","IsDistributed":"False","IsSuspected":"TRUE"}
            """)
        #expect(list.entries.map(\.entryID) == ["7", "8"])
        #expect(list.entries.map(\.labels) == [["precategorized", "distributed"], ["suspected"]])
        #expect(list.entries[0].hash.hex == K.md5Example1)
    }

    @Test("malformed media are skipped with their record index; the rest import")
    func malformedMedia() throws {
        let list = try vics("""
            {"MediaID":1,"Category":1,"MD5":"\(K.md5Example1)"},
            {"MediaID":2,"Category":1,"MD5":"nothex"},
            {"MediaID":3,"Category":"one","MD5":"\(K.md5Example2)"},
            {"MediaID":4,"Category":1},
            {"MediaID":5,"Category":1,"MD5":"\(K.md5Example3)","SHA1":"abc"},
            {"MediaID":6,"Category":1,"MD5":"\(K.md5Example4)"}
            """)
        #expect(list.entries.compactMap(\.entryID) == ["1", "6"])
        #expect(list.problems.map(\.line) == [2, 3, 4, 5])
        #expect(list.problems[0].reason.contains("media 2: MD5"))
        #expect(throws: ListParseError.self) {
            try vics("{\"Category\":1,\"MD5\":\"nothex\"}", options: ListImportOptions(format: .vicsJSON, strict: true))
        }
    }

    @Test("a truncated document keeps the media before the break and reports it")
    func truncated() throws {
        let text = "{\"@odata.context\":\"\(Self.usContext)\",\"value\":[{\"Media\":[{\"Category\":1,\"MD5\":\"\(K.md5Example1)\"},{\"Category\":1,"
        let list = try ListImporter.importList(bytes: Array(text.utf8), file: "v.json")
        #expect(list.entries.map(\.hash.hex) == [K.md5Example1])
        #expect(list.problems.count == 1)
        #expect(list.problems[0].reason.contains("ends early"))
        #expect(throws: ListParseError.self) {
            try ListImporter.importList(bytes: Array(text.utf8), file: "v.json", options: ListImportOptions(strict: true))
        }
    }

    @Test("JSON syntax errors are reported with their line")
    func syntax() throws {
        let text = "{\"odata.metadata\":\"http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Cases\",\n\"value\":[\n{\"Category\":1,\"MD5\":\"\(K.md5Example1)\"}\n{\"Category\":1}]}"
        let list = try ListImporter.importList(bytes: Array(text.utf8), file: "v.json")
        #expect(list.problems.count == 1)
        #expect(list.problems[0].reason.contains("line 4"))
        #expect(list.entries.count == 1)
    }

    @Test("a UK-profile file imports nothing under the default policy, and everything chosen under an explicit one")
    func profiles() throws {
        let uk = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/UK/$metadata#Cases"
        let media = "{\"Category\":1,\"MD5\":\"\(K.md5Example1)\"}"
        let refused = try vics(media, context: uk)
        #expect(refused.entries.isEmpty)
        #expect(refused.problems.count == 1 && refused.problems[0].reason.contains("UK profile"))
        let chosen = try vics(media, context: uk, options: ListImportOptions(format: .vicsJSON, vicsCategories: .categories([1])))
        #expect(chosen.entries.count == 1 && chosen.problems.isEmpty)
        // No context at all: the numbering is unknown.
        let bare = try ListImporter.importList(bytes: Array("{\"value\":[\(media)]}".utf8), file: "v.json")
        #expect(bare.entries.isEmpty && bare.problems.count == 1)
    }

    @Test("the profile is read from 1.x and 2.0 context URLs")
    func profileParsing() {
        let v12 = VICSProfile(context: "http://github.com/ICMEC/ProjectVic/DataModels/1.2.xml#Cases")
        #expect(v12.modelVersion == "1.2" && v12.profile == nil && v12.usesUSNumbering)
        #expect(VICSProfile(context: Self.usContext).profile == "US")
        #expect(VICSProfile(context: Self.usContext).usesUSNumbering)
        #expect(VICSProfile(context: "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media").usesUSNumbering)
        #expect(!VICSProfile(context: "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/CUSTOM/$metadata#Cases").usesUSNumbering)
    }

    @Test("the tokenizer decodes escapes and surrogate pairs and rejects bad JSON")
    func tokenizer() throws {
        let text = "{\"a\\u00e9\\ud83d\\ude00\\n\":[1,-2.5e3,true,false,null,{}],\"b\":\"\\\"\"}"
        let parser = try JSONPullParser(reader: ByteChunkReader(bytes: Array(text.utf8), file: "t"))
        let value = try parser.readValue()
        #expect(value == .object([
            ("a\u{e9}\u{1F600}\n", .array([.number("1"), .number("-2.5e3"), .bool(true), .bool(false), .null, .object([])])),
            ("b", .string("\"")),
        ]))
        #expect(try parser.next() == nil)
        for bad in ["{\"a\" 1}", "[1,]", "[01]", "{\"a\":tru}", "[\"\\x\"]", "[1] 2", "{\"a\":1,}", "[\"\\ud83d\"]"] {
            let parser = try JSONPullParser(reader: ByteChunkReader(bytes: Array(bad.utf8), file: "t"))
            #expect(throws: SyntaxFailure.self, "\(bad)") {
                _ = try parser.readValue()
                _ = try parser.next()
            }
        }
    }

    @Test("a generated VICS file of several MB streams through in chunks with the right entry count")
    func streamsLargeFile() throws {
        let path = ImportTestSupport.temporaryPath(".json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let categoryOne = try SyntheticVICSWriter.write(mediaCount: 20_000, to: path, categoryOneEvery: 4, paddingBytes: 64)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        #expect(size > 5_000_000)
        #expect(size > ByteChunkReader.chunkSize * 10)  // many chunks, so records cross chunk boundaries
        #expect(try ListImporter.detectFormat(atPath: path) == .vicsJSON)
        let list = try ListImporter.importList(atPath: path)
        #expect(categoryOne == 5_000)
        #expect(list.counts.records == 20_000)
        #expect(list.entries.count == 10_000)  // MD5 and SHA1 per category-1 media
        #expect(list.counts.entries == [.md5: 5_000, .sha1: 5_000])
        #expect(list.counts.skippedByCategory == ["0": 15_000])
        #expect(list.entries.last?.entryID == "20000")
        #expect(list.entries.allSatisfy { $0.labels == ["distributed"] })
        #expect(list.problems.isEmpty)
    }

    // The import's time and memory at scale (100 MB and 1 GB VICS files) are measured by
    // Benchmarks/scripts/compare-lists.sh (its VICS part: `ListBench vics-gen`, then `hashscan lists compile` under
    // `/usr/bin/time -v`), not here.
}
