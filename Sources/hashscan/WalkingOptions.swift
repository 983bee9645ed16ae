import ArgumentParser
import Foundation
import HashScanCore
import HashScanHashing
import HashScanPipeline

/// Options shared by every command that walks files.
struct WalkingOptions: ParsableArguments {
    @Flag(name: .long, help: "Read paths from standard input, one per line.")
    var stdin = false

    @Flag(name: [.customShort("0"), .long], help: "With --stdin: paths are NUL-separated (find -print0).")
    var null = false

    @Flag(name: .long, help: "Follow symbolic links met while walking (loops are detected and reported).")
    var followSymlinks = false

    @Option(name: .long, help: ArgumentHelp("Write the JSON Lines records to this file instead of standard output (synced to disk at the end).", valueName: "file"))
    var output: String?

    @Option(name: [.short, .long], help: "Files processed at once (default: the number of cores).")
    var jobs: Int?

    @Flag(name: .long, help: "Never show progress (the line is shown only when stderr is a terminal).")
    var noProgress = false

    @Option(name: .long, help: "Progress on stderr: line, json (a record every --progress-interval seconds, for log pipelines) or none.")
    var progress: ProgressStyle?

    @Option(name: .long, help: "Seconds between JSON progress records.")
    var progressInterval: Double = 10

    func validate() throws {
        if null && !stdin { throw ValidationError("-0 applies to --stdin") }
        if let jobs, jobs < 1 || jobs > 1024 { throw ValidationError("--jobs must be between 1 and 1024") }
        guard progressInterval >= 0.1 else { throw ValidationError("--progress-interval must be at least 0.1 s") }
    }

    var standardInputPaths: ScanInput? {
        stdin ? .pathsFromStandardInput(separator: null ? 0 : UInt8(ascii: "\n")) : nil
    }

    func apply(to options: inout ScanOptions) {
        options.followSymlinks = followSymlinks
        options.stopOnSignals = true
        options.progress = noProgress ? .none : progress ?? (isatty(STDERR_FILENO) == 1 ? .line : .none)
        options.progressInterval = progressInterval
    }
}

/// Options for perceptual hashing of images, shared by `hash` and `scan`.
struct ImageOptions: ParsableArguments {
    @Option(name: .long, help: "PDQ pre-scale convention: reference (Meta's C++ hasher, default) or full (no pre-scale: pdqhash, HMA).")
    var pdqConvention: PDQPreScale = .reference

    @Flag(name: .long, help: "Compute the 8 dihedral PDQ variants, write them, and match every one of them.")
    var dihedral = false

    @Option(name: .long, help: "PDQ hashes below this quality are reported but not matched.")
    var pdqMinQuality: Int = 50

    @Option(name: .long, help: "Largest image decoded, in pixels (checked from the header).")
    var maxImagePixels: Int = 100_000_000

    @Option(name: .long, help: "Largest image file decoded, in bytes.")
    var maxImageBytes: Int = 512 << 20

    @Flag(name: .long, help: "Decode every JPEG pixel at full size, bit-exact with Meta's reference (slower; by default large JPEGs are decoded DCT-scaled: see docs/performance.md for the cost in bits).")
    var exactDecode = false

    @Flag(name: .long, help: ArgumentHelp("Decode large JPEGs at a reduced DCT scale (the default; kept for compatibility).", visibility: .hidden))
    var jpegFastPath = false

    @Option(name: .long, help: ArgumentHelp("vPDQ (--algorithms vpdq): hash one frame every S seconds of video; 0 hashes every frame.", valueName: "S"))
    var vpdqSeconds: Double = 1

    @Option(name: .long, help: "Largest video held in memory to decode, in bytes; a larger file is decoded from the file itself, a larger stream keeps its digests and says too_large.")
    var maxVideoBytes: Int = 1 << 30

    @Option(name: .long, help: ArgumentHelp("Longest a video's decode may take, in seconds of wall-clock time (then timed_out).", valueName: "seconds"))
    var videoTimeout: Double = 300

    @Option(name: .long, help: ArgumentHelp("A vPDQ entry matches when this % of the video's distinct frames (quality >= 50) are within 31 of its frames...", valueName: "percent"))
    var vpdqQueryPercent: Double = 80

    @Option(name: .long, help: ArgumentHelp("...or when this % of the entry's frames are found in the video.", valueName: "percent"))
    var vpdqEntryPercent: Double = 80

    func validate() throws {
        guard (0...100).contains(pdqMinQuality) else { throw ValidationError("--pdq-min-quality must be 0...100") }
        guard maxImagePixels > 0, maxImageBytes > 0 else { throw ValidationError("image limits must be positive") }
        if exactDecode && jpegFastPath { throw ValidationError("--exact-decode and --jpeg-fast-path contradict each other") }
        // At most a day: frames × rate must stay a small integer (a huge value overflowed the frame interval).
        guard vpdqSeconds >= 0, vpdqSeconds <= 86_400 else { throw ValidationError("--vpdq-seconds must be from 0 to 86400") }
        guard maxVideoBytes > 0, videoTimeout > 0 else { throw ValidationError("video limits must be positive") }
        guard (0...100).contains(vpdqQueryPercent), (0...100).contains(vpdqEntryPercent) else {
            throw ValidationError("--vpdq-query-percent and --vpdq-entry-percent take 0...100")
        }
    }

    func apply(to options: inout ScanOptions, algorithms: [HashAlgorithm]) {
        options.image.algorithms = Set(algorithms.filter { !$0.isCryptographic })
        options.image.pdqPreScale = pdqConvention
        options.image.dihedral = dihedral
        options.image.minimumPDQQuality = pdqMinQuality
        options.image.maxPixels = maxImagePixels
        options.image.maxImageBytes = maxImageBytes
        options.image.jpegFastPath = !exactDecode
        options.image.vpdqSecondsPerHash = vpdqSeconds
        options.image.maxVideoBytes = maxVideoBytes
        options.image.videoLimits.maxSeconds = videoTimeout
        options.image.vpdqQueryPercent = vpdqQueryPercent
        options.image.vpdqEntryPercent = vpdqEntryPercent
    }
}

extension PDQPreScale: ExpressibleByArgument {}
extension ProgressStyle: ExpressibleByArgument {}

func parseAlgorithms(_ text: String) throws -> [HashAlgorithm] {
    do {
        return try HashAlgorithm.parseList(text)
    } catch let failure as ParseFailure {
        throw ValidationError(failure.reason)
    }
}

/// Runs a scan with a closed-stdout pipe treated as a quiet stop rather than a crash; with `output`, records
/// go to that file, which is synced before the exit code says anything.
func runScan(_ scanner: ScanRunner, inputs: [ScanInput], output: String? = nil, appendResumed: Bool = false) throws -> ScanSummary {
    signal(SIGPIPE, SIG_IGN)
    var descriptor = STDOUT_FILENO
    var scanner = scanner
    if let output, appendResumed {
        // A resumed scan appends to its records: the interrupted run's match records are not written twice.
        do {
            let opened = try ResumableOutput.prepare(path: output)
            descriptor = opened.descriptor
            if opened.truncatedBytes > 0 { printError("\(output): dropped a record cut short by the interruption (\(opened.truncatedBytes) bytes); its file is scanned again") }
            var options = scanner.options
            options.alreadyWrittenKeys = opened.writtenKeys
            scanner = scanner.with(options: options)
        } catch {
            printError("\(output): cannot append: \(error.message)")
            throw ExitCode(ExitStatus.cannotCreateOutput)
        }
    } else if let output {
        descriptor = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            printError("\(output): cannot write: \(String(cString: strerror(errno)))")
            throw ExitCode(ExitStatus.cannotCreateOutput)
        }
    }
    defer { if output != nil { close(descriptor) } }
    let summary: ScanSummary
    do {
        summary = try scanner.run(inputs: inputs, outputDescriptor: descriptor)
    } catch {
        printError("cannot start: \(error)")
        throw ExitCode(ExitStatus.software)
    }
    if let output, fsync(descriptor) != 0 {
        printError("\(output): cannot sync: \(String(cString: strerror(errno)))")
        throw ExitCode(ExitStatus.ioError)
    }
    if !summary.complete && !summary.interrupted, let output {
        // A match is never hidden: with matches the exit code stays 1, and stderr says the file is short.
        printError("\(output): the records could not all be written (\(summary.matchedFiles) matching files seen)")
        if summary.matchedFiles == 0 { throw ExitCode(ExitStatus.ioError) }
    }
    return summary
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data("hashscan: \(message)\n".utf8))
}
