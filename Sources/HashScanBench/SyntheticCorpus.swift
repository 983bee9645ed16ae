import Foundation
import HashScanCore

/// Writes a reproducible corpus of about `bytes` bytes from a seed: photo-like JPEGs (45% of the bytes),
/// graphic-like PNGs (15%) and other files of mixed sizes (the rest, incompressible like video or archives),
/// spread over a few folders. The plan (names, sizes, each file's own seed) is drawn first, in order, so
/// generating on several threads gives the same files.
struct SyntheticCorpus {
    enum Kind {
        case jpeg(width: Int, height: Int, quality: Int, subsampled: Bool)
        case png(width: Int, height: Int)
        case other(size: Int)
    }

    struct Planned {
        let path: String
        let kind: Kind
        let seed: UInt64
    }

    /// Camera and phone sizes (landscape; a quarter are turned to portrait), smallest first.
    static let jpegSizes = [(640, 480), (800, 600), (1024, 768), (1280, 960), (1600, 1200), (1920, 1080),
                            (2048, 1536), (2592, 1944), (3264, 2448), (4000, 3000)]
    static let pngSizes = [(320, 240), (640, 480), (800, 600), (1024, 768), (1280, 720), (1920, 1080)]
    /// Encoded bytes per pixel the plan assumes (measured on this generator: JPEG at quality 80-95, PNG level 6).
    static let jpegBytesPerPixel = 0.21, pngBytesPerPixel = 0.26

    let root: String
    let plan: [Planned]

    init(root: String, bytes: Int, seed: UInt64) {
        self.root = root
        var random = SeededRandom(seed: seed)
        var plan: [Planned] = []
        func name(_ index: Int, _ suffix: String) -> String {
            "\(root)/\(Self.folder(index % 8))/f\(String(format: "%05d", index)).\(suffix)"
        }
        var jpegBudget = Double(bytes) * 0.45, pngBudget = Double(bytes) * 0.15
        var otherBudget = Double(bytes) - jpegBudget - pngBudget
        // Images: a random size among those that fit what is left; at least one of each kind.
        var first = true
        while first || jpegBudget > 0 {
            let fitting = Self.jpegSizes.filter { Double($0.0 * $0.1) * Self.jpegBytesPerPixel <= jpegBudget }
            let (w, h) = fitting.isEmpty ? Self.jpegSizes[0] : fitting[random.below(fitting.count)]
            let portrait = random.below(4) == 0
            let kind = Kind.jpeg(width: portrait ? h : w, height: portrait ? w : h, quality: 80 + random.below(16),
                                 subsampled: random.below(5) != 0)
            plan.append(Planned(path: name(plan.count, "jpg"), kind: kind, seed: random.next()))
            jpegBudget -= Double(w * h) * Self.jpegBytesPerPixel
            first = false
        }
        first = true
        while first || pngBudget > 0 {
            let fitting = Self.pngSizes.filter { Double($0.0 * $0.1) * Self.pngBytesPerPixel <= pngBudget }
            let (w, h) = fitting.isEmpty ? Self.pngSizes[0] : fitting[random.below(fitting.count)]
            plan.append(Planned(path: name(plan.count, "png"), kind: .png(width: w, height: h), seed: random.next()))
            pngBudget -= Double(w * h) * Self.pngBytesPerPixel
            first = false
        }
        // Other files: log-uniform sizes from 1 KiB to 8 MiB (or a quarter of their budget, if less).
        let largest = max(2048.0, min(Double(8 << 20), otherBudget / 4))
        first = true
        while first || otherBudget > 0 {
            let size = Int(1024 * pow(largest / 1024, Double(random.unit())))
            plan.append(Planned(path: name(plan.count, "bin"), kind: .other(size: size), seed: random.next()))
            otherBudget -= Double(size)
            first = false
        }
        // Interleave kinds across folders, as real uploads mix them.
        var shuffler = SeededRandom(seed: seed ^ 0x5EED)
        self.plan = plan.shuffled(using: &shuffler)
    }

    /// Generates every planned file on `jobs` threads; files are created through `area` (so a signal's
    /// clean-up cannot race a write).
    func generate(jobs: Int, area: TemporaryArea, progress: BenchProgress) throws(BenchError) {
        for folder in 0..<8 {
            let made = area.creatingFiles { mkdir("\(root)/\(Self.folder(folder))", 0o755) }
            guard made == 0 else { throw BenchError(.cannotCreate, "cannot create the synthetic corpus in \(root)") }
        }
        let plan = self.plan
        let failure = FailureFlag()
        let done = Counter()
        runOnThreads(max(1, min(jobs, plan.count))) { worker, workers in
            var index = worker
            while index < plan.count, !failure.isSet {
                let item = plan[index]
                let bytes = Self.contents(of: item)
                let written = bytes.flatMap { bytes in area.creatingFiles { Self.store(bytes, at: item.path) } } ?? false
                if written != true { failure.set() }
                progress.update("generating the synthetic corpus: \(done.increment()) of \(plan.count) files")
                index += workers
            }
        }
        if failure.isSet { throw BenchError(.cannotCreate, "cannot write the synthetic corpus in \(root)") }
    }

    static func folder(_ index: Int) -> String { "d" + String(format: "%02d", index) }

    private static func contents(of item: Planned) -> [UInt8]? {
        var random = SeededRandom(seed: item.seed)
        switch item.kind {
        case .jpeg(let width, let height, let quality, let subsampled):
            let pixels = PictureSynthesizer.photo(width: width, height: height, random: &random)
            return PictureEncoder.jpeg(pixels, width: width, height: height, quality: quality, chromaSubsampled: subsampled)
        case .png(let width, let height):
            let pixels = PictureSynthesizer.graphic(width: width, height: height, random: &random)
            return PictureEncoder.png(pixels, width: width, height: height)
        case .other(let size):
            var bytes = [UInt8](repeating: 0, count: size)
            bytes.withUnsafeMutableBytes { random.fill($0) }
            return bytes
        }
    }

    private static func store(_ bytes: [UInt8], at path: String) -> Bool {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }
}
