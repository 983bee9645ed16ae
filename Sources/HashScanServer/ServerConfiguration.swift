import HashScanCore
import HashScanPipeline

/// How the match service runs: where it listens and the limits every request is held to.
package struct ServerConfiguration: Sendable {
    package var host = "127.0.0.1"
    /// 0 picks a free port (it is reported through `onListening`).
    package var port = 8080
    /// Largest request body, counted while it streams in (413 beyond it).
    package var maxBodyBytes = 32 << 20
    /// Most items in one `/v1/match/hashes` batch.
    package var maxBatch = 1_000
    /// Threads that hash and decode uploads, off the event loops.
    package var workers = ScanOptions.coreCount
    /// Uploads waiting for a worker; beyond this the service answers 503 rather than queueing without bound.
    package var maxQueuedJobs = 64
    /// A request not answered within this many seconds (body upload plus hashing) gets 408.
    package var requestTimeout: Double = 30
    /// Perceptual hashing: convention, dihedral variants, minimum PDQ quality, decode limits.
    package var image = ImageHashingOptions()
    /// Hashes `/v1/hash` computes when the request names none.
    package var defaultHashAlgorithms: Set<HashAlgorithm> = Set(HashAlgorithm.allCases)
    /// The audit log (JSON Lines, appended); nil for none.
    package var auditPath: String? = nil
    /// List files polled for changes (size, mtime, inode); a change reloads the lists. Empty: no polling.
    package var watchPaths: [String] = []
    package var watchInterval: Double = 5

    package init() {}
}
