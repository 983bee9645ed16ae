import HashScanCore

/// One list entry a file matched.
public struct ListHit: Sendable, Equatable {
    public var list: String
    public var listVersion: String?
    public var entry: String
    public var algorithm: HashAlgorithm
    /// Bits that differ (0 for cryptographic digests).
    public var distance: Int
    /// The largest distance that counts as a match for this algorithm and list.
    public var threshold: Int
    /// The reference hash that matched.
    public var reference: Digest

    public init(list: String, listVersion: String?, entry: String, algorithm: HashAlgorithm, distance: Int, threshold: Int, reference: Digest) {
        self.list = list
        self.listVersion = listVersion
        self.entry = entry
        self.algorithm = algorithm
        self.distance = distance
        self.threshold = threshold
        self.reference = reference
    }
}
