import HashScanCore

/// One list entry a file matched.
public struct ListHit: Sendable, Equatable {
    public var list: String
    public var listVersion: String?
    public var entry: String
    /// The provider's classification of the entry, when the list has one.
    public var category: String?
    public var algorithm: HashAlgorithm
    /// Bits that differ (0 for cryptographic digests).
    public var distance: Int
    /// The largest distance that counts as a match for this algorithm and list.
    public var threshold: Int
    /// The reference hash that matched.
    public var reference: Digest
    /// For PDQ with dihedral matching: which of the 8 variants hit (`orig`, `rot90`, ...).
    public var variant: String?
    /// For vPDQ: how the video matched the entry (`distance` is then the closest frame pair's, `reference` that
    /// frame of the entry).
    public var vpdq: VPDQMatch?

    public init(list: String, listVersion: String?, entry: String, category: String? = nil, algorithm: HashAlgorithm, distance: Int, threshold: Int, reference: Digest) {
        self.list = list
        self.listVersion = listVersion
        self.entry = entry
        self.category = category
        self.algorithm = algorithm
        self.distance = distance
        self.threshold = threshold
        self.reference = reference
    }
}

extension ListHit {
    /// The order hits appear in a record: by list, algorithm, distance, then entry.
    public static func recordOrder(_ a: ListHit, _ b: ListHit) -> Bool {
        (a.list, a.algorithm, a.distance, a.entry) < (b.list, b.algorithm, b.distance, b.entry)
    }
}
