import HashScanCore
import HashScanPipeline

/// Walks paths and manifests as `scan` does and loads the files into the queue in batches, in one transaction:
/// a scan is either queued whole or not at all, so an enqueue that fails halfway can simply be run again.
package struct Enqueuer {
    package struct Summary: Sendable {
        package var scanID: String
        package var batches = 0
        package var files = 0
        /// Paths that could not be listed (they are queued as errors, reported by the worker that takes them).
        package var errors = 0
        package var skippedSymlinks = 0
    }

    package let scanID: String
    package let batchSize: Int
    package let followSymlinks: Bool

    package init(scanID: String, batchSize: Int, followSymlinks: Bool = false) {
        self.scanID = scanID
        self.batchSize = max(1, batchSize)
        self.followSymlinks = followSymlinks
    }

    /// Queues every file of `paths` and `manifests`; throws when the database or a manifest cannot be read.
    package func enqueue(paths: [RawPath], manifests: [String], on session: PostgresSession) throws -> Summary {
        var summary = Summary(scanID: scanID)
        let scanID = self.scanID, batchSize = self.batchSize
        try session.transaction { transaction in
            var entries: [String] = []
            entries.reserveCapacity(batchSize)
            var failure: (any Error)? = nil
            func flush() -> Bool {
                guard !entries.isEmpty else { return true }
                do {
                    try JobQueue.insertBatch(scanID: scanID, files: entries, on: transaction)
                } catch {
                    failure = error
                    return false
                }
                summary.batches += 1
                entries.removeAll(keepingCapacity: true)
                return true
            }
            var sources = SourceExpander(followSymlinks: followSymlinks) { item in
                if case .failed = item { summary.errors += 1 }
                summary.files += 1
                entries.append(BatchEntry.encode(item))
                return entries.count < batchSize || flush()
            }
            // Paths, then manifests, expanded exactly as `scan` expands them; a manifest that cannot be read
            // refuses the whole enqueue (the transaction), so it can be fixed and run again.
            for input in paths.map(ScanInput.path) + manifests.map(ScanInput.manifest) where failure == nil {
                guard try sources.expand(input) else { break }
            }
            if failure == nil { _ = flush() }
            if let failure { throw failure }
            summary.skippedSymlinks = sources.skippedSymlinks
        }
        return summary
    }
}
