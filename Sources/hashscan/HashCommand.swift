import ArgumentParser
import Foundation
import HashScanCore
import HashScanPipeline

struct HashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash",
        abstract: "Print the hashes of files as JSON Lines (directories are walked; '-' hashes standard input)."
    )

    @Option(name: .long, help: "Comma-separated algorithms: md5, sha1, sha256, pdq, phash, dhash, ahash.")
    var algorithms: String = "md5,sha1,sha256"

    @OptionGroup var walking: WalkingOptions
    @OptionGroup(title: "Images") var images: ImageOptions

    @Argument(help: "Files or directories; '-' for standard input.")
    var paths: [String] = []

    mutating func run() throws {
        let chosen = try parseAlgorithms(algorithms)
        var options = ScanOptions(algorithms: chosen.filter(\.isCryptographic), jobs: walking.jobs)
        options.emitCleanFiles = true
        walking.apply(to: &options)
        images.apply(to: &options, algorithms: chosen)
        var inputs = paths.map { $0 == "-" ? ScanInput.standardInputContent : .path(RawPath($0)) }
        if let stdinInput = walking.standardInputPaths { inputs.append(stdinInput) }
        guard !inputs.isEmpty else {
            throw ValidationError("name at least one path, '-', or --stdin")
        }
        let summary = try runScan(ScanRunner(options: options), inputs: inputs, output: walking.output)
        throw ExitCode(summary.exitCode)
    }
}
