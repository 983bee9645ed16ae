import ArgumentParser
import Foundation
import HashScanCore
import HashScanLists
import HashScanPipeline

struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Walk files, hash them, and report every file that matches a reference list.",
        discussion: "Writes a match record per matching file, an error record per file that could not be scanned, and a final summary record."
    )

    @Option(name: .long, help: ArgumentHelp("A reference list file (repeatable).", valueName: "file"))
    var list: [String] = []

    @Flag(name: .long, help: "Also write a file record for every clean file.")
    var all = false

    @Option(name: .long, help: "Algorithms to compute for every file; the lists' own algorithms are always added.")
    var algorithms: String = "md5,sha1,sha256"

    @OptionGroup var walking: WalkingOptions

    @Argument(help: "Files or directories to scan.")
    var paths: [String] = []

    mutating func run() throws {
        guard !list.isEmpty else { throw ValidationError("name at least one --list") }
        var inputs = paths.map { ScanInput.path(RawPath($0)) }
        if let stdinInput = walking.standardInputPaths { inputs.append(stdinInput) }
        guard !inputs.isEmpty else { throw ValidationError("name at least one path, or --stdin") }

        // Every list is read and checked before any file is touched.
        let lists = try list.map(loadList)
        let matcher = InMemoryListMatcher(lists: lists)
        let extra = try parseAlgorithms(algorithms)
        var options = ScanOptions(algorithms: extra, jobs: walking.jobs)
        options.emitCleanFiles = all
        walking.apply(to: &options)
        let info = lists.map { ScanSummary.ListInfo(name: $0.name, version: $0.version, entries: $0.entries.count) }
        let summary = try runScan(ScanRunner(options: options, matcher: matcher, lists: info), inputs: inputs)
        throw ExitCode(summary.exitCode)
    }
}

/// Reads and parses a list, or exits with a clear message: a run never starts on a broken list.
func loadList(_ path: String) throws -> HashList {
    let data: Data
    do {
        data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
    } catch {
        printError("\(path): cannot read list: \((error as NSError).localizedDescription)")
        throw ExitCode(ExitStatus.cannotOpenInput)
    }
    let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
    do {
        return try PlainListFormat.parse(data, file: path, name: name)
    } catch {
        for line in error.description.split(separator: "\n") { printError(String(line)) }
        throw ExitCode(ExitStatus.badInput)
    }
}
