import Foundation
import HashScanCore
import HashScanHashing
import HashScanImaging
import HashScanLists
import HashScanPipeline

/// `read(2)`, under a name the stages' own `read` does not shadow.
private func readBytes(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}

/// What one worker did during a stage.
struct Tally: Sendable {
    var items = 0
    var bytes = 0
    var pixels = 0
    var failures = 0

    static func + (a: Tally, b: Tally) -> Tally {
        Tally(items: a.items + b.items, bytes: a.bytes + b.bytes, pixels: a.pixels + b.pixels, failures: a.failures + b.failures)
    }
}

/// The measurements. Each runs `jobs` workers until `seconds` have passed (every worker finishes at least one
/// unit, so a very short run still gives a figure); figures are totals over the workers divided by wall time.
enum Stages {
    static func measure(_ stage: String, jobs: Int, seconds: Double,
                        _ body: @escaping @Sendable (_ worker: Int, _ workers: Int, _ deadline: Double) -> Tally,
                        figures: (Tally, Double) -> [String: Double]) -> StageResult {
        let slots = Slots(jobs, Tally())
        let cpu = BenchClock.cpuSeconds()
        let start = BenchClock.now()
        let deadline = start + seconds
        runOnThreads(jobs) { worker, workers in slots[worker] = body(worker, workers, deadline) }
        let wall = BenchClock.now() - start
        let total = slots.all.reduce(Tally(), +)
        return StageResult(stage: stage, jobs: jobs, seconds: wall, cpuSeconds: BenchClock.cpuSeconds() - cpu,
                           figures: figures(total, wall), failures: total.failures)
    }

    // MARK: Storage

    /// Reads whole files with `read()` into a 1 MiB buffer, as the pipeline does, each file's cached pages
    /// dropped first so the figure is the storage's, not the page cache's (where the file system allows it:
    /// tmpfs keeps them).
    static func read(_ files: [CorpusSample.File], jobs: Int, seconds: Double) -> StageResult {
        measure("read", jobs: jobs, seconds: seconds, { worker, workers, deadline in
            var tally = Tally()
            guard !files.isEmpty else { return tally }
            let size = 1 << 20
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 4096)
            defer { buffer.deallocate() }
            var index = worker * files.count / workers
            repeat {
                let descriptor = open(files[index].path, O_RDONLY | O_CLOEXEC)
                if descriptor < 0 {
                    tally.failures += 1
                } else {
                    dropCachedPages(descriptor)
                    var failed = false
                    while true {
                        let n = readBytes(descriptor, buffer, size)
                        if n < 0 && errno == EINTR { continue }
                        if n <= 0 { failed = n < 0; break }
                        tally.bytes += n
                        if BenchClock.now() >= deadline { break }
                    }
                    close(descriptor)
                    if failed { tally.failures += 1 } else { tally.items += 1 }
                }
                index = (index + 1) % files.count
            } while BenchClock.now() < deadline
            return tally
        }, figures: { t, s in ["mb_per_second": Double(t.bytes) / 1e6 / s, "files_per_second": Double(t.items) / s] })
    }

    static func dropCachedPages(_ descriptor: Int32) {
        #if os(Linux)
        _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_DONTNEED)
        #endif
    }

    static func dropCachedPages(of files: [CorpusSample.File]) {
        for file in files {
            let descriptor = open(file.path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
            guard descriptor >= 0 else { continue }
            dropCachedPages(descriptor)
            close(descriptor)
        }
    }

    // MARK: Digests

    /// Digests 1 MiB messages in 256 KiB updates (the pipeline's read size) from memory.
    static func digest(_ stage: String, _ algorithms: [HashAlgorithm], message: [UInt8], jobs: Int, seconds: Double) -> StageResult {
        measure(stage, jobs: jobs, seconds: seconds, { _, _, deadline in
            var tally = Tally()
            guard let digester = try? MultiDigester(algorithms: algorithms) else { return Tally(failures: 1) }
            message.withUnsafeBytes { bytes in
                repeat {
                    digester.reset()
                    var offset = 0
                    while offset < bytes.count {
                        let end = min(bytes.count, offset + (256 << 10))
                        digester.update(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
                        offset = end
                    }
                    _ = digester.finish()
                    tally.bytes += bytes.count
                    tally.items += 1
                } while BenchClock.now() < deadline
            }
            return tally
        }, figures: { t, s in ["mb_per_second": Double(t.bytes) / 1e6 / s] })
    }

    // MARK: Images

    enum ImageWork: String, CaseIterable {
        /// Decode as a scan with PDQ does: large JPEGs DCT-scaled to the luma plane (the default fast path).
        case decode
        /// That decode, then PDQ (reference convention).
        case pdq
        /// Decode in colour at the fast path's scale (as a scan with pHash does), then pHash.
        case phash
    }

    static func image(_ format: ImageFormat, _ work: ImageWork, images: [[UInt8]], jobs: Int, seconds: Double) -> StageResult {
        measure("image.\(format.rawValue).\(work.rawValue)", jobs: jobs, seconds: seconds, { worker, workers, deadline in
            var tally = Tally()
            guard !images.isEmpty else { return tally }
            let decoder = ImageDecoder()
            let pdq = PDQHasher()
            let perceptual = PerceptualHasher()
            // The scan's own fast-path scale for the default (reference) convention.
            let fastPath = JPEGFastPath(minimumSide: ImageHashingOptions().jpegFastPathMinimumSide, lumaOnly: work != .phash)
            var index = worker * images.count / workers
            repeat {
                images[index].withUnsafeBytes { bytes in
                    switch decoder.decode(bytes, jpegFastPath: fastPath) {
                    case .success(let image):
                        switch work {
                        case .decode: break
                        case .pdq: _ = pdq.hash(image.raster, preScale: .reference)
                        case .phash: _ = perceptual.pHash(image.raster)
                        }
                        tally.items += 1
                        tally.bytes += bytes.count
                        tally.pixels += image.originalWidth * image.originalHeight
                    case .failure:
                        tally.failures += 1
                    }
                }
                index = (index + 1) % images.count
            } while BenchClock.now() < deadline
            return tally
        }, figures: { t, s in
            ["images_per_second": Double(t.items) / s, "megapixels_per_second": Double(t.pixels) / 1e6 / s]
        })
    }

    // MARK: Lists

    /// Random keys (absent from any real list: the common case, a file that matches nothing), matched one
    /// at a time as the scan and a match service do, at each list's own PDQ radius.
    static func lookup(_ algorithm: HashAlgorithm, matcher: any HashMatcher, keys: [[FileHashes]], jobs: Int, seconds: Double) -> StageResult {
        measure("lookup.\(algorithm.rawValue)", jobs: jobs, seconds: seconds, { worker, _, deadline in
            var tally = Tally()
            let mine = keys[worker % keys.count]
            var index = 0
            repeat {
                for _ in 0..<32 {
                    _ = matcher.matches(for: mine[index])
                    index = index + 1 == mine.count ? 0 : index + 1
                }
                tally.items += 32
            } while BenchClock.now() < deadline
            return tally
        }, figures: { t, s in ["queries_per_second": Double(t.items) / s] })
    }

    static func keys(_ algorithm: HashAlgorithm, workers: Int, perWorker: Int = 4096, seed: UInt64) -> [[FileHashes]] {
        (0..<workers).map { worker in
            var random = SeededRandom(seed: seed &+ UInt64(worker) &* 0x1000_0001)
            return (0..<perWorker).map { _ in
                var bytes = [UInt8](repeating: 0, count: 32)
                bytes.withUnsafeMutableBytes { random.fill($0) }
                return FileHashes(digests: [algorithm: Digest(bytes: bytes)])
            }
        }
    }

    // MARK: The whole pipeline

    /// `ScanRunner` over the sample, records to /dev/null, cached pages dropped before each pass; whole passes
    /// until `seconds` have passed (at least one). Only the passes are timed.
    static func scan(_ files: [CorpusSample.File], matcher: (any HashMatcher)?, lists: [ScanSummary.ListInfo],
                     jobs: Int, seconds: Double) -> StageResult {
        var options = ScanOptions(algorithms: [.md5, .sha1, .sha256], jobs: jobs)
        options.progress = .none
        let runner = ScanRunner(options: options, matcher: matcher, lists: lists)
        let inputs = files.map { ScanInput.path(RawPath($0.path)) }
        let sink = open("/dev/null", O_WRONLY | O_CLOEXEC)
        defer { if sink >= 0 { close(sink) } }
        var tally = Tally()
        var wall = 0.0, cpu = 0.0
        repeat {
            dropCachedPages(of: files)
            let cpuStart = BenchClock.cpuSeconds(), start = BenchClock.now()
            guard sink >= 0, let summary = try? runner.run(inputs: inputs, outputDescriptor: sink) else {
                tally.failures += max(1, files.count)
                break
            }
            wall += BenchClock.now() - start
            cpu += BenchClock.cpuSeconds() - cpuStart
            tally.items += summary.files
            tally.bytes += Int(summary.bytes)
            tally.failures += summary.errors
        } while wall < seconds
        let seconds = max(wall, 1e-9)
        return StageResult(stage: "scan", jobs: jobs, seconds: wall, cpuSeconds: cpu,
                           figures: ["files_per_second": Double(tally.items) / seconds, "mb_per_second": Double(tally.bytes) / 1e6 / seconds],
                           failures: tally.failures)
    }
}
