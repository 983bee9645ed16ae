import HashScanCore
import HashScanHashing
import HashScanVideo

/// How images and videos are hashed perceptually. Only files whose leading bytes are an image (or a video) are decoded.
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
    /// Decode large JPEGs at a reduced DCT scale (1/2, 1/4 or 1/8, keeping both sides >= 512 for the
    /// `reference` convention, >= 1024 for `full`), as the Y plane only when no colour hash needs RGB.
    /// On by default: the issue #3 rule (max <= 8, median <= 2 bits from the exact decode, and faster) holds;
    /// see docs/performance.md. `false` decodes every pixel exactly (bit-exact with Meta's reference).
    public var jpegFastPath = true
    /// vPDQ (with `.vpdq` among the algorithms): one frame hashed every this many seconds of video; 0 hashes every
    /// frame (as the reference's published sample hashes do).
    public var vpdqSecondsPerHash: Double = 1
    /// Videos up to this size are decoded from memory; a larger regular file is decoded from the file itself (pread),
    /// a larger stream or request body is not decoded (its digests still count; the record says `too_large`).
    public var maxVideoBytes = 1 << 30
    /// Frame size, frame count, duration and wall-clock bounds of a video's decode.
    public var videoLimits = VideoLimits()
    /// A vPDQ entry matches when this share (%) of the video's distinct frames of quality ≥ 50 are within the
    /// threshold of the entry's frames, or when `vpdqEntryPercent` of the entry's frames are found in the video.
    public var vpdqQueryPercent: Double = 80
    public var vpdqEntryPercent: Double = 80

    public init() {}

    /// The shortest side the JPEG fast path may decode to. `.reference`: 512, so the 512x512 nearest-neighbour
    /// pre-scale still downsamples (it then samples DCT-scaled block averages instead of single pixels).
    /// `.full`: 1024, since at 512 the fast path moved up to 10 bits (median 3) on the fidelity corpus and
    /// at 1024 at most 4 (median 2). Figures: docs/performance.md, "Images (issue #3)".
    package var jpegFastPathMinimumSide: Int {
        pdqPreScale == .reference ? PDQPreScale.referenceSide : 1024
    }
}

/// What the decoder learned about an image, written in records (never its pixels).
public struct ImageInfo: Sendable, Equatable {
    public var format: String
    public var width: Int
    public var height: Int
    /// EXIF orientation 1-8, reported and not applied (the PDQ reference ignores it).
    public var orientation: Int
}
