import Foundation
import HashScanCore

/// Receives every file's result from the workers, writes its record, and keeps the totals.
/// Matches and errors are flushed at once so a takedown queue reading the stream sees them without delay.
final class ScanReporter: @unchecked Sendable {
    private let lock = NSLock()
    private let output: OutputChannel
    private let emitCleanFiles: Bool
    private let minimumPDQQuality: Int
    /// The match sinks (webhook, PostgreSQL takedown table): every match record goes to each.
    private let sinks: [any MatchSink]
    /// The scan state: a file is recorded only after its record is written (and, for a match going to a
    /// webhook, delivered or spooled), and rows are committed only after the output is synced, so a kill at
    /// any point loses no record: at worst a file is done again, and its record carries the same key.
    private let state: ScanState?
    private let csv: CSVMatchSink?
    /// Part of every idempotency key.
    let scanID: String
    /// Keys of match records an earlier run of this scan already wrote to the same output file.
    private let alreadyWritten: Set<String>
    private var summary = ScanSummary()
    private let started = DispatchTime.now()
    /// Called once when output fails, to stop the run.
    private let onOutputClosed: @Sendable () -> Void
    private var outputClosedReported = false

    init(output: OutputChannel, emitCleanFiles: Bool, minimumPDQQuality: Int, lists: [ScanSummary.ListInfo],
         sinks: [any MatchSink] = [], csv: CSVMatchSink? = nil, state: ScanState? = nil, scanID: String, alreadyWritten: Set<String> = [],
         onOutputClosed: @escaping @Sendable () -> Void) {
        self.sinks = sinks
        self.csv = csv
        self.state = state
        self.scanID = scanID
        self.alreadyWritten = alreadyWritten
        self.output = output
        self.emitCleanFiles = emitCleanFiles
        self.minimumPDQQuality = minimumPDQQuality
        self.onOutputClosed = onOutputClosed
        summary.lists = lists
        summary.scanID = scanID
        if let session = state?.session {
            summary.run = session.run
            summary.earlierMatchedFiles = session.earlierMatchedFiles
        }
    }

    func report(_ result: FileResult) {
        // The record is encoded by the calling worker; only counting and writing are serialised.
        let encoded = RecordEncoder.record(for: result, scanID: scanID, includeClean: emitCleanFiles)
        let record = encoded?.bytes
        let keys = encoded?.keys
        // Matches and errors are flushed at once, so a reader of the stream sees them without delay.
        let urgent = encoded?.kind != .file
        var stateRow: (identity: ScanState.Identity, stored: String, matched: Bool)? = nil
        if state != nil, let stateRecord = result.stateRecord, case .hashed(let file) = result.outcome {
            stateRow = (stateRecord.identity, StoredHashes.encode(file, isImage: stateRecord.isImage, vpdqSeconds: stateRecord.vpdqSeconds), !file.hits.isEmpty)
        }
        let matchSinks = sinks
        if let record, let keys, !matchSinks.isEmpty {
            if let row = stateRow {
                // The file is done only once every sink has the match (delivered or spooled).
                stateRow = nil
                let settled = Countdown(matchSinks.count) { [self] in
                    lock.lock()
                    defer { lock.unlock() }
                    recordState(result.path, row.identity, row.stored, matched: row.matched)
                }
                for sink in matchSinks { sink.send(record: record, key: keys.record, onSettled: settled.tick) }
            } else {
                for sink in matchSinks { sink.send(record: record, key: keys.record, onSettled: nil) }
            }
        }
        lock.lock()
        defer { lock.unlock() }
        count(result.outcome)
        if let csv, let keys, case .hashed(let file) = result.outcome { csv.add(path: result.path, file: file, context: result.context, keys: keys) }
        if let record {
            if let keys, alreadyWritten.contains(keys.record) {
                // Written by the run that was interrupted before it could mark the file done.
                summary.recordsAlreadyWritten += 1
            } else {
                // Matches and errors are flushed at once, so a reader of the stream sees them without delay.
                output.send(record, flushNow: urgent)
            }
        }
        if let row = stateRow { recordState(result.path, row.identity, row.stored, matched: row.matched) }
        checkOutput()
    }

    /// Marks a file done in the state; when a commit is due, the output is made durable first. Call locked.
    private func recordState(_ path: RawPath, _ identity: ScanState.Identity, _ stored: String, matched: Bool) {
        guard let state, state.record(path, identity: identity, stored: stored, matched: matched) else { return }
        output.flush()
        output.sync()
        csv?.sync()
        // A record that could not be written must not be marked done: leave the rows for the next run to redo.
        if !sinkFailed { state.commit() }
    }

    private func count(_ outcome: FileResult.Outcome) {
        switch outcome {
        case .hashed(let file):
            summary.files += 1
            if file.reused {
                summary.filesReused += 1
                summary.bytesReused += file.size
            } else {
                summary.bytes += file.size
            }
            if file.image != nil { summary.images += 1 }
            if file.hashes.vpdq != nil { summary.videos += 1 }
            if file.knownGood != nil { summary.knownGood += 1 }
            if let quality = file.hashes.pdqQuality, quality < minimumPDQQuality { summary.lowQualityPDQ += 1 }
            if let imageError = file.imageError {
                // Counted as an error whether or not a digest matched: the file was not fully scanned.
                summary.errors += 1
                summary.errorsByCode[imageError.code.rawValue, default: 0] += 1
            }
            if !file.hits.isEmpty {
                summary.matchedFiles += 1
                summary.hits += file.hits.count
            }
        case .failed(let error):
            summary.errors += 1
            summary.errorsByCode[error.code.rawValue, default: 0] += 1
        case .resumed(let matched):
            summary.filesResumed += 1
            _ = matched
        }
    }

    /// Writes out buffered records now.
    func flush() {
        lock.lock()
        defer { lock.unlock() }
        output.flush()
        checkOutput()
    }

    /// A consistent copy of the totals so far, for progress display.
    func snapshot() -> ScanSummary {
        lock.lock()
        defer { lock.unlock() }
        var copy = summary
        copy.seconds = elapsedSeconds()
        return copy
    }

    /// Waits for the sinks, makes the state durable, writes the summary record and returns the final totals.
    func finish(skippedSymlinks: Int, complete: Bool, interruptedBy signal: Int32? = nil) -> ScanSummary {
        // Outside the lock: the sinks' last deliveries record their files through it.
        let totals = sinks.map { (kind: $0.summaryKind, counts: $0.finish()) }
        let webhookTotals = totals.filter { $0.kind == .webhook }.map(\.counts)
        let sinkTotals = totals.filter { $0.kind == .takedown }.map(\.counts)
        lock.lock()
        defer { lock.unlock() }
        summary.skippedSymlinks = skippedSymlinks
        summary.seconds = elapsedSeconds()
        csv?.sync()
        summary.complete = complete && !sinkFailed
        summary.interrupted = signal != nil
        if !webhookTotals.isEmpty {
            summary.webhookDelivered = webhookTotals.reduce(0) { $0 + $1.delivered }
            summary.webhookSpooled = webhookTotals.reduce(0) { $0 + $1.spooled }
        }
        if !sinkTotals.isEmpty {
            summary.sinkDelivered = sinkTotals.reduce(0) { $0 + $1.delivered }
            summary.sinkSpooled = sinkTotals.reduce(0) { $0 + $1.spooled }
        }
        output.flush()
        output.sync()
        if let state {
            var counters = ScanState.RunCounters()
            counters.files = summary.files
            counters.bytesRead = summary.bytes
            counters.filesReused = summary.filesReused
            counters.matchedFiles = summary.matchedFiles
            if !sinkFailed { state.commit() } else { state.discardPending() }
            state.finish(counters, complete: summary.complete)
        }
        output.send(RecordEncoder.summary(summary), flushNow: true)
        return summary
    }

    /// The JSON output or the CSV file could not be written.
    private var sinkFailed: Bool { output.failure != nil || csv?.failure != nil }

    var outputFailed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return output.failure != nil
    }

    private func checkOutput() {
        if output.failure != nil && !outputClosedReported {
            outputClosedReported = true
            onOutputClosed()
        }
    }

    private func elapsedSeconds() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
    }
}

/// Runs `action` once `tick` has been called `count` times, from whichever thread calls it last.
private final class Countdown: @unchecked Sendable {
    private let lock = NSLock()
    private var remaining: Int
    private let action: @Sendable () -> Void

    init(_ count: Int, action: @escaping @Sendable () -> Void) {
        remaining = count
        self.action = action
    }

    @Sendable func tick() {
        lock.lock()
        remaining -= 1
        let done = remaining == 0
        lock.unlock()
        if done { action() }
    }
}
