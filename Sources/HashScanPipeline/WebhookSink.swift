import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HashScanCore
import HashScanHashing

/// Delivers match records to an HTTP endpoint, at least once: each is POSTed as JSON with an
/// `Idempotency-Key`, retried with exponential backoff and jitter, and what cannot be delivered is appended to a
/// `RecordSpool` (fsync'd) to be re-sent by the next run or `hashscan sink replay`. Nothing is dropped.
public final class WebhookSink: MatchSink, @unchecked Sendable {
    public struct Delivery: Sendable {
        public var key: String
        public var body: [UInt8]
        /// Called once the record is delivered or spooled (the scan then marks its file done).
        var onSettled: (@Sendable () -> Void)? = nil
    }

    public let url: URL
    package var summaryKind: MatchSinkKind { .webhook }
    public var spoolPath: String { spool.path }
    private let spool: RecordSpool
    private let attempts: Int
    private let baseDelay: Double
    private let queue: WorkQueue<Delivery>
    private let group = DispatchGroup()
    private let lock = NSLock()
    private var delivered = 0
    private var spooled = 0
    /// Spool appends that failed during a replay (the records went to stderr): the replayed file is then kept.
    private var spoolFailures = 0
    /// Lines of the spool that could not be parsed at the last replay, set aside in `FILE.rejected`.
    public private(set) var rejectedLines = 0
    private let session: URLSession

    /// - Parameters:
    ///   - concurrency: POSTs in flight at once.
    ///   - attempts: tries per record in this run before it is spooled.
    public init(url: URL, spoolPath: String, concurrency: Int = 4, attempts: Int = 5, baseDelay: Double = 0.5, timeout: Double = 10) {
        self.url = url
        spool = RecordSpool(path: spoolPath)
        self.attempts = max(1, attempts)
        self.baseDelay = baseDelay
        queue = WorkQueue(capacity: 1024)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        session = URLSession(configuration: configuration)
        for _ in 0..<max(1, concurrency) {
            group.enter()
            Thread { [self] in
                while let delivery = queue.pop() { deliver(delivery) }
                group.leave()
            }.start()
        }
    }

    /// Queues a match record (one JSON line) for delivery under its idempotency key (the record's
    /// `idempotency_key`); `onSettled` runs once it is delivered or spooled.
    package func send(record: [UInt8], key: String, onSettled: (@Sendable () -> Void)? = nil) {
        var body = record
        if body.last == UInt8(ascii: "\n") { body.removeLast() }
        queue.push(Delivery(key: key, body: body, onSettled: onSettled))
    }

    private var replaying = false

    /// Re-queues what an earlier run spooled (and what a killed replay left): the spool's guarantees are
    /// `RecordSpool`'s. Lines it cannot parse are set aside in `FILE.rejected` (`rejectedLines`). Returns the
    /// number of records queued.
    public func replaySpool() throws -> Int {
        let replay = try spool.beginReplay()
        rejectedLines = replay.rejected
        guard !replay.entries.isEmpty else {
            spool.endReplay()
            return 0
        }
        replaying = true
        for entry in replay.entries { queue.push(Delivery(key: entry.key, body: entry.record)) }
        return replay.entries.count
    }

    /// Waits until every queued record is delivered or spooled; returns (delivered, spooled).
    public func finish() -> (delivered: Int, spooled: Int) {
        queue.close()
        group.wait()
        lock.lock()
        defer { lock.unlock() }
        // Every replayed record is now delivered or back in the (synced) spool, unless a spool write failed.
        if replaying && spoolFailures == 0 { spool.endReplay() }
        return (delivered, spooled)
    }

    private func deliver(_ delivery: Delivery) {
        defer { delivery.onSettled?() }
        for attempt in 0..<attempts {
            if post(delivery) {
                lock.lock(); delivered += 1; lock.unlock()
                return
            }
            if attempt + 1 < attempts {
                // Exponential backoff with full jitter, so many scanners do not retry in step.
                let ceiling = baseDelay * pow(2, Double(attempt))
                Thread.sleep(forTimeInterval: Double.random(in: ceiling / 2...ceiling))
            }
        }
        keep(delivery)
    }

    /// One POST; true on a 2xx answer. 4xx other than 408/429 is not retried by the receiver's choice, but
    /// is still spooled: a match is kept until someone has seen it.
    private func post(_ delivery: Delivery) -> Bool {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(delivery.key, forHTTPHeaderField: "Idempotency-Key")
        request.setValue("hashscan", forHTTPHeaderField: "User-Agent")
        request.httpBody = Data(delivery.body)
        let done = DispatchSemaphore(value: 0)
        let status = StatusBox()
        session.dataTask(with: request) { _, response, error in
            if error == nil, let http = response as? HTTPURLResponse { status.set(http.statusCode) }
            done.signal()
        }.resume()
        done.wait()
        return (200..<300).contains(status.value)
    }

    /// Spools an undeliverable record.
    private func keep(_ delivery: Delivery) {
        let written = spool.append([RecordSpool.Entry(key: delivery.key, record: delivery.body)])
        lock.lock()
        spooled += 1
        if !written { spoolFailures += 1 }
        lock.unlock()
    }

    private final class StatusBox: @unchecked Sendable {
        private let lock = NSLock()
        private var code = 0
        func set(_ value: Int) { lock.lock(); code = value; lock.unlock() }
        var value: Int { lock.lock(); defer { lock.unlock() }; return code }
    }
}
