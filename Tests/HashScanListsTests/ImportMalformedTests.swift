import HashScanCore
@testable import HashScanLists
import Testing

private typealias K = ImportTestSupport.Known

/// Malformed records are skipped and reported with their line (non-strict) or make the import throw (strict).
@Suite("Import: malformed input")
struct ImportMalformedTests {
    private func problems(_ text: String, _ format: ListFormat) throws -> [Int] {
        try ImportTestSupport.importText(text, format: format).problems.map(\.line)
    }

    private func strictThrows(_ text: String, _ format: ListFormat) -> [Int]? {
        do {
            _ = try ImportTestSupport.importText(text, format: format, strict: true)
            return nil
        } catch {
            return error.problems.map(\.line)
        }
    }

    @Test("plain: bad lines skipped with their numbers; strict mode throws the same lines")
    func plain() throws {
        let text = "\u{FEFF}\(K.md5Example1),A\r\nnot-hex\r\n\r\nsha1:abcd\r\n\(K.md5Example2)\r\n"
        let list = try ImportTestSupport.importText(text, format: .plain)
        #expect(list.entries.map(\.hash.hex) == [K.md5Example1, K.md5Example2])
        #expect(list.problems.map(\.line) == [2, 4])
        #expect(list.counts.malformed == 2)
        #expect(list.parseError?.description.hasPrefix("t:2: ") == true)
        #expect(strictThrows(text, .plain) == [2, 4])
    }

    @Test("CSV: wrong field count, bad hex, a stray quote, an unterminated quote at the end")
    func csv() throws {
        let text = "md5,id\n\(K.md5Example1),A\n\(K.md5Example2)\nxyz,C\nab\"c,D\n\(K.md5Example3),E\n\"unterminated,F\n"
        let list = try ImportTestSupport.importText(text, format: .csv)
        #expect(list.entries.compactMap(\.entryID) == ["A", "E"])
        #expect(list.problems.map(\.line) == [3, 4, 5, 7])
        #expect(list.problems[0].reason.contains("expected 2 fields"))
        #expect(list.problems[3].reason.contains("unterminated"))
        #expect(strictThrows(text, .csv) == [3, 4, 5, 7])
    }

    @Test("CSV: a header without a hash column is unusable in either mode")
    func csvHeader() {
        #expect(throws: ListParseError.self) { try ImportTestSupport.importText("id,category\nA,1\n", format: .csv) }
    }

    @Test("hashdeep: data before the header, bad size, short line")
    func hashdeep() throws {
        let text = "%%%% HASHDEEP-1.0\n\(K.md5Example1),x\n%%%% size,md5,filename\n## c\nabc,\(K.md5Example1),/a\n9,\(K.md5Example2),/b\n9,/c\n"
        let list = try ImportTestSupport.importText(text, format: .hashdeep)
        #expect(list.entries.compactMap(\.entryID) == ["/b"])
        #expect(list.problems.map(\.line) == [2, 5, 7])
    }

    @Test("md5sum: one space, a bad length, garbage")
    func md5sum() throws {
        let text = "\(K.md5Example1) one-space\n\(K.md5Example1)  ok\nabcdef  short\nhello\nMD5 (x) = zz\n"
        #expect(try problems(text, .md5sum) == [1, 3, 4, 5])
        #expect(strictThrows(text, .md5sum) == [1, 3, 4, 5])
    }

    @Test("ThreatExchange and PDQ hasher lines: short hashes, bad quality")
    func threatExchange() throws {
        #expect(try problems("pdq \(K.pdq1)\npdq abc\npdq: \(K.pdq1)\n", .threatExchangePDQ) == [2, 3])
        #expect(try problems("\(K.pdq1),100,a\n\(K.pdq1),high,b\n\(K.pdq1)\nabc,90,c\n", .pdqHasherOutput) == [2, 3, 4])
        #expect(try problems("signal_type,signal_str,collab,category,tags\npdq,abc,c,,\npdq,\(K.pdq1),c\n", .threatExchangeDataset) == [2, 3])
    }

    @Test("strict mode stops at its problem limit and says more followed")
    func strictLimit() {
        let text = String(repeating: "bad\n", count: 50)
        do {
            _ = try ListImporter.importList(bytes: Array(text.utf8), file: "t", options: ListImportOptions(format: .plain, strict: true, strictProblemLimit: 5))
            Issue.record("strict import accepted malformed lines")
        } catch {
            #expect(error.problems.map(\.line) == [1, 2, 3, 4, 5])
        }
    }

    @Test("non-strict mode counts every problem but keeps a bounded list")
    func reportedLimit() throws {
        let text = String(repeating: "bad\n", count: 50)
        let list = try ListImporter.importList(bytes: Array(text.utf8), file: "t", options: ListImportOptions(format: .plain, reportedProblemLimit: 10))
        #expect(list.problems.count == 10)
        #expect(list.problemsTruncated)
        #expect(list.counts.malformed == 50)
    }

    @Test("a line that is not UTF-8 is a problem on its line")
    func invalidUTF8() throws {
        var bytes = Array("\(K.md5Example1)\n".utf8)
        bytes += [0xFF, 0xFE, 0x0A]
        let list = try ListImporter.importList(bytes: bytes, file: "t", options: ListImportOptions(format: .plain))
        #expect(list.problems.map(\.line) == [2])
    }

    @Test("unknown content is refused rather than guessed")
    func unknownFormat() {
        #expect(throws: ListParseError.self) { try ImportTestSupport.importText("<html><body></body></html>") }
        #expect(throws: ListParseError.self) { try ImportTestSupport.importText("{\"hello\": 1}") }
        #expect(throws: ListParseError.self) { try ListImporter.importList(bytes: [0, 1, 2, 3], file: "b") }
    }

    @Test("a missing file throws")
    func missingFile() {
        #expect(throws: ListParseError.self) { try ListImporter.importList(atPath: "/nonexistent/list.csv") }
    }
}

@Suite("Import: tombstones and detection details")
struct ImportTombstoneTests {
    @Test("a CSV deletion removes earlier entries with the same hash or id, not later ones")
    func csvTombstones() throws {
        let text = "md5,id,deleted\n\(K.md5Example1),A,\n\(K.md5Example2),B,\n\(K.md5Example1),,yes\n,B,true\n\(K.md5Example1),C,\n"
        let list = try ImportTestSupport.importText(text, format: .csv)
        #expect(list.entries.compactMap(\.entryID) == ["C"])
        #expect(list.counts.tombstones == 2)
        #expect(list.counts.removed == 2)
    }

    @Test("detection reads headers and line shapes")
    func detection() {
        func detect(_ text: String) -> ListFormat? { ListFormatDetector.detect(prefix: Array(text.utf8)) }
        #expect(detect("\u{FEFF}MD5,SHA1,Id\n") == .csv)
        #expect(detect("\"SHA-1\",\"MD5\",\"CRC32\",\"FileName\"\n") == .csv)
        #expect(detect("# comment\n\(K.md5Example1),X\n") == .plain)
        #expect(detect("pdq:\(K.pdq1)\n") == .plain)
        #expect(detect("\\\(K.md5Example1)  a\\nb\n") == .md5sum)
        #expect(detect("SHA1 (a) = \(K.sha1Example1)\n") == .md5sum)
        #expect(detect("hash=\(K.pdq1),norm=1,delta=0,quality=90,filename=x\n") == .pdqHasherOutput)
        #expect(detect("  \n<?xml version=\"1.0\"?><queryResult xmlns=\"https://hashsharing.ncmec.org/hashsharing/v2\"/>") == .ncmecXML)
        #expect(detect("[{\"MD5\":\"x\"}]") == .vicsJSON)
        #expect(detect("") == .plain)
        #expect(detect("# only a comment\n\n") == .plain)
    }

    @Test("an explicit format overrides detection")
    func override() throws {
        // Bare 64-digit hashes look like plain SHA-256; named as ThreatExchange lines they are PDQ.
        let detected = try ImportTestSupport.importText("\(K.pdq1)\n")
        #expect(detected.format == .plain && detected.entries[0].algorithm == .sha256)
        let named = try ImportTestSupport.importText("\(K.pdq1)\n", format: .threatExchangePDQ)
        #expect(named.format == .threatExchangePDQ && named.entries[0].algorithm == .pdq)
    }

    @Test("md5sum escaped names and the PDQ hasher details form")
    func variants() throws {
        let sums = try ImportTestSupport.importText("\\\(K.md5Example1)  a\\nb\\\\c\n", format: .md5sum)
        #expect(sums.entries.first?.entryID == "a\nb\\c")
        let details = try ImportTestSupport.importText("hash=\(K.pdq1),norm=128,delta=0,quality=90,filename=x,y.jpg\n", format: .pdqHasherOutput)
        #expect(details.entries.first?.entryID == "x,y.jpg")
        #expect(details.entries.first?.labels == ["quality:90"])
    }
}
