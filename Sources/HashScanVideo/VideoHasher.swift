internal import CHashScanVideo
import HashScanCore
import HashScanHashing

/// vPDQ as Meta's reference computes it: FFmpeg decodes the video's best stream, every Nth frame is converted to
/// RGB24 at its own size (swscale, area averaging) and hashed with PDQ at that size, with no 512 step (the
/// `full` convention); N = max(1, floor(secondsPerHash × average frame rate)), so 0 hashes every frame. Reads the
/// bytes from memory and never writes them anywhere. Not thread-safe: one per worker (it reuses its PDQ hasher).
public final class VideoHasher {
    public let limits: VideoLimits
    private let pdq = PDQHasher()

    public init(limits: VideoLimits = VideoLimits()) {
        self.limits = limits
    }

    /// The outcome of one decode: what it learned, the frames hashed, or why it failed (with what it learned).
    public enum Outcome {
        case hashed(VideoInfo, [VPDQFrame])
        /// Not a video after all (e.g. an audio-only container): no video hash, and no error.
        case notVideo
        case failed(ScanError, VideoInfo?)
    }

    /// Decodes and hashes the video in `bytes`.
    public func hash(_ bytes: UnsafeRawBufferPointer, secondsPerHash: Double) -> Outcome {
        decode { limits, info, onFrame, context in
            chs_video_decode(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, max(0, secondsPerHash),
                             limits, info, onFrame, context)
        }
    }

    /// Decodes and hashes the first `size` bytes of an open file, read where they are (`pread`), for a video too
    /// large to hold in memory. The descriptor's offset is not moved and it stays open.
    public func hash(descriptor: Int32, size: Int, secondsPerHash: Double) -> Outcome {
        decode { limits, info, onFrame, context in
            chs_video_decode_descriptor(descriptor, Int64(size), max(0, secondsPerHash), limits, info, onFrame, context)
        }
    }

    private func decode(
        _ call: (UnsafePointer<chs_video_limits>, UnsafeMutablePointer<chs_video_info>, chs_video_frame_fn, UnsafeMutableRawPointer) -> Int32
    ) -> Outcome {
        var cLimits = chs_video_limits(max_pixels: Int64(limits.maxPixels), max_frames: Int64(limits.maxFrames),
                                       max_duration: limits.maxDuration, max_seconds: limits.maxSeconds)
        var info = chs_video_info()
        let collector = FrameCollector(pdq: pdq)
        let status = withUnsafeMutablePointer(to: &cLimits) { limitsPointer in
            call(limitsPointer, &info, { context, rgb, width, height, number, timestamp in
                let collector = Unmanaged<FrameCollector>.fromOpaque(context!).takeUnretainedValue()
                collector.add(rgb!, width: Int(width), height: Int(height), number: Int(number), timestamp: timestamp)
                return 0
            }, Unmanaged.passUnretained(collector).toOpaque())
        }
        let video = Self.info(info, framesHashed: collector.frames.count)
        let message = Self.message(info)
        switch Int32(status) {
        case Int32(CHS_VIDEO_OK): return .hashed(video, collector.frames)
        case Int32(CHS_VIDEO_NO_VIDEO): return .notVideo
        case Int32(CHS_VIDEO_TOO_LARGE): return .failed(ScanError(.tooLarge, "video: \(message)"), video)
        case Int32(CHS_VIDEO_TIMED_OUT): return .failed(ScanError(.timedOut, "video: \(message)"), video)
        case Int32(CHS_VIDEO_NO_MEMORY): return .failed(ScanError(.tooLarge, "video: out of memory while decoding"), video)
        default: return .failed(ScanError(.corruptVideo, "video: \(message.isEmpty ? "cannot be decoded" : message)"), video)
        }
    }

    private static func info(_ info: chs_video_info, framesHashed: Int) -> VideoInfo {
        VideoInfo(container: string(info.container), codec: string(info.codec), width: Int(info.width), height: Int(info.height),
                  duration: info.duration >= 0 ? info.duration : nil, frameRate: info.frame_rate,
                  framesDecoded: Int(info.frames_decoded), framesHashed: framesHashed)
    }

    private static func message(_ info: chs_video_info) -> String { string(info.message) }

    /// A fixed-size C `char` array as a string, up to its NUL.
    private static func string<T>(_ tuple: T) -> String {
        withUnsafeBytes(of: tuple) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// Receives the sampled frames from C and hashes each as it comes: only one frame's pixels exist at a time.
    private final class FrameCollector {
        let pdq: PDQHasher
        var frames: [VPDQFrame] = []
        init(pdq: PDQHasher) { self.pdq = pdq }

        func add(_ rgb: UnsafePointer<UInt8>, width: Int, height: Int, number: Int, timestamp: Double) {
            let raster = PixelRaster(width: width, height: height, channels: 3,
                                     pixels: Array(UnsafeBufferPointer(start: rgb, count: width * height * 3)))
            let result = pdq.hash(raster, preScale: .full)
            frames.append(VPDQFrame(frame: number, timestamp: timestamp, pdq: result.hash, quality: result.quality))
        }
    }
}
