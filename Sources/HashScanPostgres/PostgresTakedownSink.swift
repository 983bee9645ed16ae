import Foundation
import HashScanCore
import HashScanPipeline
import PostgresNIO

/// Writes every match record into the takedown table, at least once and without duplicates: one row per
/// (file, list entry) hit, inserted with `ON CONFLICT (idempotency_key) DO NOTHING`, so retries, replays and
/// resumed scans add nothing twice. Records are inserted in batches by a thread of its own, so scanning never
/// waits on the database. When the database fails mid-scan, records are appended to a spool file (JSON Lines,
/// fsync'd, the webhook spool's format) and written by `replaySpool` in a later run: nothing is lost.
package final class PostgresTakedownSink: MatchSink, @unchecked Sendable {
    package let url: PostgresURL
    package let spoolPath: String
    /// Used for records that carry no `scan_id` of their own.
    private let scanID: String
    private let batchSize: Int
    /// While the database is failing, records are spooled at once and a reconnect is tried at most this often.
    private let retryInterval: Double

    private let condition = NSCondition()
    private var pending: [Pending] = []
    private var closed = false
    private var finished: (delivered: Int, spooled: Int)?
    private var delivered = 0
    private var spooled = 0
    /// Bounds memory while the database is slow: senders wait beyond this many queued records.
    private let maxPending = 10_000
    private let drained = DispatchSemaphore(value: 0)

    // Touched only by the delivery thread (and by `replaySpool` before it has anything to do).
    private var session: PostgresSession?
    private var failingSince: DispatchTime?
    private var lastErrorText: String?

    /// Connects and creates the takedown table if missing. Throws when the database cannot be used, so a scan
    /// does not start with a sink that is down.
    package init(url: PostgresURL, spoolPath: String, scanID: String, batchSize: Int = 200, retryInterval: Double = 5) throws(PostgresFailure) {
        self.url = url
        self.spoolPath = spoolPath
        self.scanID = scanID
        self.batchSize = max(1, batchSize)
        self.retryInterval = retryInterval
        let session = try PostgresSession.connect(url)
        do {
            try PostgresSchema.create(on: session)
        } catch {
            session.close()
            throw error
        }
        self.session = session
        let thread = Thread { [self] in deliverUntilClosed() }
        thread.name = "hashscan-postgres-sink"
        thread.start()
    }

    private struct Pending {
        var record: [UInt8]
        var key: String
        var onSettled: (@Sendable () -> Void)?
    }

    /// Queues a match record (one JSON line) for insertion; `onSettled` runs once it is in the table or in the
    /// spool. `key` is the record's idempotency key (kept in the spool); each row has its hit's key.
    /// Records of other types are ignored (settled at once).
    package func send(record: [UInt8], key: String, onSettled: (@Sendable () -> Void)? = nil) {
        condition.lock()
        while pending.count >= maxPending && !closed { condition.wait() }
        if closed {
            // Sent after finish: never dropped silently.
            spool([Pending(record: record, key: key)])
            condition.unlock()
            onSettled?()
            return
        }
        pending.append(Pending(record: record, key: key, onSettled: onSettled))
        condition.broadcast()
        condition.unlock()
    }

    /// Queues a match record, its key taken from the record (`idempotency_key`, else its first hit's).
    package func send(record: [UInt8]) {
        send(record: record, key: TakedownRow.recordKey(record, scanID: scanID) ?? "")
    }

    /// Waits until every queued record is inserted or spooled; returns (delivered, spooled) counted in records.
    package func finish() -> (delivered: Int, spooled: Int) {
        condition.lock()
        if let finished {
            condition.unlock()
            return finished
        }
        closed = true
        condition.broadcast()
        condition.unlock()
        drained.wait()
        session?.close()
        session = nil
        condition.lock()
        defer { condition.unlock() }
        finished = (delivered, spooled)
        return finished!
    }

    /// Why the last insert failed, when records were spooled (for the run's closing message).
    package var lastError: String? {
        condition.lock()
        defer { condition.unlock() }
        return lastErrorText
    }

    /// Inserts what an earlier run spooled, before this run sends anything; the spool is removed once its records
    /// are in the table (a line that is not a record is kept). Returns the number of records replayed.
    /// Throws, leaving the spool as it was, when the database refuses them.
    package func replaySpool() throws(PostgresFailure) -> Int {
        guard FileManager.default.fileExists(atPath: spoolPath) else { return 0 }
        let text: String
        do {
            text = try String(contentsOfFile: spoolPath, encoding: .utf8)
        } catch {
            throw PostgresFailure("\(spoolPath): cannot read the spool: \(error.localizedDescription)")
        }
        var rows: [TakedownRow] = []
        var records = 0
        var unreadable: [Substring] = []
        for line in text.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let record = object["record"],
                  let body = try? JSONSerialization.data(withJSONObject: record, options: [.withoutEscapingSlashes]),
                  let recordRows = TakedownRow.rows(fromRecord: Array(body), scanID: scanID) else {
                unreadable.append(line)
                continue
            }
            rows += recordRows
            records += 1
        }
        guard records > 0 else { return 0 }
        condition.lock()
        defer { condition.unlock() }
        guard let session else { throw PostgresFailure("the sink is finished") }
        do {
            try session.transaction { transaction in try TakedownRow.insert(rows, into: transaction) }
        } catch {
            throw PostgresFailure("cannot write the spooled records from \(spoolPath)", error)
        }
        if unreadable.isEmpty {
            try? FileManager.default.removeItem(atPath: spoolPath)
        } else {
            try? (unreadable.joined(separator: "\n") + "\n").write(toFile: spoolPath, atomically: true, encoding: .utf8)
        }
        return records
    }

    private func deliverUntilClosed() {
        while true {
            condition.lock()
            while pending.isEmpty && !closed { condition.wait() }
            if pending.isEmpty && closed {
                condition.unlock()
                break
            }
            let batch = Array(pending.prefix(batchSize))
            pending.removeFirst(batch.count)
            condition.broadcast()
            condition.unlock()
            deliver(batch)
        }
        drained.signal()
    }

    private func deliver(_ batch: [Pending]) {
        let rows = batch.flatMap { TakedownRow.rows(fromRecord: $0.record, scanID: scanID) ?? [] }
        let inserted = rows.isEmpty || insert(rows)
        condition.lock()
        if inserted { delivered += batch.count } else { spool(batch) }
        condition.unlock()
        for item in batch { item.onSettled?() }
    }

    /// One try, and one more on a fresh connection; while the database is down, a new try only every `retryInterval`.
    private func insert(_ rows: [TakedownRow]) -> Bool {
        if let failingSince, Double(DispatchTime.now().uptimeNanoseconds - failingSince.uptimeNanoseconds) / 1e9 < retryInterval {
            return false
        }
        for attempt in 0..<2 {
            do {
                if session == nil || session!.isClosed {
                    session?.close()
                    session = try PostgresSession.connect(url)
                }
                try session!.transaction { transaction in try TakedownRow.insert(rows, into: transaction) }
                failingSince = nil
                return true
            } catch {
                let failure = error as? PostgresFailure ?? PostgresFailure("\(error)")
                condition.lock()
                lastErrorText = failure.message
                condition.unlock()
                // The server refused the data itself: another try would be refused too. Keep the records.
                if failure.isPermanent { return false }
                session?.close()
                session = nil
                if attempt == 0 { Thread.sleep(forTimeInterval: 0.2) }
            }
        }
        failingSince = DispatchTime.now()
        return false
    }

    /// Appends records to the spool, one `{"key": …, "record": …}` line each, and syncs it. Called with the lock held.
    private func spool(_ records: [Pending]) {
        spooled += records.count
        var text = ""
        for item in records {
            var body = item.record
            while let last = body.last, last == UInt8(ascii: "\n") { body.removeLast() }
            text += #"{"key":"\#(item.key)","record":"# + String(decoding: body, as: UTF8.self) + "}\n"
        }
        let descriptor = open(spoolPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            // Last resort: the records are on stderr, so they are not lost.
            FileHandle.standardError.write(Data("hashscan: cannot spool undelivered match records to \(spoolPath):\n\(text)".utf8))
            return
        }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                FileHandle.standardError.write(Data("hashscan: \(spoolPath): spool write failed:\n\(text)".utf8))
                return
            }
            offset += written
        }
        fsync(descriptor)
    }
}

extension TakedownRow {
    /// A match record's own idempotency key, or its first hit's when it has none.
    static func recordKey(_ body: [UInt8], scanID: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return nil }
        if let key = object["idempotency_key"] as? String { return key }
        return rows(fromRecord: body, scanID: scanID)?.first?.idempotencyKey
    }
}
