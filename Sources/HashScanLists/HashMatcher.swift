import HashScanCore

/// Anything that can tell which list entries a file's hashes match. Implementations are immutable and shared by workers.
public protocol HashMatcher: Sendable {
    /// The algorithms a scan must compute for this matcher to be complete.
    var algorithms: Set<HashAlgorithm> { get }
    func matches(for hashes: FileHashes) -> [ListHit]
    /// For an algorithm whose entries are sets of hashes (vPDQ frames): how many distinct hashes each entry has,
    /// by list name and entry id. Empty for lists without such entries.
    func entrySizes(_ algorithm: HashAlgorithm) -> [String: [String: Int]]
}

extension HashMatcher {
    public func entrySizes(_ algorithm: HashAlgorithm) -> [String: [String: Int]] { [:] }
}
