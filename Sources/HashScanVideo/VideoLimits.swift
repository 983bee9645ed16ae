/// Bounds on one video's decode, each checked before the memory it bounds is allocated.
public struct VideoLimits: Sendable, Equatable {
    /// Pixels of any one frame (the header's size, then every decoded frame's).
    public var maxPixels = 36_000_000
    /// Frames decoded, sampled or not.
    public var maxFrames = 1_000_000
    /// Seconds of video, as the container declares.
    public var maxDuration: Double = 4 * 3600
    /// Wall-clock seconds for the whole decode: a hostile or endless stream stops here.
    public var maxSeconds: Double = 300

    public init() {}
}
