import HashScanCore
import HashScanLists

/// What became of one file: exactly one per file, whatever happened to it.
public struct FileResult: Sendable {
    public enum Outcome: Sendable {
        /// `image` describes a decoded image; `imageError` says why an image could not be hashed
        /// perceptually (its digests, and any digest match, still count).
        case hashed(size: UInt64, hashes: FileHashes, hits: [ListHit], image: ImageInfo? = nil, imageError: ScanError? = nil)
        case failed(ScanError)
    }

    public var path: RawPath
    public var outcome: Outcome

    public init(path: RawPath, outcome: Outcome) {
        self.path = path
        self.outcome = outcome
    }
}
