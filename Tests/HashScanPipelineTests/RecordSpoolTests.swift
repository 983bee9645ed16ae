import Foundation
@testable import HashScanPipeline
import Testing

/// The one spool of the sinks: records come back byte for byte, a line that cannot be parsed is set aside in
/// `.rejected` (never deleted), a killed replay loses nothing.
@Suite("RecordSpool")
struct RecordSpoolTests {
    /// A fresh directory and a spool path in it.
    final class Folder {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hashscan-spool-\(UUID().uuidString)")
        init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(at: url) }
        var spool: String { url.appendingPathComponent("spool.jsonl").path }
        func text(_ path: String) -> String? { FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } }
    }

    /// Records as a scan writes them: numbers 0 and 1 (which must stay numbers), escapes, non-ASCII text.
    static let records: [String] = [
        #"{"type":"match","path":"a\"b\\c\nd","size":0,"matches":[{"list":"l","distance":1,"quality":0}]}"#,
        #"{"type":"match","path":"fotos/año/ü.jpg","size":1,"flag":true,"none":null,"x":[1,2.5,-3e2]}"#,
    ]

    @Test("records come back exactly as written, with their keys")
    func roundTrip() throws {
        let folder = try Folder()
        let spool = RecordSpool(path: folder.spool)
        let entries = Self.records.enumerated().map { RecordSpool.Entry(key: "k\($0.offset)\"x", record: Array(($0.element + "\n").utf8)) }
        #expect(spool.append([entries[0]]) && spool.append([entries[1]]))
        // Each line is a JSON object holding the record as a JSON object.
        for line in try #require(folder.text(folder.spool)).split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["record"] is [String: Any])
        }
        let replay = try spool.beginReplay()
        #expect(replay.rejected == 0)
        #expect(replay.entries.map(\.key) == ["k0\"x", "k1\"x"])
        #expect(replay.entries.map { String(decoding: $0.record, as: UTF8.self) } == Self.records)
        #expect(!FileManager.default.fileExists(atPath: folder.spool), "the spool was taken for the replay")
        #expect(FileManager.default.fileExists(atPath: spool.replayingPath))
        spool.endReplay()
        #expect(!FileManager.default.fileExists(atPath: spool.replayingPath))
    }

    @Test("lines that are not records are set aside in .rejected, counted, and never deleted")
    func unreadableLinesAreKept() throws {
        let folder = try Folder()
        let spool = RecordSpool(path: folder.spool)
        let good = String(decoding: RecordSpool.line(for: RecordSpool.Entry(key: "k", record: Array(Self.records[0].utf8))), as: UTF8.self)
        let bad = [
            "not json at all",
            #"{"key":"k","record":"a string, not a record"}"#,
            #"{"record":{"type":"match"}}"#,
            #"{"key":"k","record":{"type":"match"},"extra":1}"#,
            String(good.dropLast(8)),  // cut short, as by a crash in mid-write
        ]
        let text = bad[0] + "\n" + good + bad[1...3].joined(separator: "\n") + "\n" + good + bad[4]
        try text.write(toFile: folder.spool, atomically: true, encoding: .utf8)
        let replay = try spool.beginReplay()
        #expect(replay.entries.count == 2)
        #expect(replay.rejected == bad.count)
        #expect(folder.text(spool.rejectedPath) == bad.joined(separator: "\n") + "\n")
        #expect(folder.text(spool.replayingPath) == good + good, "the replayed file keeps only the records")
        spool.endReplay()
        #expect(folder.text(spool.rejectedPath) == bad.joined(separator: "\n") + "\n", "rejected lines outlive the replay")
        // A second replay finds nothing more to reject, and does not repeat the rejected lines.
        #expect(try spool.beginReplay().entries.isEmpty)
        #expect(folder.text(spool.rejectedPath) == bad.joined(separator: "\n") + "\n")
    }

    @Test("a killed replay: its records come first, then those spooled since; abandoning a replay returns them")
    func killedAndAbandonedReplays() throws {
        let folder = try Folder()
        let spool = RecordSpool(path: folder.spool)
        let entry = { (n: Int) in RecordSpool.Entry(key: "k\(n)", record: Array(#"{"type":"match","n":\#(n)}"#.utf8)) }
        spool.append([entry(1), entry(2)])
        _ = try spool.beginReplay()  // ... and the process dies here: spool.jsonl.replaying stays
        spool.append([entry(3)])  // the next run spools more
        let replay = try RecordSpool(path: folder.spool).beginReplay()
        #expect(replay.entries == [entry(1), entry(2), entry(3)])
        // The database refuses them: they go back to the spool, ahead of a record spooled meanwhile.
        spool.append([entry(4)])
        try spool.abandonReplay()
        #expect(!FileManager.default.fileExists(atPath: spool.replayingPath))
        #expect(try spool.beginReplay().entries == [entry(1), entry(2), entry(3), entry(4)])
    }

    @Test("a spool that cannot be written says so (the records then go to stderr)")
    func unwritableSpool() throws {
        let folder = try Folder()
        let spool = RecordSpool(path: folder.url.appendingPathComponent("missing/spool.jsonl").path)
        #expect(spool.append([RecordSpool.Entry(key: "k", record: Array(#"{"type":"match"}"#.utf8))]) == false)
    }

    @Test("a webhook that is down: every record is spooled, and the replay keeps the rejected lines")
    func webhookReplayWithRejectedLines() throws {
        let folder = try Folder()
        let line = RecordSpool.line(for: RecordSpool.Entry(key: "k1", record: Array(Self.records[1].utf8)))
        try (Data("garbage\n".utf8) + Data(line)).write(to: URL(fileURLWithPath: folder.spool))
        // Port 9 (discard) on loopback: nothing listens, every POST is refused at once.
        let sink = WebhookSink(url: URL(string: "http://127.0.0.1:9/hook")!, spoolPath: folder.spool, attempts: 1, baseDelay: 0, timeout: 2)
        #expect(try sink.replaySpool() == 1)
        #expect(sink.rejectedLines == 1)
        let (delivered, spooled) = sink.finish()
        #expect(delivered == 0 && spooled == 1)
        #expect(folder.text(folder.spool) == String(decoding: line, as: UTF8.self), "the undelivered record is back, byte for byte")
        #expect(folder.text(folder.spool + ".rejected") == "garbage\n")
        #expect(!FileManager.default.fileExists(atPath: folder.spool + ".replaying"))
    }
}
