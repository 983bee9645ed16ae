/// What the decoder learned about a video, written in records (never its frames).
public struct VideoInfo: Sendable, Equatable {
    /// The container as FFmpeg names it: `mov` (MP4, MOV, 3GP), `matroska` (MKV, WebM), `avi`, `flv`, `mpegts`, ...
    public var container: String
    /// The video codec: `h264`, `hevc`, `vp9`, `av1`, `mpeg4`, ...
    public var codec: String
    public var width: Int
    public var height: Int
    /// Seconds, when the container says.
    public var duration: Double?
    /// The average frame rate (frames a second); 0 when unknown.
    public var frameRate: Double
    public var framesDecoded: Int
    public var framesHashed: Int

    package init(container: String, codec: String, width: Int, height: Int, duration: Double?, frameRate: Double,
                 framesDecoded: Int, framesHashed: Int) {
        self.container = container
        self.codec = codec
        self.width = width
        self.height = height
        self.duration = duration
        self.frameRate = frameRate
        self.framesDecoded = framesDecoded
        self.framesHashed = framesHashed
    }
}
