import HashScanCore
import HashScanLists

/// What became of one file: exactly one per file, whatever happened to it.
public struct FileResult: Sendable {
    public enum Outcome: Sendable {
        case hashed(size: UInt64, hashes: FileHashes, hits: [ListHit])
        case failed(ScanError)
    }

    public var path: RawPath
    public var outcome: Outcome

    public init(path: RawPath, outcome: Outcome) {
        self.path = path
        self.outcome = outcome
    }
}
