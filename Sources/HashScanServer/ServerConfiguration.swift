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
    /// `/v1/match/hashes` batches waiting for a lookup thread; beyond this, 503 (one set of hashes never waits).
    package var maxQueuedBatches = 256
    /// A request not answered within this many seconds (body upload plus hashing) gets 408.
    package var requestTimeout: Double = 30
    /// Perceptual hashing: convention, dihedral variants, minimum PDQ quality, decode limits.
    package var image = ImageHashingOptions()
    /// Hashes `/v1/hash` computes when the request names none.
    package var defaultHashAlgorithms: Set<HashAlgorithm> = Set(HashAlgorithm.allCases)
    /// The audit log (JSON Lines, appended); nil for none.
    package var auditPath: String? = nil
    /// Answer no verdict that could not be written to the audit log (503 `audit_unavailable` instead).
    package var auditRequired = false
    /// Open connections at once; more wait in the kernel's accept queue until one closes.
    package var maxConnections = 1_024
    /// Seconds a connection may sit without a complete request head: before its first request, between requests,
    /// and while a head trickles in (a slow-header client is cut off here; slow bodies meet `requestTimeout`).
    package var idleTimeout: Double = 30
    /// Largest request head (request line and all header fields), and most header fields.
    package var maxHeaderBytes = 16 << 10
    package var maxHeaderFields = 100
    /// List files polled for changes (size, mtime, inode); a change reloads the lists. Empty: no polling.
    package var watchPaths: [String] = []
    package var watchInterval: Double = 5
    /// When a key's queries look like a walk around one list entry (docs/api.md, "Probing").
    package var probes = ProbeDetector.Policy()

    package init() {}
}
