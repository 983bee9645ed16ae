import Foundation
import HashScanCore

/// Where a sink keeps the match records it could not deliver, to be delivered by a later run or
/// `hashscan sink replay`: one line `{"key":KEY,"record":RECORD}` each, RECORD the match record's JSON as the scan
/// wrote it (byte for byte: never parsed and re-serialised). The one spool of every sink (webhook, PostgreSQL).
///
/// Guarantees, so that a match is never lost:
/// - `append` writes every byte (short writes resumed, EINTR retried) and fsyncs before it returns true; when the
///   spool cannot be written the records go to stderr as a last resort and it returns false.
/// - A replay renames the spool to `FILE.replaying` (after what a killed replay left there), so records that
///   arrive meanwhile start a new spool; the replayed file is removed only by `endReplay`, once the caller has
///   delivered or re-spooled every record. A line that cannot be parsed is never deleted: it is moved to
///   `FILE.rejected` and counted.
package final class RecordSpool: @unchecked Sendable {
    package struct Entry: Sendable, Equatable {
        package var key: String
        /// The record's JSON object, without a newline.
        package var record: [UInt8]

        package init(key: String, record: [UInt8]) {
            self.key = key
            var record = record
            while let last = record.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { record.removeLast() }
            self.record = record
        }
    }

    /// What a replay hands back: the records to deliver, and how many lines were set aside in `rejectedPath`.
    package struct Replay: Sendable {
        package var entries: [Entry]
        package var rejected: Int
    }

    package struct Failure: Error, CustomStringConvertible {
        package let description: String
    }

    package let path: String
    package var replayingPath: String { path + ".replaying" }
    package var rejectedPath: String { path + ".rejected" }
    private let lock = NSLock()

    package init(path: String) { self.path = path }

    /// The spool line of an entry (with its newline).
    package static func line(for entry: Entry) -> [UInt8] {
        var json = JSONLineBuilder()
        json.beginObject()
        json.field("key", entry.key)
        json.key("record")
        json.rawJSON(String(decoding: entry.record, as: UTF8.self))
        json.endObject()
        json.finishLine()
        return json.bytes
    }

    /// An entry from one spool line, or nil when the line is not one this spool wrote: not JSON, no string key,
    /// a record that is not a JSON object, or cut short.
    package static func entry(fromLine line: some Collection<UInt8>) -> Entry? {
        let bytes = Array(line)
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let key = object["key"] as? String, object["record"] is [String: Any], object.count == 2 else { return nil }
        // The record's own bytes: the line is `{"key":…,"record":` + record + `}`.
        var prefix = JSONLineBuilder()
        prefix.beginObject()
        prefix.field("key", key)
        prefix.key("record")
        let head = prefix.bytes
        guard bytes.count > head.count + 1, bytes.starts(with: head), bytes.last == UInt8(ascii: "}") else { return nil }
        return Entry(key: key, record: Array(bytes[head.count..<(bytes.count - 1)]))
    }

    /// Appends entries and syncs the spool. False when they could not all be written: they are then on stderr.
    @discardableResult
    package func append(_ entries: [Entry]) -> Bool {
        guard !entries.isEmpty else { return true }
        let bytes = entries.flatMap(Self.line(for:))
        lock.lock()
        defer { lock.unlock() }
        if Self.appendSynced(bytes, to: path) { return true }
        // Last resort: the records are on stderr, so they are not lost.
        FileHandle.standardError.write(Data("hashscan: cannot write undelivered match records to \(path); here they are:\n".utf8) + Data(bytes))
        return false
    }

    /// Takes the spool's records for delivery (see the type's guarantees). Throws, changing nothing, when the
    /// spool cannot be read or its unreadable lines cannot be set aside.
    package func beginReplay() throws(Failure) -> Replay {
        lock.lock()
        defer { lock.unlock() }
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: path) {
            if fileManager.fileExists(atPath: replayingPath) {
                // A killed replay left records: keep them, followed by the newer spool.
                guard let newer = fileManager.contents(atPath: path) else { throw Failure(description: "\(path): cannot read the spool") }
                guard Self.appendSynced(Array(newer), to: replayingPath) else { throw Failure(description: "\(replayingPath): cannot write") }
                guard unlink(path) == 0 else { throw Failure(description: "\(path): cannot remove: \(String(cString: strerror(errno)))") }
            } else {
                guard rename(path, replayingPath) == 0 else {
                    throw Failure(description: "\(path): cannot rename to \(replayingPath): \(String(cString: strerror(errno)))")
                }
            }
        }
        guard fileManager.fileExists(atPath: replayingPath) else { return Replay(entries: [], rejected: 0) }
        guard let data = fileManager.contents(atPath: replayingPath) else { throw Failure(description: "\(replayingPath): cannot read") }
        var entries: [Entry] = []
        var kept: [UInt8] = []
        var rejected: [UInt8] = []
        var rejectedCount = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            if let entry = Self.entry(fromLine: line) {
                entries.append(entry)
                kept += line
                kept.append(UInt8(ascii: "\n"))
            } else {
                rejected += line
                rejected.append(UInt8(ascii: "\n"))
                rejectedCount += 1
            }
        }
        if rejectedCount > 0 {
            // Set aside first, then drop them from the replayed file, so a replay killed in between duplicates
            // a rejected line at worst and never loses one.
            guard Self.appendSynced(rejected, to: rejectedPath) else { throw Failure(description: "\(rejectedPath): cannot write") }
            try Self.replaceSynced(replayingPath, with: kept)
        }
        return Replay(entries: entries, rejected: rejectedCount)
    }

    /// Moves entries that were parsed but cannot be used (e.g. not a match record) to `rejectedPath`.
    package func setAside(_ entries: [Entry]) -> Bool {
        guard !entries.isEmpty else { return true }
        lock.lock()
        defer { lock.unlock() }
        return Self.appendSynced(entries.flatMap(Self.line(for:)), to: rejectedPath)
    }

    /// Every replayed record is delivered or back in the spool: the replayed file goes.
    package func endReplay() {
        lock.lock()
        defer { lock.unlock() }
        unlink(replayingPath)
    }

    /// The replay could not deliver its records (e.g. the database refused them): they return to the spool,
    /// ahead of any record spooled meanwhile.
    package func abandonReplay() throws(Failure) {
        lock.lock()
        defer { lock.unlock() }
        let fileManager = FileManager.default
        guard fileManager.fileExists(atPath: replayingPath) else { return }
        if let newer = fileManager.contents(atPath: path) {
            guard Self.appendSynced(Array(newer), to: replayingPath) else { throw Failure(description: "\(replayingPath): cannot write") }
        }
        guard rename(replayingPath, path) == 0 else {
            throw Failure(description: "\(replayingPath): cannot rename to \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Appends all of `bytes` to `file` (created 0600) and fsyncs it.
    private static func appendSynced(_ bytes: [UInt8], to file: String) -> Bool {
        let descriptor = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return writeAll(bytes, to: descriptor) && fsync(descriptor) == 0
    }

    /// Replaces `file` by `bytes` through a synced temporary file and a rename.
    private static func replaceSynced(_ file: String, with bytes: [UInt8]) throws(Failure) {
        let temporary = file + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure(description: "\(temporary): cannot create: \(String(cString: strerror(errno)))") }
        let written = writeAll(bytes, to: descriptor) && fsync(descriptor) == 0
        close(descriptor)
        guard written, rename(temporary, file) == 0 else {
            unlink(temporary)
            throw Failure(description: "\(file): cannot rewrite: \(String(cString: strerror(errno)))")
        }
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }
}
