import Foundation
import HashScanPipeline
import PostgresNIO

/// The queue's progress as the tables say it, optionally for one scan.
package struct QueueStatus: Sendable, Equatable {
    package struct Worker: Sendable, Equatable {
        package var id: String
        package var batches: Int
        package var leaseSeconds: Double
    }

    package var scanID: String?
    package var pending = 0
    /// Claimed batches, and those of them whose lease has run out (their worker stopped; they will be re-claimed).
    package var claimed = 0
    package var expired = 0
    package var done = 0
    package var failed = 0
    package var files = 0
    package var filesDone = 0
    /// Stored results, and those that are matches and errors.
    package var results = 0
    package var matches = 0
    package var errors = 0
    package var takedownRows = 0
    /// Workers holding a batch under a live lease.
    package var workers: [Worker] = []

    package var batches: Int { pending + claimed + done + failed }

    package static func read(on session: PostgresSession, scanID: String? = nil) throws(PostgresFailure) -> QueueStatus {
        var status = QueueStatus(scanID: scanID)
        let filter = scanID ?? ""
        // One snapshot for every count, so the numbers agree with each other.
        do {
            try session.transaction { transaction in
                try transaction.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                for row in try transaction.query("""
                    SELECT status, count(*)::bigint, coalesce(sum(file_count), 0)::bigint,
                           count(*) FILTER (WHERE status = 'claimed' AND lease_until < now())::bigint
                      FROM hashscan_batches WHERE \(filter) = '' OR scan_id = \(filter) GROUP BY status
                    """).rows {
                    let (state, count, files, expired) = try row.decode((String, Int, Int, Int).self)
                    status.files += files
                    switch state {
                    case "pending": status.pending = count
                    case "claimed": status.claimed = count; status.expired = expired
                    case "done": status.done = count; status.filesDone = files
                    default: status.failed = count
                    }
                }
                if let row = try transaction.query("""
                    SELECT count(*)::bigint, count(*) FILTER (WHERE kind = 'match')::bigint, count(*) FILTER (WHERE kind = 'error')::bigint
                      FROM hashscan_results WHERE \(filter) = '' OR scan_id = \(filter)
                    """).rows.first {
                    (status.results, status.matches, status.errors) = try row.decode((Int, Int, Int).self)
                }
                if let row = try transaction.query("""
                    SELECT count(*)::bigint FROM hashscan_takedown WHERE \(filter) = '' OR scan_id = \(filter)
                    """).rows.first {
                    status.takedownRows = try row.decode(Int.self)
                }
                for row in try transaction.query("""
                    SELECT worker, count(*)::bigint, extract(epoch FROM max(lease_until) - now())::float8
                      FROM hashscan_batches
                     WHERE status = 'claimed' AND lease_until >= now() AND (\(filter) = '' OR scan_id = \(filter))
                     GROUP BY worker ORDER BY worker
                    """).rows {
                    let (id, batches, seconds) = try row.decode((String, Int, Double).self)
                    status.workers.append(Worker(id: id, batches: batches, leaseSeconds: seconds))
                }
            }
        } catch {
            throw PostgresFailure("cannot read the queue", error)
        }
        return status
    }

    /// For people.
    package var text: String {
        var lines: [String] = []
        if let scanID { lines.append("scan      \(scanID)") }
        let expiredNote = expired > 0 ? " (\(expired) with a run-out lease)" : ""
        lines.append("batches   \(batches): \(pending) pending, \(claimed) claimed\(expiredNote), \(done) done, \(failed) failed")
        lines.append("files     \(files): \(filesDone) done, \(files - filesDone) not done")
        lines.append("results   \(results): \(matches) matches, \(errors) errors")
        lines.append("takedown  \(takedownRows) rows")
        lines.append("workers   \(workers.count) with a live lease" + (workers.isEmpty ? "" : ":"))
        for worker in workers {
            lines.append("          \(worker.id): \(worker.batches) batch\(worker.batches == 1 ? "" : "es"), lease \(String(format: "%.1f", worker.leaseSeconds)) s left")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// For programs: one JSON object.
    package var json: String {
        var json = JSONLineBuilder()
        json.beginObject()
        json.field("type", "status")
        json.field("scan_id", ifPresent: scanID)
        json.key("batches")
        json.beginObject()
        json.field("total", batches)
        json.field("pending", pending)
        json.field("claimed", claimed)
        json.field("expired", expired)
        json.field("done", done)
        json.field("failed", failed)
        json.endObject()
        json.key("files")
        json.beginObject()
        json.field("total", files)
        json.field("done", filesDone)
        json.endObject()
        json.field("results", results)
        json.field("matches", matches)
        json.field("errors", errors)
        json.field("takedown_rows", takedownRows)
        json.key("workers")
        json.beginArray()
        for worker in workers {
            json.beginObject()
            json.field("worker", worker.id)
            json.field("batches", worker.batches)
            json.field("lease_seconds", worker.leaseSeconds, decimals: 1)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        json.finishLine()
        return String(decoding: json.bytes, as: UTF8.self)
    }
}
