/// Where match records go besides the output: each is delivered at least once, and what cannot be delivered is
/// kept (spooled) rather than dropped. `WebhookSink` has the same two methods: the scan reporter calls `send` for
/// every match record (one JSON line, with the record's idempotency key) and `finish` once at the end.
package protocol MatchSink: AnyObject, Sendable {
    /// Queues a match record; `onSettled` runs once it is delivered or spooled (durably), so the caller can mark
    /// its file done (a resumed scan skips done files, so a file must not be done before its match is safe).
    func send(record: [UInt8], key: String, onSettled: (@Sendable () -> Void)?)
    /// Waits until every record sent is delivered or spooled; returns how many records were of each.
    func finish() -> (delivered: Int, spooled: Int)
}
