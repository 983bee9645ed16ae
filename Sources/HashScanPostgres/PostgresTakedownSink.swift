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
    package var summaryKind: MatchSinkKind { .takedown }
    package var spoolPath: String { spool.path }
    private let spool: RecordSpool
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
        spool = RecordSpool(path: spoolPath)
        self.scanID = scanID
        self.batchSize = max(1, batchSize)
        self.retryInterval = retryInterval
        session = try PostgresSession.connectWithSchema(url)
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
            keep([Pending(record: record, key: key)])
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

    /// Lines of the spool that could not be used at the last replay, set aside in `FILE.rejected`.
    package private(set) var rejectedLines = 0

    /// Inserts what an earlier run spooled, before this run sends anything, in one transaction; the spool is
    /// removed once its records are in the table. A line that is not a match record is set aside in
    /// `FILE.rejected` (`rejectedLines`), never deleted. Throws, the records staying in the spool, when the
    /// database refuses them. Returns the number of records replayed.
    package func replaySpool() throws(PostgresFailure) -> Int {
        let replay: RecordSpool.Replay
        do {
            replay = try spool.beginReplay()
        } catch {
            throw PostgresFailure("\(spoolPath): cannot read the spool: \(error)")
        }
        var rows: [TakedownRow] = []
        var replayed = 0
        var unusable: [RecordSpool.Entry] = []
        for entry in replay.entries {
            guard let recordRows = TakedownRow.rows(fromRecord: entry.record, scanID: scanID) else {
                unusable.append(entry)
                continue
            }
            rows += recordRows
            replayed += 1
        }
        rejectedLines = replay.rejected
        if !rows.isEmpty {
            condition.lock()
            defer { condition.unlock() }
            do {
                guard let session else { throw PostgresFailure("the sink is finished") }
                try session.transaction { transaction in try TakedownRow.insert(rows, into: transaction) }
            } catch {
                try? spool.abandonReplay()
                throw PostgresFailure("cannot write the spooled records from \(spoolPath)", error)
            }
        }
        // Only once the records are in: set aside what is not a match record (a refused replay keeps it in the
        // spool with the rest; a failure here leaves everything to the next replay, whose inserts change nothing).
        guard spool.setAside(unusable) else {
            try? spool.abandonReplay()
            throw PostgresFailure("\(spool.rejectedPath): cannot set aside \(unusable.count) unusable records; the spool is kept")
        }
        rejectedLines += unusable.count
        spool.endReplay()
        return replayed
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
        if inserted { delivered += batch.count } else { keep(batch) }
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

    /// Spools records (the `RecordSpool` line format, synced). Called with the lock held.
    private func keep(_ records: [Pending]) {
        spooled += records.count
        spool.append(records.map { RecordSpool.Entry(key: $0.key, record: $0.record) })
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
