/// One sampled frame of a video's vPDQ hash: its PDQ hash and quality at the frame's own size, and where it is.
public struct VPDQFrame: Sendable, Equatable {
    /// The frame's number among the decoded frames, from 0.
    public var frame: Int
    /// Seconds from the start: `frame` / the average frame rate (the vPDQ reference's convention).
    public var timestamp: Double
    public var pdq: Digest
    public var quality: Int

    public init(frame: Int, timestamp: Double, pdq: Digest, quality: Int) {
        self.frame = frame
        self.timestamp = timestamp
        self.pdq = pdq
        self.quality = quality
    }
}
