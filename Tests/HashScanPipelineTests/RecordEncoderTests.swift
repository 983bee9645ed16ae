import Foundation
import HashScanCore
import HashScanLists
@testable import HashScanPipeline
import Testing

@Suite("Records are valid JSON with the documented fields")
struct RecordEncoderTests {
    private func object(_ bytes: [UInt8]) throws -> [String: Any] {
        #expect(bytes.last == UInt8(ascii: "\n"))
        #expect(bytes.dropLast().contains(UInt8(ascii: "\n")) == false, "one record per line")
        return try #require(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test("control characters, quotes and backslashes in paths and messages are escaped")
    func escaping() throws {
        let path = RawPath("a\"b\\c\nd\te\u{01}f\u{7F}")
        let record = try object(RecordEncoder.error(path, ScanError(.io, "bad \"thing\"\r")))
        #expect(record["path"] as? String == "a\"b\\c\nd\te\u{01}f\u{7F}")
        #expect(record["message"] as? String == "bad \"thing\"\r")
        #expect(record["code"] as? String == "io")
    }

    @Test("a match record carries every hit with list, entry, algorithm, distance, threshold and reference")
    func matchRecord() throws {
        let digest = Digest(hex: "900150983cd24fb0d6963f7d28e17f72")!  // any MD5 (this one is RFC 1321's of "abc")
        let hit = ListHit(list: "demo", listVersion: "2026-11-29", entry: "E1", algorithm: .md5, distance: 0, threshold: 0, reference: digest)
        let record = try object(RecordEncoder.hashed(.match, RawPath("x"), HashedFile(size: 3, hashes: FileHashes(digests: [.md5: digest]), hits: [hit, hit])))
        #expect(record["type"] as? String == "match")
        let hits = try #require(record["matches"] as? [[String: Any]])
        #expect(hits.count == 2)
        #expect(hits[0]["list_version"] as? String == "2026-11-29")
        #expect(hits[0]["reference"] as? String == digest.hex)
    }

    @Test("exit codes: a match is never hidden behind errors")
    func exitCodes() {
        var summary = ScanSummary()
        #expect(summary.exitCode == 0)
        summary.errors = 3
        #expect(summary.exitCode == 2)
        summary.matchedFiles = 1
        #expect(summary.exitCode == 1)
    }
}

@Suite("Bounded work queue")
struct WorkQueueTests {
    @Test("every item pushed by a producer is popped exactly once by concurrent consumers")
    func exactlyOnce() {
        let queue = WorkQueue<Int>(capacity: 8)
        let seen = SeenSet()
        let group = DispatchGroup()
        for _ in 0..<4 {
            group.enter()
            Thread {
                while let item = queue.pop() { seen.insert(item) }
                group.leave()
            }.start()
        }
        for item in 0..<10_000 { queue.push(item) }
        queue.close()
        group.wait()
        #expect(seen.values.count == 10_000)
        #expect(seen.duplicates == 0)
    }

    final class SeenSet: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var values: Set<Int> = []
        private(set) var duplicates = 0
        func insert(_ value: Int) {
            lock.lock()
            if !values.insert(value).inserted { duplicates += 1 }
            lock.unlock()
        }
    }
}
