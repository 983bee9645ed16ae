import Foundation
import HashScanCore
import HashScanPipeline
import PostgresNIO

/// One row of the takedown table: one list entry hit by one file, with the whole match record beside it.
package struct TakedownRow: Sendable, Equatable {
    package var idempotencyKey: String
    package var scanID: String
    package var path: String
    package var pathBase64: String?
    package var locator: String?
    package var list: String
    package var listVersion: String?
    package var entry: String
    package var category: String?
    package var algorithm: String
    package var distance: Int
    /// The match record, one JSON object.
    package var record: String

    /// The rows of a match record (one per hit), or nil when `record` is not a match record.
    /// Keys come from the record (`matches[].idempotency_key`) when it carries them, else are derived the same way:
    /// SHA-256 over (scan id, file path, list, entry). The record's own `scan_id` wins over `scanID`.
    package static func rows(fromRecord record: [UInt8], scanID: String) -> [TakedownRow]? {
        var body = record
        while let last = body.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { body.removeLast() }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              object["type"] as? String == "match", let display = object["path"] as? String,
              let hits = object["matches"] as? [[String: Any]] else { return nil }
        let pathBase64 = object["path_base64"] as? String
        let rawPath = pathBase64.flatMap { Data(base64Encoded: $0) }.map { RawPath(bytes: Array($0)) } ?? RawPath(display)
        let scan = object["scan_id"] as? String ?? scanID
        let text = String(decoding: body, as: UTF8.self)
        let locator = object["locator"].map { ($0 as? String) ?? "\($0)" }
        return hits.compactMap { hit in
            guard let list = hit["list"] as? String, let entry = hit["entry"] as? String,
                  let algorithm = hit["algorithm"] as? String else { return nil }
            return TakedownRow(
                idempotencyKey: hit["idempotency_key"] as? String
                    ?? IdempotencyKey.hit(scanID: scan, path: rawPath, list: list, entry: entry),
                scanID: scan, path: display, pathBase64: pathBase64, locator: locator, list: list,
                listVersion: hit["list_version"] as? String, entry: entry, category: hit["category"] as? String,
                algorithm: algorithm, distance: hit["distance"] as? Int ?? (hit["distance"] as? NSNumber)?.intValue ?? 0, record: text
            )
        }
    }

    /// Inserts rows, skipping those whose key is already there; returns how many were new.
    /// Sent as multi-row statements (a round trip per 500 rows, not per row).
    @discardableResult
    package static func insert(_ rows: [TakedownRow], into executor: some PostgresExecutor) throws(PostgresFailure) -> Int {
        var inserted = 0
        var start = rows.startIndex
        while start < rows.endIndex {
            let chunk = rows[start..<min(start + 500, rows.endIndex)]
            start = chunk.endIndex
            var sql = """
                INSERT INTO hashscan_takedown (idempotency_key, scan_id, path, path_base64, locator, list, list_version, entry, \
                category, algorithm, distance, record) VALUES
                """
            var binds = PostgresBindings(capacity: chunk.count * 12)
            for (index, row) in chunk.enumerated() {
                let base = index * 12
                sql += (index == 0 ? " " : ", ") + "(" + (1...12).map { column in
                    column == 12 ? "$\(base + column)::jsonb" : "$\(base + column)"
                }.joined(separator: ", ") + ")"
                binds.append(row.idempotencyKey)
                binds.append(row.scanID)
                binds.append(row.path)
                binds.append(row.pathBase64)
                binds.append(row.locator)
                binds.append(row.list)
                binds.append(row.listVersion)
                binds.append(row.entry)
                binds.append(row.category)
                binds.append(row.algorithm)
                binds.append(Int32(clamping: row.distance))
                binds.append(row.record)
            }
            sql += " ON CONFLICT (idempotency_key) DO NOTHING"
            inserted += try executor.query(PostgresQuery(unsafeSQL: sql, binds: binds)).metadata.rows ?? 0
        }
        return inserted
    }
}

/// Runs statements: a session, or a transaction on one.
package protocol PostgresExecutor {
    @discardableResult
    func query(_ query: PostgresQuery) throws(PostgresFailure) -> PostgresQueryResult
}

extension PostgresSession: PostgresExecutor {}
extension PostgresSession.Transaction: PostgresExecutor {}
