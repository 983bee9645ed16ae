import Foundation
import HashScanCore
import HashScanHashing
import HashScanImaging
import HashScanLists
import HashScanPipeline

/// A list the user named, opened by the caller.
package struct BenchList: Sendable {
    package var matcher: any HashMatcher
    package var info: ScanSummary.ListInfo

    package init(matcher: any HashMatcher, info: ScanSummary.ListInfo) {
        self.matcher = matcher
        self.info = info
    }
}

package struct BenchConfiguration: Sendable {
    package enum Source: Sendable {
        /// A corpus of about `bytes` generated from `seed` in a temporary directory, removed afterwards.
        case synthetic(bytes: Int)
        /// The user's files, only ever opened read-only.
        case directory(String)
    }

    package var source: Source
    package var seed: UInt64 = 42
    package var secondsPerStage = 0.5
    /// Stages run at 1, 2, 4, ... and this many jobs.
    package var maxJobs: Int
    /// The user's lists; when empty, a list of `generatedEntries` random SHA-256 and as many PDQ entries is
    /// written to the temporary directory for the run.
    package var lists: [BenchList] = []
    package var generatedEntries = 1_000_000
    /// The sample of a directory corpus: at most this many files and bytes, in name order.
    package var sampleFiles = CorpusSample.defaultMaxFiles
    package var sampleBytes = CorpusSample.defaultMaxBytes
    /// Images of each format held in memory for the image stages.
    package var imagesPerFormat = 64
    package var imageBytesPerFormat = 256 << 20
    package var showProgress = false
    package var hashscanVersion: String

    package init(source: Source, maxJobs: Int, hashscanVersion: String) {
        self.source = source
        self.maxJobs = max(1, maxJobs)
        self.hashscanVersion = hashscanVersion
    }

    /// 1, 2, 4, ... below `maxJobs`, then `maxJobs`.
    package var jobCounts: [Int] {
        var counts: [Int] = []
        var jobs = 1
        while jobs < maxJobs { counts.append(jobs); jobs *= 2 }
        return counts + [maxJobs]
    }
}

/// `hashscan bench`: prepares the corpus and lists, runs every stage at every job count, removes what it made.
package enum Bench {
    package static func run(_ configuration: BenchConfiguration) throws(BenchError) -> BenchReport {
        let date = ISO8601DateFormatter().string(from: Date())
        let progress = BenchProgress(enabled: configuration.showProgress)
        defer { progress.clear() }
        var protected: String? = nil
        if case .directory(let path) = configuration.source { protected = path }
        // Only needed for generated things; a directory corpus with the user's lists writes nothing at all.
        var area: TemporaryArea? = nil
        let needsArea = protected == nil || configuration.lists.isEmpty
        if needsArea {
            area = try TemporaryArea(protecting: protected)
            area!.removeOnSignals()
        }
        defer { area?.finish() }

        // The corpus.
        let sample: CorpusSample
        var corpus: CorpusFacts
        switch configuration.source {
        case .synthetic(let bytes):
            let root = area!.path + "/corpus"
            guard area!.creatingFiles({ mkdir(root, 0o755) }) == 0 else {
                throw BenchError(.cannotCreate, "cannot create \(root)")
            }
            let synthetic = SyntheticCorpus(root: root, bytes: bytes, seed: configuration.seed)
            try synthetic.generate(jobs: configuration.maxJobs, area: area!, progress: progress)
            sample = CorpusSample(root: root, maxFiles: .max, maxBytes: .max)
            corpus = CorpusFacts(source: "synthetic", path: nil, seed: configuration.seed, requestedBytes: bytes, files: 0, bytes: 0,
                                 images: [:], unreadableFiles: 0, notSampledFiles: 0, fileSystem: CorpusSample.fileSystem(of: root))
        case .directory(let path):
            progress.update("listing \(path)", force: true)
            sample = CorpusSample(root: path, maxFiles: configuration.sampleFiles, maxBytes: configuration.sampleBytes)
            corpus = CorpusFacts(source: "directory", path: path, seed: nil, requestedBytes: nil, files: 0, bytes: 0,
                                 images: [:], unreadableFiles: 0, notSampledFiles: 0, fileSystem: CorpusSample.fileSystem(of: path))
        }
        corpus.files = sample.files.count
        corpus.bytes = sample.bytes
        corpus.unreadableFiles = sample.unreadable
        corpus.notSampledFiles = sample.notSampled
        corpus.images = Dictionary(uniqueKeysWithValues: sample.imageCounts.map { ($0.key.rawValue, $0.value) })
        guard !sample.files.isEmpty else { throw BenchError(.cannotOpen, "no readable file to measure in \(sample.root)") }

        // The lists.
        var lists = configuration.lists
        if lists.isEmpty {
            progress.update("writing a list of \(configuration.generatedEntries) SHA-256 and PDQ entries", force: true)
            lists = [try generatedList(entries: configuration.generatedEntries, seed: configuration.seed, area: area!)]
        }
        let matcher = CombinedMatcher(lists.map(\.matcher))
        var entries: [String: Int] = [:]
        var radius: Int? = nil
        for list in lists {
            if let compiled = list.matcher as? CompiledList {
                for (algorithm, count) in compiled.counts { entries[algorithm.rawValue, default: 0] += count }
                if compiled.algorithms.contains(.pdq) { radius = max(radius ?? 0, compiled.thresholds.threshold(for: .pdq)) }
            } else if list.matcher.algorithms.contains(.pdq) {
                radius = max(radius ?? 0, MatchThresholds.standard.threshold(for: .pdq))
            }
        }
        let listFacts = ListFacts(generated: configuration.lists.isEmpty, names: lists.map(\.info.name),
                                  totalEntries: lists.reduce(0) { $0 + $1.info.entries }, entries: entries, pdqRadius: radius)

        // Images held in memory, by format.
        var images: [(ImageFormat, [[UInt8]])] = []
        for format in ImageFormat.allCases {
            var loaded: [[UInt8]] = []
            var bytes = 0
            for file in sample.images(of: format) where loaded.count < configuration.imagesPerFormat {
                guard bytes + file.size <= configuration.imageBytesPerFormat || loaded.isEmpty,
                      let data = FileManager.default.contents(atPath: file.path) else { continue }
                loaded.append([UInt8](data))
                bytes += data.count
            }
            if !loaded.isEmpty { images.append((format, loaded)) }
        }

        var message = [UInt8](repeating: 0, count: 1 << 20)
        var random = SeededRandom(seed: configuration.seed)
        message.withUnsafeMutableBytes { random.fill($0) }
        let jobCounts = configuration.jobCounts
        let seconds = configuration.secondsPerStage
        var steps: [(String, (Int) -> StageResult)] = [("read", { Stages.read(sample.files, jobs: $0, seconds: seconds) })]
        for (name, algorithms) in [("md5", [HashAlgorithm.md5]), ("sha1", [.sha1]), ("sha256", [.sha256]), ("trio", [.md5, .sha1, .sha256])] {
            steps.append(("digest.\(name)", { Stages.digest("digest.\(name)", algorithms, message: message, jobs: $0, seconds: seconds) }))
        }
        for (format, loaded) in images {
            for work in Stages.ImageWork.allCases {
                steps.append(("image.\(format).\(work.rawValue)", { Stages.image(format, work, images: loaded, jobs: $0, seconds: seconds) }))
            }
        }
        for algorithm in [HashAlgorithm.sha256, .pdq] where matcher.algorithms.contains(algorithm) {
            let keys = Stages.keys(algorithm, workers: configuration.maxJobs, seed: configuration.seed ^ 0xC0FFEE)
            steps.append(("lookup.\(algorithm.rawValue)", { Stages.lookup(algorithm, matcher: matcher, keys: keys, jobs: $0, seconds: seconds) }))
        }
        let listInfo = lists.map(\.info)
        steps.append(("scan", { Stages.scan(sample.files, matcher: matcher, lists: listInfo, jobs: $0, seconds: seconds) }))

        var stages: [StageResult] = []
        let total = steps.count * jobCounts.count
        for (name, step) in steps {
            for jobs in jobCounts {
                progress.update("\(name) at \(jobs) job\(jobs == 1 ? "" : "s") (\(stages.count + 1) of \(total))", force: true)
                stages.append(step(jobs))
            }
        }
        return BenchReport(hashscanVersion: configuration.hashscanVersion, date: date, machine: .current(),
                           libraries: LibraryVersions.current(), corpus: corpus, lists: listFacts,
                           secondsPerStage: seconds, jobs: jobCounts, stages: stages, comparison: nil)
    }

    /// Random SHA-256 and PDQ entries (a stand-in for a real list of that size), compiled into the temporary area.
    static func generatedList(entries: Int, seed: UInt64, area: TemporaryArea) throws(BenchError) -> BenchList {
        var random = SeededRandom(seed: seed ^ 0x1157)
        var bulk: [HashAlgorithm: [Digest]] = [:]
        for algorithm in [HashAlgorithm.sha256, .pdq] {
            var hashes: [Digest] = []
            hashes.reserveCapacity(entries)
            var bytes = [UInt8](repeating: 0, count: 32)
            for _ in 0..<entries {
                bytes.withUnsafeMutableBytes { random.fill($0) }
                hashes.append(Digest(bytes: bytes))
            }
            bulk[algorithm] = hashes
        }
        let path = area.path + "/generated.hsl"
        let name = "generated-\(entries)"
        let written: Result<Void, CompiledListWriter.WriteError>? = area.creatingFiles {
            Result { () throws(CompiledListWriter.WriteError) in
                try CompiledListWriter.write(bulk: bulk, name: name, version: nil, to: path)
            }
        }
        guard case .success = written else {
            throw BenchError(.cannotCreate, "cannot write the generated list: \(written.map { "\($0)" } ?? "interrupted")")
        }
        do {
            let list = try CompiledList(path: path)
            return BenchList(matcher: list, info: ScanSummary.ListInfo(name: name, version: nil, entries: 2 * entries))
        } catch {
            throw BenchError(.cannotCreate, error.description)
        }
    }
}
