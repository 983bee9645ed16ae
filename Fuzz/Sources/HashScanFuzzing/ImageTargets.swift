import HashScanCore
import HashScanHashing
import HashScanImaging
import HashScanVideo

/// The image and video decoders, each followed by the hashes the scanner computes from what they return.
enum ImageTargets {
    /// Smaller than the scanner's defaults so one input costs milliseconds; the checks are the same code.
    static let limits = ImageLimits(maxPixels: 1 << 20, maxFileBytes: 4 << 20, maxJPEGScans: 100)

    static var videoLimits: VideoLimits {
        var limits = VideoLimits()
        limits.maxPixels = 1 << 20
        limits.maxFrames = 100
        limits.maxDuration = 600
        limits.maxSeconds = 2
        return limits
    }

    private struct Workers {
        let decoder = ImageDecoder(limits: ImageTargets.limits)
        let pdq = PDQHasher()
        let perceptual = PerceptualHasher()
        let video = VideoHasher(limits: ImageTargets.videoLimits)
    }

    private static let workers = Reused(Workers())

    static let all: [FuzzTarget] = [
        FuzzTarget("jpeg", "libjpeg-turbo through the JPEG reader: markers, EXIF, scans; full and DCT-scaled decodes",
                   dictionary: "jpeg") { decode($0, as: .jpeg) },
        FuzzTarget("png", "libpng through the PNG codec (C): chunks, bit depths, palettes, eXIf", dictionary: "png") { decode($0, as: .png) },
        FuzzTarget("gif", "giflib from memory: first frame, extensions, palettes", dictionary: "gif") { decode($0, as: .gif) },
        FuzzTarget("webp", "libwebp stills, and animations through libwebpdemux frame by frame", dictionary: "webp") { webp($0) },
        FuzzTarget("bmp", "the hand-written BMP reader: headers, bit fields, palettes, RLE, top-down rows", dictionary: "bmp") {
            decode($0, as: .bmp)
        },
        FuzzTarget("heif", "libheif (HEIC through libde265, AVIF through libaom): grids, transformations, alpha",
                   dictionary: "heif") { decode($0, as: .heif) },
        FuzzTarget("image", "format sniffing, then whichever decoder the bytes select") { sniffed($0) },
        FuzzTarget("exif", "the EXIF orientation reader over TIFF-structured blocks", dictionary: "exif") { exif($0) },
        FuzzTarget("video", "FFmpeg from memory under the scanner's limits and time budget, then vPDQ of every frame",
                   dictionary: "video") { video($0) },
    ]

    static func decode(_ bytes: UnsafeRawBufferPointer, as format: ImageFormat) -> FuzzTarget.Outcome {
        workers.with { workers in
            let outcome = accept(workers.decoder.decode(bytes, as: format), workers)
            if format == .jpeg {
                // The fast path decodes at a reduced DCT scale: its own code path through libjpeg-turbo.
                _ = accept(workers.decoder.decode(bytes, jpegFastPath: JPEGFastPath(minimumSide: 64, lumaOnly: true)), workers)
            }
            return outcome
        }
    }

    static func sniffed(_ bytes: UnsafeRawBufferPointer) -> FuzzTarget.Outcome {
        workers.with { workers in accept(workers.decoder.decode(bytes), workers) }
    }

    static func webp(_ bytes: UnsafeRawBufferPointer) -> FuzzTarget.Outcome {
        workers.with { workers in
            let still = accept(workers.decoder.decode(bytes, as: .webp), workers)
            guard WebPAnimation.sniff(bytes) else { return still }
            var frames = 0
            let result = WebPAnimation.frames(bytes, limits: limits, maxFrames: 50, budgetSeconds: 2, wanted: { _, _ in true }) { raster, index, start in
                fuzzCheck(index == frames, "frame \(index) came after \(frames) frames")
                fuzzCheck(start >= 0 && start.isFinite, "frame start \(start)")
                check(raster, workers)
                frames += 1
                return true
            }
            if case .success(let facts) = result {
                fuzzCheck(frames == facts.frameCount, "\(frames) frames decoded of \(facts.frameCount) announced")
                return .accepted
            }
            return still
        }
    }

    static func exif(_ bytes: UnsafeRawBufferPointer) -> FuzzTarget.Outcome {
        guard let orientation = EXIFOrientation.read(bytes) else { return .refused }
        fuzzCheck((1...8).contains(orientation), "orientation \(orientation)")
        return .accepted
    }

    static func video(_ bytes: UnsafeRawBufferPointer) -> FuzzTarget.Outcome {
        _ = VideoFormat.sniff(UnsafeRawBufferPointer(rebasing: bytes.prefix(64)))
        return workers.with { workers in
            switch workers.video.hash(bytes, secondsPerHash: 0) {
            case .hashed(let info, let frames):
                fuzzCheck(info.width > 0 && info.height > 0 && info.width * info.height <= videoLimits.maxPixels,
                          "video of \(info.width)x\(info.height)")
                fuzzCheck(frames.count <= videoLimits.maxFrames, "\(frames.count) frames hashed")
                fuzzCheck(frames.allSatisfy { (0...100).contains($0.quality) && $0.pdq.bytes.count == 32 }, "a frame hash out of shape")
                return .accepted
            case .notVideo, .failed: return .refused
            }
        }
    }

    private static func accept(_ result: Result<DecodedImage, ScanError>, _ workers: Workers) -> FuzzTarget.Outcome {
        guard case .success(let image) = result else { return .refused }
        fuzzCheck(image.originalWidth > 0 && image.originalHeight > 0
                  && image.originalWidth * image.originalHeight <= limits.maxPixels,
                  "decoded \(image.originalWidth)x\(image.originalHeight) past the limit")
        fuzzCheck((1...8).contains(image.orientation), "orientation \(image.orientation)")
        check(image.raster, workers)
        return .accepted
    }

    /// The raster is what it claims, and every image hash accepts it.
    private static func check(_ raster: PixelRaster, _ workers: Workers) {
        fuzzCheck(raster.width > 0 && raster.height > 0 && raster.pixels.count == raster.width * raster.height * raster.channels,
                  "raster \(raster.width)x\(raster.height)x\(raster.channels) with \(raster.pixels.count) bytes")
        let pdq = workers.pdq.hash(raster)
        fuzzCheck((0...100).contains(pdq.quality), "PDQ quality \(pdq.quality)")
        let others = workers.perceptual.hashes(raster, algorithms: [.phash, .dhash, .ahash])
        fuzzCheck(others.count == 3, "\(others.count) of 3 perceptual hashes")
    }
}
