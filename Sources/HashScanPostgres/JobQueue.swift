import Foundation
import PostgresNIO

/// A batch a worker holds: its files and the claim number that fences it (`attempts` when it was claimed).
package struct ClaimedBatch: Sendable {
    package var id: Int64
    package var scanID: String
    package var claim: Int
    /// One `BatchEntry` JSON object per file.
    package var files: [String]
}

/// One file's outcome, stored once per (batch, file).
package struct ResultRow: Sendable {
    package var fileIndex: Int
    package var path: String
    /// `file`, `match` or `error`: the record's type.
    package var kind: String
    package var record: String
}

/// The work-queue statements. A batch moves pending → claimed → done (or failed); a claim carries a lease that
/// the holder extends while it works, and a batch whose lease ran out is claimable again. Every claim increments
/// `attempts`, and a holder writes its results only if the batch is still claimed under its own claim number,
/// so a worker that lost its lease (it stalled, and another took the batch over) can never store a batch twice.
package enum JobQueue {
    package static func insertBatch(scanID: String, files: [String], on executor: some PostgresExecutor) throws(PostgresFailure) {
        try executor.query("INSERT INTO hashscan_batches (scan_id, files, file_count) VALUES (\(scanID), \(files), \(files.count))")
    }

    /// Batches whose lease ran out after `maxAttempts` claims are marked failed rather than handed out forever
    /// (a file that kills every worker that reads it must not stop the whole queue).
    @discardableResult
    package static func failExhausted(maxAttempts: Int, on executor: some PostgresExecutor) throws(PostgresFailure) -> Int {
        try executor.query("""
            UPDATE hashscan_batches SET status = 'failed', finished_at = now(),
                   error = 'lease expired ' || attempts || ' times (last worker ' || coalesce(worker, '?') || ')'
             WHERE status = 'claimed' AND lease_until < now() AND attempts >= \(maxAttempts)
            """).metadata.rows ?? 0
    }

    /// Claims the oldest pending batch, or one whose lease ran out; nil when there is none to take right now.
    package static func claim(worker: String, lease: Double, on executor: some PostgresExecutor) throws(PostgresFailure) -> ClaimedBatch? {
        let rows = try executor.query("""
            UPDATE hashscan_batches AS b
               SET status = 'claimed', worker = \(worker), attempts = b.attempts + 1,
                   lease_until = now() + make_interval(secs => \(lease)), claimed_at = now()
             WHERE b.id = (SELECT id FROM hashscan_batches
                            WHERE status = 'pending' OR (status = 'claimed' AND lease_until < now())
                            ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING b.id, b.scan_id, b.attempts, b.files
            """).rows
        guard let row = rows.first else { return nil }
        do {
            let (id, scanID, claim, files) = try row.decode((Int64, String, Int, [String]).self)
            return ClaimedBatch(id: id, scanID: scanID, claim: claim, files: files)
        } catch {
            throw PostgresFailure("unexpected batch row", error)
        }
    }

    /// Extends the lease; false when the batch is no longer this claim's (taken over, or finished).
    package static func heartbeat(_ batch: ClaimedBatch, lease: Double, on executor: some PostgresExecutor) throws(PostgresFailure) -> Bool {
        try executor.query("""
            UPDATE hashscan_batches SET lease_until = now() + make_interval(secs => \(lease))
             WHERE id = \(batch.id) AND attempts = \(batch.claim) AND status = 'claimed'
            """).metadata.rows == 1
    }

    /// Stores a batch's results and takedown rows and marks it done, in one transaction; false (and nothing
    /// stored) when the claim was lost. The fence comes first, so it also locks the row against a concurrent claimer.
    package static func complete(_ batch: ClaimedBatch, worker: String, results: [ResultRow], takedown: [TakedownRow],
                                 on session: PostgresSession) throws -> Bool {
        try session.transaction { transaction in
            let fenced = try transaction.query("""
                UPDATE hashscan_batches SET status = 'done', finished_at = now(), lease_until = NULL, error = NULL
                 WHERE id = \(batch.id) AND attempts = \(batch.claim) AND status = 'claimed'
                """).metadata.rows == 1
            guard fenced else { return false }
            try insertResults(results, batch: batch, worker: worker, into: transaction)
            try TakedownRow.insert(takedown, into: transaction)
            return true
        }
    }

    /// Marks a batch failed (its data was refused by the server), if this claim still holds it.
    package static func fail(_ batch: ClaimedBatch, reason: String, on executor: some PostgresExecutor) throws(PostgresFailure) {
        try executor.query("""
            UPDATE hashscan_batches SET status = 'failed', finished_at = now(), lease_until = NULL, error = \(reason)
             WHERE id = \(batch.id) AND attempts = \(batch.claim) AND status = 'claimed'
            """)
    }

    /// Batches not finished yet: pending, or claimed (by a live worker, or one whose lease will run out).
    package static func openBatches(on executor: some PostgresExecutor) throws(PostgresFailure) -> Int {
        let rows = try executor.query("SELECT count(*) FROM hashscan_batches WHERE status IN ('pending', 'claimed')").rows
        return (try? rows.first?.decode(Int.self)) ?? 0
    }

    private static func insertResults(_ results: [ResultRow], batch: ClaimedBatch, worker: String,
                                      into executor: some PostgresExecutor) throws(PostgresFailure) {
        var start = results.startIndex
        while start < results.endIndex {
            let chunk = results[start..<min(start + 1000, results.endIndex)]
            start = chunk.endIndex
            var sql = "INSERT INTO hashscan_results (batch_id, file_index, scan_id, path, kind, record, worker) VALUES"
            var binds = PostgresBindings(capacity: chunk.count * 5 + 3)
            binds.append(batch.id)
            binds.append(batch.scanID)
            binds.append(worker)
            for (index, result) in chunk.enumerated() {
                let base = 4 + index * 4
                sql += (index == 0 ? " " : ", ") + "($1, $\(base), $2, $\(base + 1), $\(base + 2), $\(base + 3)::jsonb, $3)"
                binds.append(Int32(clamping: result.fileIndex))
                binds.append(result.path)
                binds.append(result.kind)
                binds.append(result.record)
            }
            try executor.query(PostgresQuery(unsafeSQL: sql, binds: binds))
        }
    }
}
