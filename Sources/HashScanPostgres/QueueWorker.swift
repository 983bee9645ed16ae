import Foundation
import HashScanCore
import HashScanLists
import HashScanPipeline

/// Takes batches from the queue until none is left: claims one (`FOR UPDATE SKIP LOCKED`, so workers never wait on
/// each other), processes its files exactly as `scan` does (`FileProcessor`, one per thread), and stores one result
/// per file plus the takedown rows of its matches in one transaction that also marks the batch done. A heartbeat
/// thread extends the lease while the batch is in hand; a worker that dies stops extending it, and once it runs out
/// the batch is claimed again by any worker.
package final class QueueWorker {
    package struct Options: Sendable {
        package var workerID: String
        /// Seconds a claim lasts without a heartbeat; the heartbeat renews it every third of that.
        package var lease: Double = 30
        /// Files processed at once.
        package var jobs: Int = ScanOptions.coreCount
        /// Claims a batch may have before a run-out lease marks it failed.
        package var maxAttempts = 5
        /// How long to keep reconnecting when the database goes away mid-run before giving up.
        package var reconnectFor: Double = 60

        package init(workerID: String) { self.workerID = workerID }
    }

    package struct Summary: Sendable {
        package var batches = 0
        package var files = 0
        /// Files with at least one hit, stored by this worker.
        package var matchedFiles = 0
        package var errors = 0
        /// Batches this worker held and lost to another (its lease ran out) or could not store.
        package var batchesLost = 0
        package var batchesFailed = 0
        /// The run stopped because the database stayed unreachable.
        package var databaseError: String? = nil
        /// Asked to stop (SIGINT/SIGTERM): the batch in hand was finished and stored, no new one was claimed.
        package var interrupted = false

        /// README's codes: 1 when this worker stored a match, 2 when files or batches failed or the database was
        /// lost, 130 when stopped by a signal before the queue was empty.
        package var exitCode: Int32 {
            if matchedFiles > 0 { return ExitStatus.match }
            if errors > 0 || batchesFailed > 0 || databaseError != nil { return ExitStatus.errors }
            if interrupted { return ExitStatus.interrupted }
            return ExitStatus.clean
        }
    }

    private let url: PostgresURL
    private let options: Options
    private var session: PostgresSession
    private let heartbeat: Heartbeat
    private let processors: [UncheckedBox<FileProcessor>]

    /// Connects (twice: the heartbeat has a connection of its own, so it never waits behind a long commit),
    /// creates the tables if missing and builds every thread's processor; throws if any of that fails.
    package init(url: PostgresURL, options: Options, scanOptions: ScanOptions, matcher: (any HashMatcher)?,
                 knownGood: (any HashMatcher)? = nil) throws {
        self.url = url
        self.options = options
        // The same hash set as `scan`: what was asked for, what the lists need.
        let plan = AnalysisPlan(requested: scanOptions.algorithms, matcher: matcher, knownGood: knownGood, image: scanOptions.image)
        processors = try (0..<max(1, options.jobs)).map { _ in
            UncheckedBox(try FileProcessor(algorithms: plan.cryptographic, matcher: matcher, knownGood: knownGood, imageOptions: plan.image))
        }
        session = try PostgresSession.connectWithSchema(url)
        do {
            heartbeat = try Heartbeat(url: url, lease: options.lease)
        } catch {
            session.close()
            throw error
        }
    }

    /// Works until no batch is pending or claimed, then returns what this worker did. While other workers hold
    /// batches it waits, so it can take over any of them whose holder dies. `shouldStop` is asked before each
    /// claim: a worker told to stop finishes the batch in hand (stored, not left to its lease) and claims no more.
    package func run(shouldStop: () -> Bool = { false }) -> Summary {
        var summary = Summary()
        let idle = min(1.0, options.lease / 2)
        var downSince: Date? = nil
        while true {
            if shouldStop() {
                summary.interrupted = true
                break
            }
            do {
                if session.isClosed { session = try PostgresSession.connect(url) }
                try JobQueue.failExhausted(maxAttempts: options.maxAttempts, on: session)
                guard let batch = try JobQueue.claim(worker: options.workerID, lease: options.lease, on: session) else {
                    if try JobQueue.openBatches(on: session) == 0 { break }
                    downSince = nil
                    Thread.sleep(forTimeInterval: idle)
                    continue
                }
                downSince = nil
                work(on: batch, summary: &summary)
            } catch {
                // The database went away: keep trying for a while (a batch in hand is re-claimed after its lease).
                session.close()
                let started = downSince ?? Date()
                downSince = started
                if Date().timeIntervalSince(started) > options.reconnectFor {
                    summary.databaseError = error.message
                    break
                }
                Thread.sleep(forTimeInterval: 1)
            }
        }
        heartbeat.stop()
        session.close()
        return summary
    }

    private func work(on batch: ClaimedBatch, summary: inout Summary) {
        heartbeat.hold(batch)
        defer { heartbeat.hold(nil) }
        let items = batch.files.map(BatchEntry.decode)
        let outcomes = process(items)
        var results: [ResultRow] = []
        var takedown: [TakedownRow] = []
        var matched = 0, errors = 0
        results.reserveCapacity(items.count)
        for (index, result) in outcomes.enumerated() {
            let (kind, record) = Self.record(for: result, scanID: batch.scanID)
            if kind == .match {
                matched += 1
                takedown += TakedownRow.rows(fromRecord: record, scanID: batch.scanID) ?? []
            }
            if kind == .error { errors += 1 }
            var text = String(decoding: record, as: UTF8.self)
            if text.hasSuffix("\n") { text.removeLast() }
            results.append(ResultRow(fileIndex: index, path: result.path.string, kind: kind.rawValue, record: text))
        }
        guard !heartbeat.lost else {
            summary.batchesLost += 1
            return
        }
        do {
            if try JobQueue.complete(batch, worker: options.workerID, results: results, takedown: takedown, on: session) {
                summary.batches += 1
                summary.files += items.count
                summary.matchedFiles += matched
                summary.errors += errors
            } else {
                summary.batchesLost += 1
            }
        } catch {
            let failure = error as? PostgresFailure ?? PostgresFailure("store batch \(batch.id)", error)
            if failure.isPermanent {
                // The server refused this batch's data (not a lost connection): retrying would fail the same way.
                try? JobQueue.fail(batch, reason: failure.message, on: session)
                summary.batchesFailed += 1
            } else {
                // Connection lost, deadlock, shutdown: the batch stays claimed and is taken again when its lease
                // runs out (by this worker or another); a broken connection is replaced before the next claim.
                summary.batchesLost += 1
            }
        }
    }

    /// Processes the batch's files on `jobs` threads; results in file order.
    private func process(_ items: [WorkItem]) -> [FileResult] {
        let results = ResultSlots(count: items.count)
        let next = Counter()
        let group = DispatchGroup()
        for processor in processors.prefix(max(1, min(processors.count, items.count))) {
            group.enter()
            let thread = Thread {
                while let index = next.take(below: items.count) {
                    results.store(processor.value.process(items[index]), at: index)
                }
                group.leave()
            }
            thread.name = "hashscan-worker"
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        return results.all
    }

    /// The file's record exactly as `scan` writes it (`RecordEncoder.record`), clean files included.
    static func record(for result: FileResult, scanID: String) -> (RecordEncoder.HashedKind, [UInt8]) {
        if let encoded = RecordEncoder.record(for: result, scanID: scanID, includeClean: true) { return (encoded.kind, encoded.bytes) }
        // Only a resumed local scan skips files; a worker has no scan state.
        return (.error, RecordEncoder.error(result.path, ScanError(.io, "not processed"), context: result.context))
    }
}

/// Extends the lease of the batch in hand every third of the lease, on its own connection and thread.
private final class Heartbeat: @unchecked Sendable {
    private let url: PostgresURL
    private let lease: Double
    private let condition = NSCondition()
    private var batch: ClaimedBatch?
    private var lostClaim = false
    private var stopped = false
    private var session: PostgresSession?
    private let done = DispatchSemaphore(value: 0)

    init(url: PostgresURL, lease: Double) throws(PostgresFailure) {
        self.url = url
        self.lease = lease
        session = try PostgresSession.connect(url)
        let thread = Thread { [self] in beat() }
        thread.name = "hashscan-heartbeat"
        thread.start()
    }

    /// The batch whose lease to extend from now on (nil: none).
    func hold(_ batch: ClaimedBatch?) {
        condition.lock()
        self.batch = batch
        lostClaim = false
        condition.unlock()
    }

    /// The batch in hand was taken over: its results must not be stored (the fence would refuse them anyway).
    var lost: Bool {
        condition.lock()
        defer { condition.unlock() }
        return lostClaim
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
        done.wait()
        session?.close()
    }

    private func beat() {
        let interval = max(0.05, lease / 3)
        while true {
            condition.lock()
            _ = condition.wait(until: Date().addingTimeInterval(interval))
            if stopped {
                condition.unlock()
                break
            }
            let current = batch
            condition.unlock()
            guard let current else { continue }
            do {
                if session == nil || session!.isClosed { session = try PostgresSession.connect(url) }
                let held = try JobQueue.heartbeat(current, lease: lease, on: session!)
                condition.lock()
                if !held, batch?.id == current.id, batch?.claim == current.claim { lostClaim = true }
                condition.unlock()
            } catch {
                // Try again at the next beat; the lease is long enough for a few misses.
                session?.close()
                session = nil
            }
        }
        done.signal()
    }
}

/// The next file index to process, shared by a batch's threads.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func take(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}

/// One result slot per file, filled by whichever thread processed it.
private final class ResultSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [FileResult?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func store(_ result: FileResult, at index: Int) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }
    var all: [FileResult] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0! }
    }
}
