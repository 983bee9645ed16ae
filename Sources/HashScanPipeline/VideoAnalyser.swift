import HashScanCore
import HashScanVideo

/// Videos: collects the bytes of a file that sniffs as a video container (up to `maxVideoBytes`) during the read
/// pass, then decodes it once from memory and adds its vPDQ (`hashes.vpdq`) and a `video` object. A video that
/// cannot be decoded keeps its digests and says why (`corrupt_video`, `too_large`, `timed_out`).
final class VideoAnalyser: ContentAnalyser {
    let options: ImageHashingOptions
    private let hasher: VideoHasher
    private var buffer: ContentBuffer

    init(options: ImageHashingOptions) {
        self.options = options
        buffer = ContentBuffer(limit: options.maxVideoBytes)
        hasher = VideoHasher(limits: options.videoLimits)
    }

    func wants(head: UnsafeRawBufferPointer) -> Bool {
        VideoFormat.sniff(head) != nil
    }

    func consume(_ chunk: UnsafeRawBufferPointer) -> ScanError? {
        buffer.append(chunk) ? nil : ScanError(.tooLarge, "video file larger than \(options.maxVideoBytes) bytes; not decoded")
    }

    func finish(into file: inout HashedFile) {
        defer { buffer.release() }
        let outcome = buffer.bytes.withUnsafeBytes { hasher.hash($0, secondsPerHash: options.vpdqSecondsPerHash) }
        switch outcome {
        case .hashed(let info, let frames):
            file.video = info
            file.hashes.vpdq = frames
        case .notVideo:
            break
        case .failed(let error, let info):
            // What the header said, when it said anything (a video over the limits names its size).
            if let info, !info.codec.isEmpty { file.video = info }
            file.imageError = file.imageError ?? error
        }
    }

    func discard() { buffer.release() }
}
