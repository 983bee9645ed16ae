import Foundation
import HashScanCore
import HashScanPipeline
import Testing
@testable import HashScanPostgres

@Suite("PostgreSQL URLs and queue entries")
struct PostgresURLTests {
    @Test("a full URL, defaults, and PGPASSWORD")
    func parses() throws {
        let full = try PostgresURL("postgres://scan:s%40cret@db.example:6543/takedown?sslmode=require", environment: [:])
        #expect(full.user == "scan" && full.password == "s@cret" && full.host == "db.example" && full.port == 6543)
        #expect(full.database == "takedown" && full.tls == .require)
        #expect(full.description == "postgres://scan@db.example:6543/takedown", "the password never appears in messages")
        let short = try PostgresURL("postgresql://scan@127.0.0.1/db", environment: ["PGPASSWORD": "pw"])
        #expect(short.port == 5432 && short.password == "pw" && short.tls == .disable)
    }

    @Test("bad URLs are refused with a reason, and never echo a password",
          arguments: ["http://u@h/db", "postgres://h/db", "postgres://u@h/", "postgres://u@h/db?sslmode=maybe", "postgres://u@h/db?x=1", "nonsense"])
    func refuses(_ text: String) {
        #expect(throws: PostgresFailure.self) { try PostgresURL(text, environment: [:]) }
    }

    @Test("a refused URL's message hides its password")
    func redacts() {
        do {
            _ = try PostgresURL("postgres://u:hunter2@h/db?bad=1", environment: [:])
            Issue.record("accepted an unknown parameter")
        } catch {
            #expect(!error.message.contains("hunter2") && error.message.contains("bad"))
        }
    }

    @Test("queue entries keep non-UTF-8 paths, locators, manifest fields and enqueue-time errors")
    func entriesRoundTrip() {
        let odd = RawPath(bytes: Array("up/caf".utf8) + [0xE9] + Array(".jpg".utf8))
        let context = FileContext(locator: "s3://b/k", extras: [("upload_id", "42"), ("user", #"{"id":"u-1"}"#)])
        guard case .file(let path, let follow, let back) = BatchEntry.decode(BatchEntry.encode(.file(odd, followFinalLink: true, context: context))) else {
            Issue.record("not a file entry")
            return
        }
        #expect(path == odd && follow && back == context)
        let failed = BatchEntry.decode(BatchEntry.encode(.failed(RawPath("a/pipe"), ScanError(.notRegular, "a named pipe (FIFO); not opened"), context: nil)))
        guard case .failed(let failedPath, let error, nil) = failed else {
            Issue.record("not an error entry")
            return
        }
        #expect(failedPath == RawPath("a/pipe") && error.code == .notRegular)
        guard case .failed(_, let damaged, _) = BatchEntry.decode("{not json") else {
            Issue.record("a damaged entry must still give a result")
            return
        }
        #expect(damaged.code == .invalidManifest)
    }

    @Test("takedown rows: one per hit, keyed by (scan, path, list, entry) as the pipeline keys them")
    func rowsFromRecord() throws {
        let record = #"{"type":"match","path":"in/a.bin","locator":"s3://b/a","size":3,"hashes":{"md5":"00"},"matches":[{"list":"L","list_version":"7","entry":"E1","category":"A1","algorithm":"md5","distance":0,"threshold":0,"reference":"00"},{"list":"L","entry":"E2","algorithm":"pdq","distance":12,"threshold":31,"reference":"ff"}]}"#
        let rows = try #require(TakedownRow.rows(fromRecord: Array(record.utf8) + [10], scanID: "scan-1"))
        #expect(rows.count == 2)
        #expect(rows[0].idempotencyKey == IdempotencyKey.hit(scanID: "scan-1", path: RawPath("in/a.bin"), list: "L", entry: "E1"))
        #expect(rows[0].listVersion == "7" && rows[0].category == "A1" && rows[0].locator == "s3://b/a")
        #expect(rows[1].distance == 12 && rows[1].algorithm == "pdq" && rows[1].listVersion == nil)
        #expect(rows[0].record == record)
        #expect(TakedownRow.rows(fromRecord: Array(#"{"type":"file","path":"x"}"#.utf8), scanID: "s") == nil)
    }
}
