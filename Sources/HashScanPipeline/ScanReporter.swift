import Foundation
import HashScanCore

/// Receives every file's result from the workers, writes its record, and keeps the totals.
/// Matches and errors are flushed at once so a takedown queue reading the stream sees them without delay.
final class ScanReporter: @unchecked Sendable {
    private let lock = NSLock()
    private let output: OutputChannel
    private let emitCleanFiles: Bool
    private let minimumPDQQuality: Int
    private let webhook: WebhookSink?
    private var summary = ScanSummary()
    private let started = DispatchTime.now()
    /// Called once when output fails, to stop the run.
    private let onOutputClosed: @Sendable () -> Void
    private var outputClosedReported = false

    init(output: OutputChannel, emitCleanFiles: Bool, minimumPDQQuality: Int, lists: [ScanSummary.ListInfo],
         webhook: WebhookSink? = nil, onOutputClosed: @escaping @Sendable () -> Void) {
        self.webhook = webhook
        self.output = output
        self.emitCleanFiles = emitCleanFiles
        self.minimumPDQQuality = minimumPDQQuality
        self.onOutputClosed = onOutputClosed
        summary.lists = lists
    }

    func report(_ result: FileResult) {
        // The record is encoded by the calling worker; only counting and writing are serialised.
        let record: [UInt8]?
        var urgent = true
        switch result.outcome {
        case .hashed(let file):
            if !file.hits.isEmpty {
                record = RecordEncoder.hashed(.match, result.path, file, context: result.context)
                webhook?.send(record: record!)
            } else if file.imageError != nil {
                record = RecordEncoder.hashed(.error, result.path, file, context: result.context)
            } else if emitCleanFiles {
                record = RecordEncoder.hashed(.file, result.path, file, context: result.context)
                urgent = false
            } else {
                record = nil
            }
        case .failed(let error):
            record = RecordEncoder.error(result.path, error, context: result.context)
        }
        lock.lock()
        defer { lock.unlock() }
        count(result.outcome)
        // Matches and errors are flushed at once, so a reader of the stream sees them without delay.
        if let record { output.send(record, flushNow: urgent) }
        checkOutput()
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

    /// Writes the summary record and returns the final totals.
    func finish(skippedSymlinks: Int, complete: Bool, interruptedBy signal: Int32? = nil) -> ScanSummary {
        lock.lock()
        defer { lock.unlock() }
        summary.skippedSymlinks = skippedSymlinks
        summary.seconds = elapsedSeconds()
        summary.complete = complete && output.failure == nil
        summary.interrupted = signal != nil
        if let webhook {
            let (delivered, spooled) = webhook.finish()
            summary.webhookDelivered = delivered
            summary.webhookSpooled = spooled
        }
        output.send(RecordEncoder.summary(summary), flushNow: true)
        return summary
    }

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
