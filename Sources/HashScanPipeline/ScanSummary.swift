/// The totals of a run, written as the last record and used for the exit code.
public struct ScanSummary: Sendable {
    public struct ListInfo: Sendable {
        public var name: String
        public var version: String?
        public var entries: Int

        public init(name: String, version: String?, entries: Int) {
            self.name = name
            self.version = version
            self.entries = entries
        }
    }

    /// The scan's identifier: part of every idempotency key; the same across the runs of a resumed scan.
    public var scanID: String? = nil
    /// Which run of the scan this is (1 unless resumed).
    public var run = 1
    /// Files finished by earlier runs of a resumed scan (skipped, no record), and how many of them matched.
    public var filesResumed = 0
    public var earlierMatchedFiles = 0
    /// Match records not written again because an earlier run of this scan had written them to the same file.
    public var recordsAlreadyWritten = 0
    /// Files hashed (matched or clean), including those whose stored hashes were reused.
    public var files = 0
    /// Bytes read.
    public var bytes: UInt64 = 0
    /// Unchanged files whose hashes came from the scan state (`--incremental`): not read.
    public var filesReused = 0
    public var bytesReused: UInt64 = 0
    /// Files with at least one hit.
    public var matchedFiles = 0
    /// List entries hit, over all files.
    public var hits = 0
    public var errors = 0
    public var errorsByCode: [String: Int] = [:]
    public var skippedSymlinks = 0
    /// Files decoded as images and hashed perceptually.
    public var images = 0
    /// Files decoded as videos and given a vPDQ hash.
    public var videos = 0
    /// Files whose digest is on a known-good list (perceptual work skipped).
    public var knownGood = 0
    /// PDQ hashes below the minimum quality: reported, not matched.
    public var lowQualityPDQ = 0
    public var seconds = 0.0
    /// False when the run stopped early (output closed, interrupted).
    public var complete = true
    /// The run was stopped by SIGINT or SIGTERM.
    public var interrupted = false
    /// Match records the webhook accepted, and those spooled to disk for a later attempt.
    public var webhookDelivered: Int? = nil
    public var webhookSpooled: Int? = nil
    /// The same for the other match sinks (the PostgreSQL takedown table).
    public var sinkDelivered: Int? = nil
    public var sinkSpooled: Int? = nil
    public var lists: [ListInfo] = []

    public init() {}

    /// 0 clean, 1 any match (even with errors: a match is never hidden), 2 errors but no match.
    /// A resumed scan's matches from its earlier runs count: the scan as a whole matched.
    public var exitCode: Int32 {
        if matchedFiles > 0 || earlierMatchedFiles > 0 { return ExitStatus.match }
        if errors > 0 { return ExitStatus.errors }
        if interrupted { return ExitStatus.interrupted }
        if !complete { return ExitStatus.outputClosed }
        return ExitStatus.clean
    }
}

/// Process exit codes, documented in the README.
public enum ExitStatus {
    public static let clean: Int32 = 0
    public static let match: Int32 = 1
    public static let errors: Int32 = 2
    public static let usage: Int32 = 64
    /// A list or other input the run depends on is malformed.
    public static let badInput: Int32 = 65
    /// A list or other input the run depends on cannot be read.
    public static let cannotOpenInput: Int32 = 66
    /// An output file (`--output`, `--csv`, the state, a keys file being written) cannot be created or opened.
    public static let cannotCreateOutput: Int32 = 73
    /// The records could not be written to the output file.
    public static let ioError: Int32 = 74
    /// The run could not be set up (e.g. a digest is unavailable).
    public static let software: Int32 = 70
    /// Stopped by SIGINT or SIGTERM before the end, with no match and no error so far.
    public static let interrupted: Int32 = 130
    /// Standard output was closed before the run finished and nothing was matched so far.
    public static let outputClosed: Int32 = 141
}
