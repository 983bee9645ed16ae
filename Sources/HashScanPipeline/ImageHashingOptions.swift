import HashScanCore
import HashScanHashing

/// How images are hashed perceptually. Only files whose leading bytes are an image are decoded.
public struct ImageHashingOptions: Sendable {
    /// Perceptual algorithms to compute (`pdq`, `phash`, `dhash`, `ahash`); empty means no image decoding.
    public var algorithms: Set<HashAlgorithm> = []
    /// `reference` (Meta's C++ hasher: nearest neighbour to 512x512 above 512) or `full` (no pre-scale).
    public var pdqPreScale: PDQPreScale = .reference
    /// Compute the 8 dihedral PDQ variants, write them, and match each of them.
    public var dihedral = false
    /// PDQ hashes below this quality are reported but not matched (Meta's guidance: discard below 50).
    public var minimumPDQQuality = PDQResult.minimumReliableQuality
    /// Decode limits, checked from the header before any pixel memory is allocated.
    public var maxPixels = 100_000_000
    public var maxImageBytes = 512 << 20
    /// Decode large JPEGs at a reduced DCT scale (opt-in; see docs/performance.md for its cost in bits).
    public var jpegFastPath = false

    public init() {}
}

/// What the decoder learned about an image, written in records (never its pixels).
public struct ImageInfo: Sendable, Equatable {
    public var format: String
    public var width: Int
    public var height: Int
    /// EXIF orientation 1-8, reported and not applied (the PDQ reference ignores it).
    public var orientation: Int
}
