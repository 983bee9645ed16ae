import HashScanCore

/// How a scan runs.
public struct ScanOptions: Sendable {
    /// Hashes to compute for every file, beyond what the lists need.
    public var algorithms: [HashAlgorithm]
    /// Follow symbolic links met while walking (with loop detection). Paths named by the user are always followed.
    public var followSymlinks = false
    /// Files hashed at once; defaults to the number of cores.
    public var jobs: Int
    /// Write a `file` record for every clean file too, not only matches and errors.
    public var emitCleanFiles = false
    /// Progress on stderr: none, a redrawn line (the CLI's default when stderr is a terminal), or a JSON
    /// record every `progressInterval` seconds for log pipelines.
    public var progress: ProgressStyle = .none
    public var progressInterval = 10.0
    /// Perceptual hashing of images (the lists' perceptual algorithms are added to `image.algorithms`).
    public var image = ImageHashingOptions()
    /// The scan state to record every hashed file in (and, with `incremental`, to skip unchanged files).
    public var state: ScanState? = nil
    public var incremental = false
    /// The scan's identifier (part of every idempotency key). With a state it is the state's scan (begun by
    /// `ScanState.begin`, or by the runner when not begun); without one, this or a random one.
    public var scanID: String? = nil
    /// Idempotency keys of match records an earlier, interrupted run of this scan already wrote to the same
    /// output: they are not written again (sinks still get them: they deduplicate by key).
    public var alreadyWrittenKeys: Set<String> = []
    /// Also deliver every match record to this webhook (at least once; undeliverable ones are spooled). The
    /// library's way to name one; the run sends to it as to every other of `sinks`.
    public var webhook: WebhookSink? = nil
    /// The sinks every match record goes to (the CLI's `--webhook` and `--sink postgres://…`).
    package var sinks: [any MatchSink] = []
    /// Every match sink of the run.
    var allSinks: [any MatchSink] { (webhook.map { [$0] } ?? []) + sinks }
    /// Also write every match as CSV rows, one per hit.
    public var csv: CSVMatchSink? = nil
    /// Stop in an orderly way on SIGINT/SIGTERM (the CLI sets it; a library host handles its own signals).
    public var stopOnSignals = false
    /// Paths waiting for a worker; bounds memory however large the batch.
    public var queueCapacity = 4096

    public init(algorithms: [HashAlgorithm], jobs: Int? = nil) {
        self.algorithms = algorithms
        self.jobs = max(1, jobs ?? ScanOptions.coreCount)
    }

    public static var coreCount: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How progress is shown on stderr.
public enum ProgressStyle: String, Sendable, CaseIterable {
    case none
    case line
    case json
}
