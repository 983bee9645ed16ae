// Image micro-benchmarks (issue #3): the PDQ core, TurboJPEG / libpng decodes of generated 4000x3000 images,
// and decode + PDQ end to end through the scan pipeline.
//
// Run from Benchmarks/: swift package --disable-sandbox benchmark --target ImagingBenchmarks (see README.md).
// One iteration = one image (or one 512x512 hash), so `Time (wall clock)` reads per image.
//
// HashScanImaging's decoder is package-internal, so the decode-only benchmarks call TurboJPEG and libpng the
// way it does (tjDecompress2 with flags 0: accurate integer IDCT, smooth upsampling; TJPF_RGB or TJPF_GRAY at
// a TJSCALED size). The end-to-end benchmarks run the real pipeline (`ScanRunner`: read, sniff, ImageDecoder,
// PDQHasher, JSON record to /dev/null) on a file in /dev/shm, one file per iteration, one job.

import Benchmark
import CImagingBenchmarkCodecs
import Foundation
import HashScan

/// Deterministic photo-like pixels: broad gradients, soft-edged ellipses, a ripple texture and +-6 noise, so
/// JPEG entropy decoding costs what it does on a photo (about 2.5 MB at quality 90 for 12 MP).
private func photoLike(width: Int, height: Int, seed: UInt32 = 42) -> [UInt8] {
    var state = seed | 1
    func next() -> UInt32 {
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        return state
    }
    var plane = [Float](repeating: 0, count: width * height * 3)
    let grid = (0..<(6 * 5 * 3)).map { _ in Float(next() % 200 + 28) }
    plane.withUnsafeMutableBufferPointer { out in
        for y in 0..<height {
            let gy = Float(y) / Float(height) * 3.999
            let row = Int(gy), fy = gy - Float(row)
            for x in 0..<width {
                let gx = Float(x) / Float(width) * 4.999
                let column = Int(gx), fx = gx - Float(column)
                for c in 0..<3 {
                    let top = grid[(row * 6 + column) * 3 + c] * (1 - fx) + grid[(row * 6 + column + 1) * 3 + c] * fx
                    let bottom = grid[((row + 1) * 6 + column) * 3 + c] * (1 - fx) + grid[((row + 1) * 6 + column + 1) * 3 + c] * fx
                    out[(y * width + x) * 3 + c] = top * (1 - fy) + bottom * fy
                }
            }
        }
        for _ in 0..<24 {
            let cx = Float(next() % UInt32(width)), cy = Float(next() % UInt32(height))
            let rx = Float(next() % UInt32(width / 5) + UInt32(width / 40)), ry = Float(next() % UInt32(height / 5) + UInt32(height / 40))
            let colour = (0..<3).map { _ in Float(next() % 256) }
            let y0 = max(0, Int(cy - ry * 1.05)), y1 = min(height - 1, Int(cy + ry * 1.05))
            let x0 = max(0, Int(cx - rx * 1.05)), x1 = min(width - 1, Int(cx + rx * 1.05))
            guard y0 <= y1, x0 <= x1 else { continue }
            for y in y0...y1 {
                let dy = (Float(y) - cy) / ry
                for x in x0...x1 {
                    let dx = (Float(x) - cx) / rx
                    let d = dx * dx + dy * dy
                    guard d < 1.1 else { continue }
                    let alpha = min(1, (1.1 - d) * 10)
                    for c in 0..<3 { out[(y * width + x) * 3 + c] += (colour[c] - out[(y * width + x) * 3 + c]) * alpha }
                }
            }
        }
    }
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for y in 0..<height {
        for x in 0..<width {
            let ripple = Float((x &* 7 &+ y &* 3) % 23) - 11
            let grain = Float(Int(next() % 13) - 6)
            for c in 0..<3 {
                let offset = (y * width + x) * 3 + c
                pixels[offset] = UInt8(max(0, min(255, plane[offset] + ripple * 0.6 + grain)))
            }
        }
    }
    return pixels
}

private func encodeJPEG(_ pixels: [UInt8], width: Int, height: Int, quality: Int32 = 90) -> [UInt8] {
    let handle = tjInitCompress()!
    defer { tjDestroy(handle) }
    var output: UnsafeMutablePointer<UInt8>?
    var size: UInt = 0
    let status = pixels.withUnsafeBufferPointer {
        tjCompress2(handle, $0.baseAddress, Int32(width), 0, Int32(height), Int32(TJPF_RGB.rawValue), &output, &size,
                    Int32(TJSAMP_420.rawValue), quality, 0)
    }
    precondition(status == 0, "tjCompress2 failed")
    defer { tjFree(output) }
    return Array(UnsafeBufferPointer(start: output, count: Int(size)))
}

private func encodePNG(_ pixels: [UInt8], width: Int, height: Int) -> [UInt8] {
    var image = png_image()
    image.version = UInt32(PNG_IMAGE_VERSION)
    image.width = UInt32(width)
    image.height = UInt32(height)
    image.format = UInt32(PNG_FORMAT_RGB)
    var size = 0
    _ = pixels.withUnsafeBufferPointer { png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, 0, nil) }
    var output = [UInt8](repeating: 0, count: size)
    let status = output.withUnsafeMutableBytes { out in
        pixels.withUnsafeBufferPointer { png_image_write_to_memory(&image, out.baseAddress, &size, 0, $0.baseAddress, 0, nil) }
    }
    precondition(status != 0 && size > 0, "png_image_write_to_memory failed")
    return Array(output.prefix(size))
}

/// One TurboJPEG decompressor and an output buffer, as ImageDecoder keeps per worker.
private final class JPEGDecoder {
    let handle = tjInitDecompress()!
    var output = [UInt8](repeating: 0, count: 4000 * 3000 * 3)
    deinit { tjDestroy(handle) }

    /// Decodes at 1/`denominator` to `format`; returns the output size.
    func decode(_ jpeg: [UInt8], denominator: Int32, format: TJPF) -> (Int, Int) {
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        jpeg.withUnsafeBufferPointer { tjDecompressHeader3(handle, $0.baseAddress, UInt($0.count), &width, &height, &subsampling, &colorspace) }
        let w = (width + denominator - 1) / denominator, h = (height + denominator - 1) / denominator  // TJSCALED
        let status = output.withUnsafeMutableBufferPointer { out in
            jpeg.withUnsafeBufferPointer { tjDecompress2(handle, $0.baseAddress, UInt($0.count), out.baseAddress, w, 0, h, Int32(format.rawValue), 0) }
        }
        precondition(status == 0, "tjDecompress2 failed")
        return (Int(w), Int(h))
    }
}

private func decodePNG(_ png: [UInt8], into output: inout [UInt8]) {
    var image = png_image()
    image.version = UInt32(PNG_IMAGE_VERSION)
    let begun = png.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
    precondition(begun != 0, "png_image_begin_read_from_memory failed")
    image.format = UInt32(PNG_FORMAT_RGB)
    let finished = output.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
    precondition(finished != 0, "png_image_finish_read failed")
}

/// Generated once per process, only when a benchmark that needs it runs.
private enum Inputs {
    static let pixels = photoLike(width: 4000, height: 3000)
    static let jpeg = encodeJPEG(pixels, width: 4000, height: 3000)
    static let png = encodePNG(pixels, width: 4000, height: 3000)
    static let lumaPlane: [Float] = {
        // The 512x512 luma of the same scene (nearest neighbour from the 4000x3000 pixels).
        (0..<(512 * 512)).map { index in
            let y = (index / 512) * 3000 / 512, x = (index % 512) * 4000 / 512
            let p = (y * 4000 + x) * 3
            return 0.299 * Float(pixels[p]) + 0.587 * Float(pixels[p + 1]) + 0.114 * Float(pixels[p + 2])
        }
    }()
    static let raster512: PixelRaster = {
        var rgb = [UInt8](repeating: 0, count: 512 * 512 * 3)
        for index in 0..<(512 * 512) {
            let y = (index / 512) * 3000 / 512, x = (index % 512) * 4000 / 512
            for c in 0..<3 { rgb[index * 3 + c] = pixels[(y * 4000 + x) * 3 + c] }
        }
        return PixelRaster(width: 512, height: 512, channels: 3, pixels: rgb)
    }()
    /// The files the end-to-end benchmarks scan (tmpfs, so no storage is measured).
    static let directory: String = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let path = "\(base)/hashscan-imaging-bench-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let written = FileManager.default.createFile(atPath: "\(path)/photo-4000x3000.jpg", contents: Data(jpeg))
            && FileManager.default.createFile(atPath: "\(path)/photo-4000x3000.png", contents: Data(png))
        precondition(written, "could not write the benchmark images to \(path)")
        atexit { try? FileManager.default.removeItem(atPath: "/dev/shm/hashscan-imaging-bench-\(getpid())") }
        return path
    }()
}

/// decode + PDQ through the scan pipeline, one file, one job, records to /dev/null.
private func scan(_ file: String, fastPath: Bool, devNull: Int32) {
    var options = ScanOptions(algorithms: [], jobs: 1)
    options.image.algorithms = [.pdq]
    options.image.jpegFastPath = fastPath
    options.emitCleanFiles = true
    let summary = try! ScanRunner(options: options).run(inputs: [.path(RawPath(file))], outputDescriptor: devNull)
    precondition(summary.errors == 0, "the scan reported errors")
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal],
        timeUnits: .microseconds,
        warmupIterations: 2,
        maxDuration: .seconds(3),
        maxIterations: 2_000
    )

    // One hasher per benchmark, as the pipeline keeps one per worker, warmed by a hash before the measured
    // region: a hasher's first hash of a size allocates its scratch buffers (about 1 MB for 512x512) and
    // faults them in, which cost more than the hash itself and is not what a per-image figure is about.
    // (Creating the hasher inside the closure made every sample such a first hash: 1.3 ms instead of 0.3.)
    let coreHasher = PDQHasher(), rasterHasher = PDQHasher(), dihedralHasher = PDQHasher()
    let fullHasher = PDQHasher(), referenceHasher = PDQHasher()
    Benchmark("PDQ core, 512x512 luma plane") { benchmark in
        let plane = Inputs.lumaPlane
        blackHole(coreHasher.hash(luma: plane, width: 512, height: 512))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(coreHasher.hash(luma: plane, width: 512, height: 512)) }
    }
    Benchmark("PDQ first hash of a new hasher, 512x512 luma plane (buffers allocated and faulted in)") { benchmark in
        let plane = Inputs.lumaPlane
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(PDQHasher().hash(luma: plane, width: 512, height: 512)) }
    }
    Benchmark("PDQ from a 512x512 RGB raster (luma + core)") { benchmark in
        let raster = Inputs.raster512
        blackHole(rasterHasher.hash(raster))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(rasterHasher.hash(raster)) }
    }
    Benchmark("PDQ from a 512x512 RGB raster, 8 dihedral variants") { benchmark in
        let raster = Inputs.raster512
        blackHole(dihedralHasher.hash(raster, dihedral: true))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(dihedralHasher.hash(raster, dihedral: true)) }
    }
    Benchmark("PDQ full convention, 4000x3000 RGB raster (no pre-scale)", configuration: .init(maxDuration: .seconds(4), maxIterations: 50)) { benchmark in
        let raster = PixelRaster(width: 4000, height: 3000, channels: 3, pixels: Inputs.pixels)
        blackHole(fullHasher.hash(raster, preScale: .full))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(fullHasher.hash(raster, preScale: .full)) }
    }
    Benchmark("PDQ reference convention, 4000x3000 RGB raster (NN to 512x512 + core)") { benchmark in
        let raster = PixelRaster(width: 4000, height: 3000, channels: 3, pixels: Inputs.pixels)
        blackHole(referenceHasher.hash(raster, preScale: .reference))
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(referenceHasher.hash(raster, preScale: .reference)) }
    }

    for (name, denominator, format) in [("full RGB (exact path)", Int32(1), TJPF_RGB),
                                        ("1/4 Y plane (fast path, reference convention: 1000x750)", 4, TJPF_GRAY),
                                        ("1/2 Y plane (fast path, full convention: 2000x1500)", 2, TJPF_GRAY),
                                        ("1/8 Y plane (500x375, the floor)", 8, TJPF_GRAY),
                                        ("1/4 RGB (fast path with colour hashes)", 4, TJPF_RGB)] {
        Benchmark("JPEG 4000x3000 q90 4:2:0 decode, \(name)") { benchmark in
            let decoder = JPEGDecoder()
            let jpeg = Inputs.jpeg
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole(decoder.decode(jpeg, denominator: denominator, format: format)) }
        }
    }
    Benchmark("PNG 4000x3000 RGB decode (libpng simplified API)", configuration: .init(maxDuration: .seconds(4), maxIterations: 100)) { benchmark in
        var output = [UInt8](repeating: 0, count: 4000 * 3000 * 3)
        let png = Inputs.png
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { decodePNG(png, into: &output) }
        blackHole(output[0])
    }

    let devNull = open("/dev/null", O_WRONLY)
    for (name, file, fastPath) in [("JPEG 4000x3000, fast path (default)", "photo-4000x3000.jpg", true),
                                   ("JPEG 4000x3000, exact decode", "photo-4000x3000.jpg", false),
                                   ("PNG 4000x3000", "photo-4000x3000.png", true)] {
        Benchmark("End to end: decode + PDQ (reference) through ScanRunner, \(name)",
                  configuration: .init(maxDuration: .seconds(4), maxIterations: 200)) { benchmark in
            let path = "\(Inputs.directory)/\(file)"
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { scan(path, fastPath: fastPath, devNull: devNull) }
        }
    }
}
