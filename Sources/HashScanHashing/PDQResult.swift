import HashScanCore

/// One PDQ hash with its quality, and optionally its eight dihedral variants.
public struct PDQResult: Sendable, Equatable {
    /// 32 bytes; `hash.hex` is the reference's 64-character hex form.
    public var hash: Digest
    /// Gradient-based quality 0-100. The reference recommends discarding hashes with quality below 50.
    public var quality: Int
    /// The 8 dihedral variants (the first equals `hash`) when they were asked for.
    public var dihedral: PDQDihedralHashes?

    public init(hash: Digest, quality: Int, dihedral: PDQDihedralHashes? = nil) {
        self.hash = hash
        self.quality = quality
        self.dihedral = dihedral
    }

    /// Quality threshold below which the reference and python-threatexchange consider a hash unreliable.
    public static let minimumReliableQuality = 50

    /// Whether `quality` reaches `minimumReliableQuality`.
    public var isReliable: Bool { quality >= Self.minimumReliableQuality }
}
