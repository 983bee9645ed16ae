import HashScanCore
import HashScanLists
import HashScanVideo

/// What became of one file: exactly one per file, whatever happened to it.
public struct FileResult: Sendable {
    public enum Outcome: Sendable {
        case hashed(HashedFile)
        case failed(ScanError)
        /// Finished by an earlier run of the scan being resumed: no record, nothing read.
        case resumed(matched: Bool)
    }

    /// What the reporter records in the scan state once the file's record is written.
    struct StateRecord: Sendable {
        var identity: ScanState.Identity
        var isImage: Bool
        /// The vPDQ sampling of the pass, when it looked for one.
        var vpdqSeconds: Double?
    }

    public var path: RawPath
    public var outcome: Outcome
    /// The manifest's locator and fields for this file, when it came from a manifest.
    public var context: FileContext?
    /// Set when the file is to be recorded in the scan state.
    var stateRecord: StateRecord?

    public init(path: RawPath, outcome: Outcome, context: FileContext? = nil) {
        self.path = path
        self.outcome = outcome
        self.context = context
    }
}

/// A file that was read to the end: its hashes, what it matched, and what its image decode said.
public struct HashedFile: Sendable {
    public var size: UInt64
    public var hashes: FileHashes
    public var hits: [ListHit]
    /// A decoded image's format and dimensions.
    public var image: ImageInfo?
    /// A decoded video's container, codec, dimensions and frames (its vPDQ is in `hashes.vpdq`).
    public var video: VideoInfo?
    /// Why an image could not be hashed perceptually (its digests, and any digest match, still count).
    public var imageError: ScanError?
    /// The known-good list whose digest it matched: perceptual work was skipped for it.
    public var knownGood: String?
    /// The hashes came from the scan state (the file was unchanged) and its content was not read.
    public var reused = false

    public init(size: UInt64, hashes: FileHashes, hits: [ListHit] = [], image: ImageInfo? = nil,
                imageError: ScanError? = nil, knownGood: String? = nil) {
        self.size = size
        self.hashes = hashes
        self.hits = hits
        self.image = image
        self.imageError = imageError
        self.knownGood = knownGood
    }
}
