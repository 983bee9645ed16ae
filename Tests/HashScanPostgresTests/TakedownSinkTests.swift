import Foundation
import HashScanCore
import HashScanPipeline
import PostgresNIO
import Testing
@testable import HashScanPostgres

@Suite("PostgreSQL takedown sink and queue (real server)")
struct TakedownSinkTests {
    /// A match record as the scan writes it, with `hits` entries of one list.
    private func record(_ index: Int, hits: Int = 1) -> [UInt8] {
        let matches = (0..<hits).map { hit in
            #"{"list":"demo","list_version":"v1","entry":"E\#(index)-\#(hit)","category":"A1","algorithm":"sha256","distance":0,"threshold":0,"reference":"ab"}"#
        }
        return Array(#"{"type":"match","path":"in/f\#(index).bin","locator":"s3://bucket/f\#(index)","size":10,"hashes":{"sha256":"ab"},"matches":[\#(matches.joined(separator: ","))]}"#.utf8) + [10]
    }

    private func temporarySpool() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("hashscan-spool-\(UUID().uuidString).jsonl").path
    }

    @Test("every hit becomes one row; replaying the same records adds nothing")
    func idempotentInserts() throws {
        let database = try TestDatabase()
        let spool = temporarySpool()
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let first = try PostgresTakedownSink(url: database.url, spoolPath: spool, scanID: "scan-a", batchSize: 7)
        let settled = SettledCounter()
        for index in 0..<50 { first.send(record: record(index, hits: index % 3 == 0 ? 2 : 1), key: "k\(index)", onSettled: { settled.add() }) }
        first.send(record: Array(#"{"type":"file","path":"clean"}"#.utf8))
        let (delivered, spooled) = first.finish()
        #expect(delivered == 51 && spooled == 0)
        #expect(settled.value == 50, "every record's file is told once its match is safe")
        let rows = 50 + 17
        #expect(try database.count("SELECT count(*) FROM hashscan_takedown") == rows)
        #expect(try database.count("SELECT count(DISTINCT idempotency_key) FROM hashscan_takedown") == rows)
        #expect(try database.count("SELECT count(*) FROM hashscan_takedown WHERE record->>'locator' = locator AND list_version = 'v1'") == rows)

        // The same records again (a retried scan, a replayed spool): nothing new.
        let again = try PostgresTakedownSink(url: database.url, spoolPath: spool, scanID: "scan-a")
        for index in 0..<50 { again.send(record: record(index, hits: index % 3 == 0 ? 2 : 1)) }
        #expect(again.finish() == (50, 0))
        #expect(try database.count("SELECT count(*) FROM hashscan_takedown") == rows)

        // Another scan of the same files is another takedown event: keys include the scan.
        let other = try PostgresTakedownSink(url: database.url, spoolPath: spool, scanID: "scan-b")
        other.send(record: record(0))
        _ = other.finish()
        #expect(try database.count("SELECT count(*) FROM hashscan_takedown") == rows + 1)
    }

    @Test("a database that is down at the start is an error, not a hang")
    func downAtStart() throws {
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        let url = try PostgresURL("postgres://nobody@127.0.0.1:1/none", environment: [:])
        let started = Date()
        do {
            _ = try PostgresTakedownSink(url: url, spoolPath: temporarySpool(), scanID: "s")
            Issue.record("a sink started without a database")
        } catch {
            #expect(error.message.contains("cannot connect to postgres://nobody@127.0.0.1:1/none"))
        }
        #expect(Date().timeIntervalSince(started) < 15)
    }

    @Test("records the database refuses mid-scan are spooled, and the next run writes them")
    func spoolsAndReplays() throws {
        let database = try TestDatabase()
        let spool = temporarySpool()
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let sink = try PostgresTakedownSink(url: database.url, spoolPath: spool, scanID: "scan-s", batchSize: 4)
        sink.send(record: record(0))
        // Wait until the first record is in, then take the table away under the running sink.
        let deadline = Date().addingTimeInterval(20)
        while (try? database.count("SELECT count(*) FROM hashscan_takedown")) != 1 && Date() < deadline { usleep(20_000) }
        let admin = try database.connect()
        defer { admin.close() }
        try admin.query("ALTER TABLE hashscan_takedown RENAME TO hashscan_takedown_away")
        for index in 1..<10 { sink.send(record: record(index)) }
        let (delivered, spooled) = sink.finish()
        #expect(delivered == 1 && spooled == 9)
        #expect(sink.lastError?.contains("hashscan_takedown") == true)
        let lines = try String(contentsOfFile: spool, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 9)

        try admin.query("ALTER TABLE hashscan_takedown_away RENAME TO hashscan_takedown")
        let next = try PostgresTakedownSink(url: database.url, spoolPath: spool, scanID: "scan-s")
        #expect(try next.replaySpool() == 9)
        #expect(!FileManager.default.fileExists(atPath: spool), "a replayed spool is removed")
        _ = next.finish()
        #expect(try database.count("SELECT count(*) FROM hashscan_takedown") == 10)
    }

    @Test("a worker whose lease ran out cannot store its batch: the new holder's results are stored, once")
    func leaseFence() throws {
        let database = try TestDatabase()
        let session = try database.connect()
        defer { session.close() }
        try PostgresSchema.create(on: session)
        try JobQueue.insertBatch(scanID: "scan-f", files: [BatchEntry.encode(.file(RawPath("a"), followFinalLink: false, context: nil))], on: session)
        let slow = try #require(try JobQueue.claim(worker: "slow", lease: 1, on: session))
        #expect(try JobQueue.claim(worker: "other", lease: 1, on: session) == nil, "a live lease is not taken")
        Thread.sleep(forTimeInterval: 1.3)
        let taker = try #require(try JobQueue.claim(worker: "taker", lease: 30, on: session))
        #expect(taker.id == slow.id && taker.claim == slow.claim + 1)
        #expect(try JobQueue.heartbeat(slow, lease: 30, on: session) == false, "the old holder learns it lost the batch")
        let result = ResultRow(fileIndex: 0, path: "a", kind: "file", record: #"{"type":"file","path":"a"}"#)
        #expect(try JobQueue.complete(slow, worker: "slow", results: [result], takedown: [], on: session) == false)
        #expect(try JobQueue.complete(taker, worker: "taker", results: [result], takedown: [], on: session) == true)
        #expect(try JobQueue.complete(taker, worker: "taker", results: [result], takedown: [], on: session) == false, "done is done")
        #expect(try database.count("SELECT count(*) FROM hashscan_results") == 1)
        #expect(try database.count("SELECT count(*) FROM hashscan_results WHERE worker = 'taker'") == 1)
        #expect(try JobQueue.openBatches(on: session) == 0)
    }
}

private final class SettledCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
