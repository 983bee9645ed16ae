import HashScanCore
import HashScanHashing
import HashScanImaging
import HashScanVideo

/// Videos and animations: collects the bytes of a file that sniffs as a video container, a GIF or an animated WebP
/// (up to `maxVideoBytes`) during the read pass, then decodes it once from memory and adds its vPDQ (`hashes.vpdq`)
/// and a `video` object. A larger video in a regular file is decoded from the file itself (read again with `pread`,
/// never copied); from a stream or a request body it is `too_large`. A video that cannot be decoded keeps its digests and says why (`corrupt_video`,
/// `too_large`, `timed_out`). An animation keeps its first frame's PDQ from the image side; its frames are sampled
/// like a video's (an animated GIF is often a clip), and a GIF of one frame is a still image with no vPDQ.
final class VideoAnalyser: ContentAnalyser {
    let options: ImageHashingOptions
    private let hasher: VideoHasher
    private var buffer: ContentBuffer
    private var kind = Kind.video
    /// The item's open file, and whether it outgrew the buffer and is to be decoded from there.
    private var rereadable: Int32?
    private var decodeFromFile = false
    private lazy var pdq = PDQHasher()

    /// GIFs go through FFmpeg like videos (the reference's vPDQ decodes them so); animated WebP through
    /// libwebpdemux, because FFmpeg's WebP decoder reads no animation.
    private enum Kind { case video, gif, animatedWebP }

    init(options: ImageHashingOptions) {
        self.options = options
        buffer = ContentBuffer(limit: options.maxVideoBytes)
        hasher = VideoHasher(limits: options.videoLimits)
    }

    func wants(head: UnsafeRawBufferPointer, rereadable: Int32?) -> Bool {
        self.rereadable = rereadable
        decodeFromFile = false
        if VideoFormat.sniff(head) != nil {
            kind = .video
        } else if ImageFormat.sniff(head) == .gif {
            kind = .gif
        } else if WebPAnimation.sniff(head) {
            kind = .animatedWebP
        } else {
            return false
        }
        return true
    }

    func consume(_ chunk: UnsafeRawBufferPointer) -> ScanError? {
        if decodeFromFile || buffer.append(chunk) { return nil }
        if kind == .video, rereadable != nil {
            buffer.release()
            decodeFromFile = true
            return nil
        }
        return ScanError(.tooLarge, "video larger than \(options.maxVideoBytes) bytes and not in a file that can be read again; not decoded")
    }

    func finish(into file: inout HashedFile) {
        defer { buffer.release() }
        if kind == .animatedWebP {
            hashWebPAnimation(into: &file)
            return
        }
        let outcome: VideoHasher.Outcome
        if decodeFromFile, let rereadable {
            outcome = hasher.hash(descriptor: rereadable, size: Int(file.size), secondsPerHash: options.vpdqSecondsPerHash)
        } else {
            outcome = buffer.bytes.withUnsafeBytes { hasher.hash($0, secondsPerHash: options.vpdqSecondsPerHash) }
        }
        switch outcome {
        case .hashed(let info, let frames):
            // A still GIF is an image: its PDQ is the image side's, and one frame is no video.
            if kind == .gif, info.framesDecoded <= 1 { return }
            file.video = info
            file.hashes.vpdq = frames
        case .notVideo:
            break
        case .failed(let error, let info):
            // A GIF FFmpeg cannot read is the image side's to judge (its error, if any, is already there).
            if kind == .gif { return }
            // What the header said, when it said anything (a video over the limits names its size).
            if let info, !info.codec.isEmpty { file.video = info }
            file.imageError = file.imageError ?? error
        }
    }

    /// Every Nth frame of an animated WebP, N from its average frame rate as for a video (the reference's rule);
    /// each frame the whole canvas, hashed at its own size like a video frame, timestamped by its start.
    private func hashWebPAnimation(into file: inout HashedFile) {
        let limits = ImageLimits(maxPixels: min(options.maxPixels, options.videoLimits.maxPixels), maxFileBytes: options.maxVideoBytes)
        var frames: [VPDQFrame] = []
        var frameMod = 1
        let outcome = buffer.bytes.withUnsafeBytes { bytes in
            if case .success(let facts) = WebPAnimation.facts(bytes, limits: limits) {
                frameMod = max(1, Int(options.vpdqSecondsPerHash * facts.frameRate))
            }
            return WebPAnimation.frames(bytes, limits: limits, maxFrames: options.videoLimits.maxFrames,
                                        budgetSeconds: options.videoLimits.maxSeconds,
                                        wanted: { index, _ in index % frameMod == 0 }) { raster, index, start in
                let result = pdq.hash(raster, preScale: .full)
                frames.append(VPDQFrame(frame: index, timestamp: start, pdq: result.hash, quality: result.quality))
                return true
            }
        }
        switch outcome {
        case .success(let facts):
            file.video = VideoInfo(container: "webp", codec: "webp", width: facts.canvasWidth, height: facts.canvasHeight,
                                   duration: facts.durationSeconds, frameRate: facts.frameRate,
                                   framesDecoded: facts.frameCount, framesHashed: frames.count)
            file.hashes.vpdq = frames
        case .failure(let error):
            file.imageError = file.imageError ?? error
        }
    }

    func discard() {
        buffer.release()
        decodeFromFile = false
    }
}
