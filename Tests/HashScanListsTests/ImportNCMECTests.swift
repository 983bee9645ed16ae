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
}
