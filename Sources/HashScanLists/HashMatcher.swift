import HashScanCore

/// Anything that can tell which list entries a file's hashes match. Implementations are immutable and shared by workers.
public protocol HashMatcher: Sendable {
    /// The algorithms a scan must compute for this matcher to be complete.
    var algorithms: Set<HashAlgorithm> { get }
    func matches(for hashes: FileHashes) -> [ListHit]
}
