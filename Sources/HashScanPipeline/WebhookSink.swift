import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HashScanCore
import HashScanHashing

/// Delivers match records to an HTTP endpoint, at least once: each is POSTed as JSON with an
/// `Idempotency-Key`, retried with exponential backoff and jitter, and what cannot be delivered is appended to a
/// spool file (fsync'd) to be re-sent by the next run or `hashscan sink replay`. Nothing is dropped.
public final class WebhookSink: MatchSink, @unchecked Sendable {
    public struct Delivery: Sendable {
        public var key: String
        public var body: [UInt8]
        /// Called once the record is delivered or spooled (the scan then marks its file done).
        var onSettled: (@Sendable () -> Void)? = nil
    }

    public let url: URL
    public let spoolPath: String
    private let attempts: Int
    private let baseDelay: Double
    private let queue: WorkQueue<Delivery>
    private let group = DispatchGroup()
    private let lock = NSLock()
    private var delivered = 0
    private var spooled = 0
    private let session: URLSession

    /// - Parameters:
    ///   - concurrency: POSTs in flight at once.
    ///   - attempts: tries per record in this run before it is spooled.
    public init(url: URL, spoolPath: String, concurrency: Int = 4, attempts: Int = 5, baseDelay: Double = 0.5, timeout: Double = 10) {
        self.url = url
        self.spoolPath = spoolPath
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

    /// Where the spool's records wait while they are re-sent: renamed, not deleted, so a replay that is killed
    /// loses nothing (the next one sends them again; receivers deduplicate by key).
    private var replayingPath: String { spoolPath + ".replaying" }
    private var replaying = false

    /// Re-queues what an earlier run spooled (and what a killed replay left); undeliverable records return to
    /// the spool, and the replayed copy is removed only once every record is delivered or spooled again.
    public func replaySpool() throws -> Int {
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: spoolPath) {
            if fileManager.fileExists(atPath: replayingPath) {
                // A killed replay left records: keep them, followed by the newer spool.
                let newer = try Data(contentsOf: URL(fileURLWithPath: spoolPath))
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: replayingPath))
                try handle.seekToEnd()
                try handle.write(contentsOf: newer)
                try handle.synchronize()
                try handle.close()
                try fileManager.removeItem(atPath: spoolPath)
            } else {
                guard rename(spoolPath, replayingPath) == 0 else {
                    throw ScanError.fromErrno(errno, operation: "rename \(spoolPath)")
                }
            }
        }
        let pending = try Self.readSpool(replayingPath)
        guard !pending.isEmpty else {
            try? fileManager.removeItem(atPath: replayingPath)
            return 0
        }
        replaying = true
        for delivery in pending { queue.push(delivery) }
        return pending.count
    }

    /// Waits until every queued record is delivered or spooled; returns (delivered, spooled).
    public func finish() -> (delivered: Int, spooled: Int) {
        queue.close()
        group.wait()
        // Every replayed record is now delivered or back in the (synced) spool.
        if replaying { try? FileManager.default.removeItem(atPath: replayingPath) }
        lock.lock()
        defer { lock.unlock() }
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
        spool(delivery)
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

    private func spool(_ delivery: Delivery) {
        lock.lock()
        defer { lock.unlock() }
        spooled += 1
        let line = #"{"key":"\#(delivery.key)","record":"# + String(decoding: delivery.body, as: UTF8.self) + "}\n"
        let descriptor = open(spoolPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            // Last resort: the record is on stderr, so it is not lost.
            FileHandle.standardError.write(Data("hashscan: cannot spool an undelivered match to \(spoolPath): \(line)".utf8))
            return
        }
        _ = line.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, $0.count - 1) }
        fsync(descriptor)
        close(descriptor)
    }

    static func readSpool(_ path: String) throws -> [Delivery] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let key = object["key"] as? String, let record = object["record"],
                  let body = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]) else { return nil }
            return Delivery(key: key, body: Array(body))
        }
    }

    private final class StatusBox: @unchecked Sendable {
        private let lock = NSLock()
        private var code = 0
        func set(_ value: Int) { lock.lock(); code = value; lock.unlock() }
        var value: Int { lock.lock(); defer { lock.unlock() }; return code }
    }
}
