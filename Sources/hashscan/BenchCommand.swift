import ArgumentParser
import Foundation
import HashScanBench
import HashScanLists
import HashScanPipeline

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure this machine's throughput: reading, digests, image decoding and hashing, list lookups, the whole scan.",
        discussion: """
            Each stage runs for --seconds at 1, 2, 4, ... and --jobs jobs. Without --corpus, a synthetic corpus is \
            generated from --seed in a temporary directory and removed afterwards (also on SIGINT); --corpus only \
            ever reads the files. Without --list, a list of --list-entries random SHA-256 and PDQ entries is \
            generated. How to read the figures and size a deployment: docs/benchmarking.md.
            """
    )

    @Option(help: ArgumentHelp("Measure the files of this directory (read only; a sample of at most 20,000 files and 1 GiB, in name order).", valueName: "dir"))
    var corpus: String?

    @Option(help: ArgumentHelp("Generate a corpus of about this size (e.g. 50MB, 1GB; default 64MB).", valueName: "size"))
    var synthetic: String?

    @Option(help: ArgumentHelp("A reference list to look up in and scan against (repeatable; compiled or source).", valueName: "file"))
    var list: [String] = []

    @Option(help: "Entries of each algorithm (SHA-256, PDQ) in the list generated when no --list is given.")
    var listEntries: Int = 1_000_000

    @Option(name: [.short, .long], help: "The most jobs measured (default: the number of cores).")
    var jobs: Int?

    @Option(help: "Seconds each stage runs at each job count.")
    var seconds: Double = 0.5

    @Option(help: "Seed of the synthetic corpus, the generated list and the lookup keys.")
    var seed: UInt64 = 42

    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    @Option(help: ArgumentHelp("An earlier --json result: also print the ratios new/old of every figure.", valueName: "file"))
    var compare: String?

    @Option(help: ArgumentHelp("Measure nothing: print this earlier --json result (with --compare: the ratios between two results, e.g. of two machines).", valueName: "file"))
    var from: String?

    @Flag(help: "Never show the progress line (it is shown only when stderr is a terminal).")
    var noProgress = false

    func validate() throws {
        if corpus != nil && synthetic != nil { throw ValidationError("--corpus and --synthetic exclude each other") }
        if from != nil && (corpus != nil || synthetic != nil || !list.isEmpty) {
            throw ValidationError("--from prints an earlier result: it takes no --corpus, --synthetic or --list")
        }
        if let synthetic, Self.parseSize(synthetic) == nil {
            throw ValidationError("--synthetic takes a size from 100KB to 1TB such as 50MB, 1GB or 512MiB")
        }
        if let jobs, jobs < 1 || jobs > 1024 { throw ValidationError("--jobs must be between 1 and 1024") }
        guard seconds >= 0.01 && seconds <= 3600 else { throw ValidationError("--seconds must be between 0.01 and 3600") }
        guard (1...200_000_000).contains(listEntries) else { throw ValidationError("--list-entries must be between 1 and 200,000,000") }
    }

    func run() throws {
        // Everything that can fail on the user's input fails before any measuring.
        let baseline: BenchBaseline?
        do {
            baseline = try compare.map { path throws(BenchError) in try BenchBaseline(path: path) }
        } catch {
            printError(error.description)
            throw ExitCode(exitCode(error.kind))
        }
        if let from {
            var report: BenchReport
            do throws(BenchError) {
                guard let data = FileManager.default.contents(atPath: from) else {
                    throw BenchError(.cannotOpen, "\(from): cannot read")
                }
                // The same checks as --compare first, for the same clear messages on a file that is not a result.
                _ = try BenchBaseline(path: from)
                do {
                    report = try JSONDecoder().decode(BenchReport.self, from: data)
                } catch {
                    throw BenchError(.malformed, "\(from): not a complete hashscan bench result")
                }
            } catch {
                printError(error.description)
                throw ExitCode(exitCode(error.kind))
            }
            report.comparison = baseline?.compare(report)
            try emit(report)
            return
        }
        let source: BenchConfiguration.Source
        if let corpus {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: corpus, isDirectory: &isDirectory), isDirectory.boolValue,
                  FileManager.default.isReadableFile(atPath: corpus) else {
                printError("\(corpus): not a readable directory")
                throw ExitCode(ExitStatus.cannotOpenInput)
            }
            source = .directory(corpus)
        } else {
            source = .synthetic(bytes: synthetic.flatMap(Self.parseSize) ?? 64_000_000)
        }
        let options = ListImportOptions(format: nil, strict: true)
        let lists = try list.map { path in
            let (matcher, info) = try loadMatcher(path, options: options)
            return BenchList(matcher: matcher, info: info)
        }

        var configuration = BenchConfiguration(source: source, maxJobs: jobs ?? ScanOptions.coreCount, hashscanVersion: HashscanVersion.current)
        configuration.seed = seed
        configuration.secondsPerStage = seconds
        configuration.lists = lists
        configuration.generatedEntries = listEntries
        configuration.showProgress = !noProgress && isatty(STDERR_FILENO) == 1
        var report: BenchReport
        do {
            report = try Bench.run(configuration)
        } catch {
            printError(error.description)
            throw ExitCode(exitCode(error.kind))
        }
        report.comparison = baseline?.compare(report)
        try emit(report)
    }

    private func emit(_ report: BenchReport) throws {
        if json {
            FileHandle.standardOutput.write(Data(report.json))
        } else {
            FileHandle.standardOutput.write(Data(BenchTable.render(report).utf8))
        }
    }

    private func exitCode(_ kind: BenchError.Kind) -> Int32 {
        switch kind {
        case .usage: ExitStatus.usage
        case .cannotOpen: ExitStatus.cannotOpenInput
        case .malformed: ExitStatus.badInput
        case .cannotCreate: 73
        }
    }

    /// "50MB", "1GB", "1.5 GB" (powers of 1000), "512MiB" (powers of 1024), or plain bytes.
    static func parseSize(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let number = trimmed.prefix { $0.isNumber || $0 == "." }
        let unit = trimmed.dropFirst(number.count).trimmingCharacters(in: .whitespaces)
        let multipliers: [String: Double] = [
            "": 1, "b": 1, "k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
            "kib": 1024, "mib": 1_048_576, "gib": 1_073_741_824, "tib": 1_099_511_627_776,
        ]
        guard let value = Double(number), let multiplier = multipliers[unit] else { return nil }
        let bytes = value * multiplier
        guard bytes >= 100_000, bytes <= 1e12 else { return nil }
        return Int(bytes)
    }
}
