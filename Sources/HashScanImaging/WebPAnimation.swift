internal import CHashScanWebP
package import HashScanCore
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// The frames of an animated WebP, each the whole canvas as libwebpdemux composes it (blending and disposal
/// applied), in RGB with the alpha dropped as for still images. FFmpeg's WebP decoder reads no animation, so
/// animated WebP is decoded here and handed to vPDQ frame by frame; only one canvas exists at a time.
package enum WebPAnimation {
    /// What the container says about the animation.
    package struct Facts: Sendable, Equatable {
        package var canvasWidth: Int
        package var canvasHeight: Int
        package var frameCount: Int
        /// The sum of the frames' durations.
        package var durationSeconds: Double
        /// Frames a second on average, 0 when the frames claim no duration.
        package var frameRate: Double { durationSeconds > 0 ? Double(frameCount) / durationSeconds : 0 }
    }

    /// Whether the bytes start like an animated WebP (the VP8X header's animation flag), from the first 21 bytes.
    package static func sniff(_ head: UnsafeRawBufferPointer) -> Bool {
        let view = ByteView(head)
        return view.matches(0, "RIFF") && view.matches(8, "WEBP") && view.matches(12, "VP8X") && (view.u8(20) ?? 0) & 0x02 != 0
    }

    /// The animation's facts, from the frame headers alone (no pixel is decoded).
    package static func facts(_ bytes: UnsafeRawBufferPointer, limits: ImageLimits) -> Result<Facts, ScanError> {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count > 0 else {
            return .failure(ScanError(.corruptImage, "animated WebP input is empty"))
        }
        if let error = limits.check(byteCount: bytes.count, format: .webp) { return .failure(error) }
        var data = WebPData(bytes: base, size: bytes.count)
        guard let demux = WebPDemux(&data) else {
            return .failure(ScanError(.corruptImage, "animated WebP container is invalid or truncated"))
        }
        defer { WebPDemuxDelete(demux) }
        let width = Int(WebPDemuxGetI(demux, WEBP_FF_CANVAS_WIDTH))
        let height = Int(WebPDemuxGetI(demux, WEBP_FF_CANVAS_HEIGHT))
        if let error = limits.check(width: width, height: height, format: .webp) { return .failure(error) }
        let count = Int(WebPDemuxGetI(demux, WEBP_FF_FRAME_COUNT))
        guard count > 0 else { return .failure(ScanError(.corruptImage, "animated WebP has no frame")) }
        var milliseconds = 0
        var iterator = WebPIterator()
        if WebPDemuxGetFrame(demux, 1, &iterator) != 0 {
            repeat { milliseconds += Int(max(0, iterator.duration)) } while WebPDemuxNextFrame(&iterator) != 0
            WebPDemuxReleaseIterator(&iterator)
        }
        return .success(Facts(canvasWidth: width, canvasHeight: height, frameCount: count, durationSeconds: Double(milliseconds) / 1000))
    }

    /// Decodes the frames in order and calls `body` with each one `wanted` selects (by index and start time in
    /// seconds); `body` returns false to stop. Limits: the canvas and input size from `limits` (checked before the
    /// canvas exists), at most `maxFrames` frames, and `budgetSeconds` of wall clock for the whole decode (nil: none).
    package static func frames(
        _ bytes: UnsafeRawBufferPointer, limits: ImageLimits, maxFrames: Int, budgetSeconds: Double?,
        wanted: (Int, Double) -> Bool, body: (PixelRaster, Int, Double) -> Bool
    ) -> Result<Facts, ScanError> {
        let facts: Facts
        switch Self.facts(bytes, limits: limits) {
        case .success(let value): facts = value
        case .failure(let error): return .failure(error)
        }
        if facts.frameCount > maxFrames {
            return .failure(ScanError(.tooLarge, "animated WebP has \(facts.frameCount) frames, more than the limit of \(maxFrames)"))
        }
        var options = WebPAnimDecoderOptions()
        guard WebPAnimDecoderOptionsInit(&options) != 0 else {
            return .failure(ScanError(.unsupportedFormat, "libwebpdemux refused its own options (version mismatch)"))
        }
        options.color_mode = MODE_RGBA
        options.use_threads = 0
        var data = WebPData(bytes: bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), size: bytes.count)
        guard let decoder = WebPAnimDecoderNew(&data, &options) else {
            return .failure(ScanError(.corruptImage, "animated WebP cannot be opened"))
        }
        defer { WebPAnimDecoderDelete(decoder) }
        let deadline = budgetSeconds.map { ContinuousClock.now + .milliseconds(Int64(min(max(0, $0), 1e9) * 1000)) }
        let width = facts.canvasWidth, height = facts.canvasHeight
        var index = 0
        var start = 0
        while WebPAnimDecoderHasMoreFrames(decoder) != 0 {
            var canvas: UnsafeMutablePointer<UInt8>?
            var end: Int32 = 0
            guard WebPAnimDecoderGetNext(decoder, &canvas, &end) != 0, let canvas else {
                return .failure(ScanError(.corruptImage, "animated WebP frame \(index) is corrupt or truncated"))
            }
            if wanted(index, Double(start) / 1000) {
                let pixels = [UInt8](unsafeUninitializedCapacity: width * height * 3) { buffer, initialized in
                    for pixel in 0..<(width * height) {
                        buffer[pixel * 3] = canvas[pixel * 4]
                        buffer[pixel * 3 + 1] = canvas[pixel * 4 + 1]
                        buffer[pixel * 3 + 2] = canvas[pixel * 4 + 2]
                    }
                    initialized = width * height * 3
                }
                if !body(PixelRaster(width: width, height: height, channels: 3, pixels: pixels), index, Double(start) / 1000) {
                    return .success(facts)
                }
            }
            index += 1
            start = Int(end)
            if let deadline, ContinuousClock.now > deadline {
                return .failure(ScanError(.timedOut, "animated WebP took longer than its time budget after \(index) frames"))
            }
        }
        guard index == facts.frameCount else {
            return .failure(ScanError(.corruptImage, "animated WebP gave \(index) of its \(facts.frameCount) frames"))
        }
        return .success(facts)
    }
}
