/// Where match records go besides the output and the CSV file: remote deliveries (`WebhookSink`, the PostgreSQL
/// takedown table), each at least once, what cannot be delivered kept in a `RecordSpool` rather than dropped. The
/// scan reporter calls `send` for every match record (one JSON line, with the record's idempotency key) and
/// `finish` once at the end; a new kind of destination is one more conforming type, added to `ScanOptions.sinks`.
package protocol MatchSink: AnyObject, Sendable {
    /// Which totals of the summary count this sink's records (`webhook_*` or `sink_*`, docs/output-format.md).
    var summaryKind: MatchSinkKind { get }
    /// Queues a match record; `onSettled` runs once it is delivered or spooled (durably), so the caller can mark
    /// its file done (a resumed scan skips done files, so a file must not be done before its match is safe).
    func send(record: [UInt8], key: String, onSettled: (@Sendable () -> Void)?)
    /// Waits until every record sent is delivered or spooled; returns how many records were of each.
    func finish() -> (delivered: Int, spooled: Int)
}

/// The summary fields a sink's totals go to.
package enum MatchSinkKind: Sendable {
    /// `webhook_delivered`, `webhook_spooled`.
    case webhook
    /// `sink_delivered`, `sink_spooled` (the takedown table).
    case takedown
}
