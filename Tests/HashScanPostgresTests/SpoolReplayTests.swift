import Foundation
import HashScanPipeline
import Testing
@testable import HashScanPostgres

/// The takedown sink's replay, on the one spool: unreadable lines and records that are not matches are set
/// aside in `.rejected`, never deleted; a refused replay keeps every record in the spool.
@Suite("PostgreSQL spool replay (real server)")
struct SpoolReplayTests {
    static func record(_ index: Int) -> [UInt8] {
        Array(#"{"type":"match","path":"in/f\#(index).bin","size":10,"hashes":{"sha256":"ab"},"matches":[{"list":"demo","entry":"E\#(index)","algorithm":"sha256","distance":0,"threshold":0}]}"#.utf8)
    }

    @Test("garbage and non-match lines go to .rejected; the records go to the table")
    func rejectedLinesAreKept() throws {
        let database = try TestDatabase()
        let spool = FileManager.default.temporaryDirectory.appendingPathComponent("hashscan-spool-\(UUID().uuidString).jsonl").path
        defer { for suffix in ["", ".rejected", ".replaying"] { try? FileManager.default.removeItem(atPath: spool + suffix) } }
        let notAMatch = RecordSpool.line(for: RecordSpool.Entry(key: "x", record: Array(#"{"type":"file","path":"clean"}"#.utf8)))
        let text = Data("{garbage\n".utf8) + Data(RecordSpool.line(for: RecordSpool.Entry(key: "k1", record: Self.record(1))))
            + Data(notAMatch) + Data(RecordSpool.line(for: RecordSpool.Entry(key: "k2", record: Self.record(2))))
        try text.write(to: URL(fileURLWithPath: spool))

        // The table is away: the replay is refused and every line stays where it was.
        let sink = try PostgresTakedownSink(url: database.url, spoolPath: spool, scanID: "scan-r")
        let admin = try database.connect()
        defer { admin.close() }
        try admin.query("ALTER TABLE hashscan_takedown RENAME TO hashscan_takedown_away")
        #expect(throws: PostgresFailure.self) { try sink.replaySpool() }
        #expect(!FileManager.default.fileExists(atPath: spool + ".replaying"))
        let kept = try String(contentsOfFile: spool, encoding: .utf8) + ((try? String(contentsOfFile: spool + ".rejected", encoding: .utf8)) ?? "")
        #expect(kept.split(separator: "\n").count == 4, "no line lost, none repeated: \(kept)")
        try admin.query("ALTER TABLE hashscan_takedown_away RENAME TO hashscan_takedown")

        #expect(try sink.replaySpool() == 2)
        #expect(sink.rejectedLines == 1, "the non-match record; the garbage line was set aside by the refused replay")
        _ = sink.finish()
        #expect(try database.count("SELECT count(*) FROM hashscan_takedown") == 2)
        #expect(!FileManager.default.fileExists(atPath: spool), "a replayed spool is removed")
        let rejected = try String(contentsOfFile: spool + ".rejected", encoding: .utf8)
        #expect(rejected.contains("{garbage") && rejected.contains(#""path":"clean""#), "\(rejected)")
    }
}
