import HashScanCore
@testable import HashScanLists
import Testing

private typealias Row = ImportTestSupport.Row
private typealias K = ImportTestSupport.Known

/// Every example in hashlists/examples imports to exactly the entries its README section describes.
@Suite("Import: the examples round-trip")
struct ImportExamplesTests {
    private func load(_ name: String, _ options: ListImportOptions = ListImportOptions()) throws -> ImportedList {
        try ListImporter.importList(atPath: ImportTestSupport.example(name), options: options)
    }

    @Test("format detection picks the right format for every example")
    func detection() throws {
        let expected: [(String, ListFormat)] = [
            ("csv-example.csv", .csv),
            ("hashdeep-example.txt", .hashdeep),
            ("md5sum-example.txt", .md5sum),
            ("threatexchange-pdq-example.txt", .threatExchangePDQ),
            ("pdq-hasher-example.csv", .pdqHasherOutput),
            ("threatexchange-dataset-example.csv", .threatExchangeDataset),
            ("vics-2.0-example.json", .vicsJSON),
            ("vics-1.3-hashset-example.json", .vicsJSON),
            ("ncmec-v2-example.xml", .ncmecXML),
            ("nsrl-rds3-example.db", .nsrl),
            ("../demo/demo-list.txt", .plain),
        ]
        for (name, format) in expected {
            #expect(try ListImporter.detectFormat(atPath: ImportTestSupport.example(name)) == format, "\(name)")
        }
    }

    @Test("CSV: header names, quoting across lines, labels, dates, ignored columns, a tombstone by id")
    func csv() throws {
        let list = try load("csv-example.csv")
        #expect(list.format == .csv)
        #expect(list.name == "csv-example")
        #expect(ImportTestSupport.rows(list) == [
            Row(.md5, K.md5Example1, "EX-0001", "A1"),
            Row(.sha256, K.sha256Example1, "EX-0001", "A1"),
            Row(.sha256, K.sha256Example2, "EX-0002, quoted", "B2"),
        ])
        #expect(list.entries[0].labels == ["demo", "synthetic"])
        #expect(list.entries[0].added == "2024-01-01")
        #expect(list.entries.map(\.line) == [2, 2, 3])
        #expect(list.problems.isEmpty)
        #expect(list.counts.records == 4)
        #expect(list.counts.tombstones == 1)
        #expect(list.counts.removed == 1)
        #expect(list.notes == ["ignored CSV columns: notes"])
    }

    @Test("hashdeep: one entry per digest column, the file name (commas included) as id")
    func hashdeep() throws {
        let list = try load("hashdeep-example.txt")
        #expect(ImportTestSupport.rows(list) == [
            Row(.md5, K.md5Example1, "/synthetic/example-1.txt"),
            Row(.sha256, K.sha256Example1, "/synthetic/example-1.txt"),
            Row(.md5, K.md5Example2, "/synthetic/example,2.txt"),
            Row(.sha256, K.sha256Example2, "/synthetic/example,2.txt"),
        ])
        #expect(list.entries.map(\.line) == [6, 6, 7, 7])
        #expect(list.problems.isEmpty)
    }

    @Test("md5sum: text and binary mode, SHA-1 by length, BSD tag form")
    func md5sum() throws {
        let list = try load("md5sum-example.txt")
        #expect(ImportTestSupport.rows(list) == [
            Row(.md5, K.md5Example1, "example-1.txt"),
            Row(.md5, K.md5Example2, "example 2.bin"),
            Row(.sha1, K.sha1Example3, "example-3.txt"),
            Row(.sha256, K.sha256Example4, "example-4.txt"),
        ])
        #expect(list.problems.isEmpty)
    }

    @Test("ThreatExchange lines: pdq and video_md5 entries, other signal types counted as unsupported")
    func threatExchangeLines() throws {
        let list = try load("threatexchange-pdq-example.txt")
        #expect(ImportTestSupport.rows(list) == [Row(.pdq, K.pdq1, nil), Row(.pdq, K.pdq2, nil), Row(.md5, K.md5Video1, nil)])
        #expect(list.entries.map(\.reportedID) == ["line:1", "line:2", "line:3"])
        #expect(list.counts.unsupported == ["url": 1])
        #expect(list.problems.isEmpty)
    }

    @Test("PDQ hasher output: file name as id, quality label, quality below 50 left out")
    func pdqHasher() throws {
        let list = try load("pdq-hasher-example.csv")
        #expect(ImportTestSupport.rows(list) == [
            Row(.pdq, K.pdq1, "/synthetic/example-1.jpg"),
            Row(.pdq, K.pdq2, "/synthetic/example,2.jpg"),
        ])
        #expect(list.entries.map(\.labels) == [["quality:100"], ["quality:80"]])
        #expect(list.counts.skippedLowQuality == 1)
    }

    @Test("ThreatExchange dataset CSV: category, tags and collab as labels")
    func threatExchangeDataset() throws {
        let list = try load("threatexchange-dataset-example.csv")
        #expect(ImportTestSupport.rows(list) == [Row(.pdq, K.pdq1, nil, "example_category"), Row(.md5, K.md5Video1, nil)])
        #expect(list.entries[0].labels == ["tag1", "tag2", "collab:Synthetic Collab"])
        #expect(list.counts.unsupported == ["raw_text": 1])
    }

    @Test("VICS 2.0: BOM, US category 1 only by default, string booleans, AlternativeHashes, skipped counts")
    func vics20() throws {
        let list = try load("vics-2.0-example.json")
        #expect(ImportTestSupport.rows(list) == [
            Row(.md5, K.md5Example1, "101", "1"),
            Row(.sha1, K.sha1Example1, "101", "1"),
            Row(.md5, K.md5Example4, "104", "1"),
            Row(.sha256, K.sha256Example4, "104", "1"),
        ])
        #expect(list.entries[0].labels == ["distributed"])  // "IsDistributed": "true"; IsPrecategorized false
        #expect(list.entries[2].labels == ["suspected"])  // "IsSuspected": "True"
        #expect(list.entries[0].updated == "2024-01-01T00:00:00Z")
        #expect(list.entries.map(\.line) == [1, 1, 4, 4])  // media record index
        #expect(list.counts.records == 5)
        #expect(list.counts.skippedByCategory == ["2": 1, "0": 1, "4": 1])
        #expect(list.counts.unsupported == ["photodna": 1])
        #expect(list.notes == ["VICS data model 2.0, US profile"])
        #expect(list.problems.isEmpty)
    }

    @Test("VICS 2.0 with an explicit category policy keeps categories 1 and 2")
    func vicsExplicitPolicy() throws {
        let list = try load("vics-2.0-example.json", ListImportOptions(vicsCategories: .categories([1, 2])))
        #expect(list.entries.compactMap(\.entryID) == ["101", "101", "102", "104", "104"])
        #expect(list.entries[2].category == "2")
    }

    @Test("VICS 1.3 bare hash set: the value array holds Media records directly")
    func vics13() throws {
        let list = try load("vics-1.3-hashset-example.json")
        #expect(ImportTestSupport.rows(list) == [
            Row(.md5, K.md5Example1, "1", "1"),
            Row(.md5, K.md5Example3, "3", "1"),
            Row(.sha1, K.sha1Example3, "3", "1"),
        ])
        #expect(list.counts.skippedByCategory == ["0": 1])
        #expect(list.notes == ["VICS data model 1.3"])
    }

    @Test("NCMEC v2 XML: fingerprints, member/entry ids, classification, deletedImage tombstone, paging note")
    func ncmec() throws {
        let list = try load("ncmec-v2-example.xml")
        #expect(ImportTestSupport.rows(list) == [
            Row(.md5, K.md5Example1, "42/image1", "A1"),
            Row(.sha1, K.sha1Example1, "42/image1", "A1"),
            Row(.pdq, K.pdq1, "42/image1", "A1"),
            Row(.md5, K.md5Video1, "43/video1", "A2"),
        ])
        #expect(list.entries[0].labels == ["member:42", "image", "feedback:negative:sha1"])
        #expect(list.entries[3].labels == ["member:43", "video"])
        #expect(list.entries[0].updated == "2024-01-01T00:00:00Z")
        #expect(list.entries[0].line == 4)
        #expect(list.version == "2024-01-03T00:00:00Z")
        #expect(list.counts.tombstones == 1)
        #expect(list.counts.removed == 1)
        #expect(list.counts.unsupported == ["pdna": 1, "videntifier": 1])
        #expect(list.notes.count == 1 && list.notes[0].contains("start=1001"))
        #expect(list.problems.isEmpty)
    }

    @Test("NSRL RDS v3: SHA-256 by default, duplicate rows merged, version from VERSION")
    func nsrl() throws {
        let list = try load("nsrl-rds3-example.db")
        #expect(list.version == "2000.01.1")
        #expect(ImportTestSupport.rows(list) == [
            Row(.sha256, K.sha256Example2, "example-2.exe"),
            Row(.sha256, K.sha256Example1, "example-1.dll"),
        ])
        #expect(list.entries.map(\.labels) == [["package:2"], ["package:1"]])
        #expect(list.counts.records == 3)
        let all = try load("nsrl-rds3-example.db", ListImportOptions(nsrlAlgorithms: [.md5, .sha1, .sha256]))
        #expect(all.counts.entries == [.md5: 2, .sha1: 2, .sha256: 2])
    }
}
