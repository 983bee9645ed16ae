import Foundation
@testable import HashScanLists
import Testing

private typealias K = ImportTestSupport.Known

@Suite("Import: NCMEC v2 XML")
struct ImportNCMECTests {
    private func result(_ body: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <queryResult xmlns="https://hashsharing.ncmec.org/hashsharing/v2">
        \(body)
        </queryResult>
        """
    }

    private func image(_ id: String, member: String = "42", md5: String, classification: String = "A1") -> String {
        "<image><member id=\"\(member)\">M</member><timestamp>2024-01-01T00:00:00Z</timestamp><id>\(id)</id>"
            + "<classification>\(classification)</classification><fingerprints><md5>\(md5)</md5></fingerprints></image>"
    }

    @Test("a re-sent entry replaces the earlier one; a tombstone removes only its member's entry")
    func updatesAndTombstones() throws {
        let text = result("""
            <images>
            \(image("a", md5: K.md5Example1, classification: "A1"))
            \(image("b", md5: K.md5Example2))
            \(image("b", member: "43", md5: K.md5Example3))
            \(image("a", md5: K.md5Example4, classification: "B2"))
            <deletedImage><member id="42">M</member><id>b</id><timestamp>2024-01-02T00:00:00Z</timestamp></deletedImage>
            </images>
            """)
        let list = try ImportTestSupport.importText(text)
        #expect(list.format == .ncmecXML)
        #expect(ImportTestSupport.rows(list) == [
            .init(.md5, K.md5Example3, "43/b", "A1"),
            .init(.md5, K.md5Example4, "42/a", "B2"),
        ])
        #expect(list.counts.records == 5)
        #expect(list.counts.tombstones == 1)
        #expect(list.counts.removed == 2)
    }

    @Test("successive pages or daily deltas: a later file's tombstones and re-sent entries withdraw earlier files' entries")
    func deltasAcrossFiles() throws {
        let base = try ImportTestSupport.importText(result("""
            <images>
            \(image("a", md5: K.md5Example1))
            \(image("b", md5: K.md5Example2))
            \(image("c", member: "43", md5: K.md5Example3))
            </images>
            """))
        let delta = try ImportTestSupport.importText(result("""
            <images>
            <deletedImage><member id="42">M</member><id>a</id><timestamp>2024-01-02T00:00:00Z</timestamp></deletedImage>
            \(image("b", md5: K.md5Example4, classification: "B2"))
            <deletedImage><member id="42">M</member><id>c</id><timestamp>2024-01-02T00:00:00Z</timestamp></deletedImage>
            </images>
            """))
        #expect(delta.entries.count == 1)
        #expect(delta.withdrawals.entryIDs == ["42/a", "42/b", "42/c"])
        let merged = ImportedList.merging([base, delta])
        // a: deleted; b: replaced by its re-sent version; c of member 43 is another entry than 42/c and stays.
        #expect(merged.entries.map { "\($0.entryID ?? "-") \($0.hash.hex) \($0.category ?? "-")" } == [
            "43/c \(K.md5Example3) A1",
            "42/b \(K.md5Example4) B2",
        ])
        #expect(merged.withdrawn == 2)
        // Order matters: read first, the delta withdraws nothing after it, and the base's 42/b (re-sent, as far as
        // the order says) replaces the delta's.
        #expect(ImportedList.merging([delta, base]).entries.map { "\($0.entryID ?? "-") \($0.hash.hex)" } == [
            "42/a \(K.md5Example1)", "42/b \(K.md5Example2)", "43/c \(K.md5Example3)",
        ])
    }

    @Test("entries without an id or member, or with a bad fingerprint, are problems at their line")
    func malformed() throws {
        let text = result("""
            <images>
            <image><member id="42">M</member><fingerprints><md5>\(K.md5Example1)</md5></fingerprints></image>
            <image><id>x</id><fingerprints><md5>\(K.md5Example1)</md5></fingerprints></image>
            <image><member id="42">M</member><id>y</id><fingerprints><md5>abc</md5></fingerprints></image>
            \(image("z", md5: K.md5Example2))
            </images>
            """)
        let list = try ImportTestSupport.importText(text)
        #expect(list.entries.compactMap(\.entryID) == ["42/z"])
        #expect(list.problems.map(\.line) == [4, 5, 6])
        #expect(throws: ListParseError.self) { try ImportTestSupport.importText(text, strict: true) }
    }

    @Test("broken XML keeps what came before and reports the error")
    func brokenXML() throws {
        let text = "<queryResult xmlns=\"https://hashsharing.ncmec.org/hashsharing/v2\"><images>\(image("a", md5: K.md5Example1))<image><id>b</id"
        let list = try ImportTestSupport.importText(text, format: .ncmecXML)
        #expect(list.entries.count == 1)
        #expect(list.problems.count == 1)
        #expect(throws: ListParseError.self) { try ImportTestSupport.importText(text, format: .ncmecXML, strict: true) }
    }

    @Test("an XML document that is not a query result is refused")
    func wrongRoot() throws {
        let list = try ImportTestSupport.importText("<status xmlns=\"https://hashsharing.ncmec.org/hashsharing/v2\"><username>u</username></status>")
        #expect(list.entries.isEmpty)
        #expect(list.problems.first?.reason.contains("not an NCMEC") == true)
    }

    /// Foundation's XMLParser on Linux crashed on two inputs the list-ncmec fuzz target made (Fuzz/Regressions/
    /// list-ncmec): an element name that is not UTF-8, and a processing instruction without data. hashscan now
    /// reads NCMEC XML with its own parser; these and other hostile documents are problems at their line.
    @Test("hostile XML: bytes that are not UTF-8, empty processing instructions, DTDs, unknown entities, bad nesting")
    func hostileXMLIsAProblemAtItsLine() throws {
        let good = image("a", md5: K.md5Example1)
        var badName = Array(result("<images>\n" + good + "\n" + good.replacingOccurrences(of: ">a<", with: ">b<") + "\n</images>").utf8)
        let member = Array("<member".utf8)
        let positions = (0..<(badName.count - member.count)).filter { Array(badName[$0..<($0 + member.count)]) == member }
        badName[positions[1] + 5] = 0xE2  // the second entry's element name becomes "memb", 0xE2, "r": what the fuzzer sent
        let cases: [(name: String, bytes: [UInt8], kept: Int, line: Int, reason: String)] = [
            ("a name that is not UTF-8", badName, 1, 5, "not UTF-8"),
            // Foundation's parser crashed at the <?x?>; here it is skipped, and the bad end tag after it is the problem.
            ("a processing instruction without data",
             Array(result("<images>\n" + good + "\n<?x?>\n" + good.replacingOccurrences(of: ">a<", with: ">b<") + "</imagez></images>").utf8),
             2, 6, "</imagez> closes <images>"),
            ("a DTD", Array(("<?xml version=\"1.0\"?>\n<!DOCTYPE q [<!ENTITY e \"x\">]>\n" + result("")).utf8), 0, 2, "DOCTYPE"),
            ("an unknown entity", Array(result("<images>\n" + good + "\n<image>&e;</image></images>").utf8), 1, 5, "unknown entity &e;"),
            ("a second root", Array((result("<images>\n" + good + "\n</images>") + "\n<queryResult/>").utf8), 1, 7, "second root"),
            // Cut inside a start tag: the closing </queryResult> (14 bytes) dropped, the line break before it kept.
            ("a truncated file", Array(result("<images>\n" + good + "\n<ima").utf8.dropLast(14)), 1, 6, "ends inside the tag <ima"),
        ]
        for (name, bytes, kept, line, reason) in cases {
            var options = ListImportOptions(strict: false)
            options.format = .ncmecXML
            let list = try ListImporter.importList(bytes: bytes, file: "bad.xml", options: options)
            #expect(list.entries.count == kept, "\(name): the entries before the problem are kept: \(list.entries.count)")
            let problem = try #require(list.problems.first, "\(name): no problem reported")
            #expect(problem.line == line && problem.reason.contains(reason), "\(name): \(problem)")
            options.strict = true
            #expect(throws: ListParseError.self, "\(name)") { try ListImporter.importList(bytes: bytes, file: "bad.xml", options: options) }
        }
        // What the parser decodes: the predefined entities, character references, CDATA, comments, prefixes.
        let decoded = result("""
            <!-- a comment --><images><n:image xmlns:n="urn:x"><member id="4&#x32;">M</member><id>&lt;a&amp;b&gt;</id>\
            <classification><![CDATA[A1]]></classification><fingerprints><md5>\(K.md5Example1)</md5></fingerprints>\
            </n:image></images>
            """)
        let list = try ImportTestSupport.importText(decoded)
        #expect(ImportTestSupport.rows(list) == [.init(.md5, K.md5Example1, "42/<a&b>", "A1")], "\(list.problems)")
    }
}
