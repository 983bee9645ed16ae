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

    @Option(name: .long, help: ArgumentHelp("A list of known-good files, e.g. NSRL (repeatable): their digests skip perceptual work and perceptual matching.", valueName: "file"))
    var knownGood: [String] = []

    @Flag(name: .long, help: "Copy compiled lists' PDQ index tables into (huge-page) memory at start: slower to open, faster lookups on large perceptual lists.")
    var residentLists = false

    @Option(name: .long, help: ArgumentHelp("A manifest of files to scan, JSON Lines or CSV with 'path' and optional 'locator' and other fields, carried into each record (repeatable).", valueName: "file"))
    var manifest: [String] = []

    @Option(name: .long, help: ArgumentHelp("The scan state (SQLite): every hashed file's identity and hashes are recorded in it.", valueName: "file"))
    var state: String?

    @Flag(name: .long, help: "With --state: do not read files that are unchanged since they were recorded; match their stored hashes against the current lists.")
    var incremental = false

    @Flag(name: .long, help: "With --state: continue the last scan where it was interrupted: files it finished are skipped, --output is appended to without repeating a record.")
    var resume = false

    @Option(name: .long, help: ArgumentHelp("The scan's identifier, part of every idempotency key (default: random; with --state, kept across --resume).", valueName: "id"))
    var scanID: String?

    @Option(name: .long, help: ArgumentHelp("Also POST every match record to this URL (at least once, with an Idempotency-Key; retried, then spooled).", valueName: "url"))
    var webhook: String?

    @Option(name: .long, help: ArgumentHelp("Where undeliverable webhook records are kept; re-sent at the start of the next run or by 'hashscan sink replay'.", valueName: "file"))
    var webhookSpool: String = "hashscan-webhook-spool.jsonl"

    @Option(name: .long, help: ArgumentHelp("Also write every match as CSV, one row per hit (appended without repeats on --resume).", valueName: "file"))
    var csv: String?

    @Option(name: .long, help: ArgumentHelp("Also insert every match into this PostgreSQL database's takedown table (idempotent; spooled when it fails).", valueName: "postgres-url"))
    var sink: String?

    @Option(name: .long, help: ArgumentHelp("Where matches the database could not take are kept; written first by the next run.", valueName: "file"))
    var sinkSpool: String = "hashscan-postgres-spool.jsonl"

    @Option(name: .long, help: ArgumentHelp("Seconds before a webhook request is given up and retried.", valueName: "seconds"))
    var webhookTimeout: Double = 10

    @Flag(name: .long, help: "Also write a file record for every clean file.")
    var all = false

    @Option(name: .long, help: "Algorithms to compute for every file; the lists' own algorithms are always added.")
    var algorithms: String = "md5,sha1,sha256"

    @OptionGroup(title: "Source lists") var importing: ImportFlags
    @OptionGroup var walking: WalkingOptions
    @OptionGroup(title: "Images") var images: ImageOptions

    @Argument(help: "Files or directories to scan.")
    var paths: [String] = []

    mutating func run() throws {
        guard !list.isEmpty else { throw ValidationError("name at least one --list") }
        if incremental && state == nil { throw ValidationError("--incremental needs --state FILE") }
        if resume && state == nil { throw ValidationError("--resume needs --state FILE") }
        if let scanID, scanID.isEmpty || scanID.count > 200 || scanID.contains(where: { $0.isNewline || $0 == "\0" }) {
            throw ValidationError("--scan-id must be 1 to 200 characters on one line")
        }
        var inputs = paths.map { ScanInput.path(RawPath($0)) } + manifest.map { ScanInput.manifest($0) }
        if let stdinInput = walking.standardInputPaths { inputs.append(stdinInput) }
        guard !inputs.isEmpty else { throw ValidationError("name at least one path, --manifest or --stdin") }

        // Every list is read and checked before any file is touched.
        // Source lists are read strictly here: a scan never starts on a list it could only half read.
        let importOptions = try importing.options(strict: true)
        let residency: CompiledList.Residency = residentLists ? .resident : .mapped
        let loaded = try list.map { try loadMatcher($0, options: importOptions, residency: residency) }
        let matcher = CombinedMatcher(loaded.map(\.matcher))
        let knownGoodMatcher = knownGood.isEmpty ? nil : CombinedMatcher(try knownGood.map { try loadMatcher($0, options: importOptions, residency: residency) }.map(\.matcher))
        let extra = try parseAlgorithms(algorithms)
        var options = ScanOptions(algorithms: extra.filter(\.isCryptographic), jobs: walking.jobs)
        options.emitCleanFiles = all
        walking.apply(to: &options)
        images.apply(to: &options, algorithms: extra)
        if let webhook {
            guard let url = URL(string: webhook), let scheme = url.scheme, ["http", "https"].contains(scheme) else {
                throw ValidationError("--webhook needs an http or https URL")
            }
            guard webhookTimeout > 0 && webhookTimeout <= 600 else { throw ValidationError("--webhook-timeout must be in (0, 600] seconds") }
            let sink = WebhookSink(url: url, spoolPath: webhookSpool, timeout: webhookTimeout)
            do {
                let resent = try sink.replaySpool()
                reportRejected(sink.rejectedLines, webhookSpool)
                if resent > 0 { printError("re-sending \(resent) spooled match records to \(webhook)") }
            } catch {
                printError("\(webhookSpool): cannot read the spool: \(error)")
                throw ExitCode(ExitStatus.cannotOpenInput)
            }
            options.sinks.append(sink)
        }
        options.scanID = scanID
        if let sink {
            // Connects, creates the table if missing and writes an earlier run's spool; a database that is down
            // stops the run here (exit 70), before any file is read.
            options.sinks.append(try makeTakedownSink(sink, spoolPath: sinkSpool, scanID: scanID ?? ""))
        }
        if let csv {
            do {
                options.csv = try CSVMatchSink(path: csv, append: resume)
            } catch {
                printError("\(csv): cannot write: \(error.message)")
                throw ExitCode(ExitStatus.cannotCreateOutput)
            }
        }
        if let state {
            do {
                let opened = try ScanState(path: state)
                if !resume, let last = opened.lastScan(), last.status != "complete" {
                    printError("the last scan in \(state) (\(last.id)) did not finish; starting a new scan (--resume continues it)")
                }
                let session = try opened.begin(resume: resume, scanID: scanID)
                if session.resumed { printError("resuming scan \(session.id), run \(session.run): \(session.earlierFiles) files already done") }
                options.state = opened
            } catch {
                printError(error.description)
                throw ExitCode(ExitStatus.cannotOpenInput)
            }
            options.incremental = incremental
        }
        let info = loaded.map(\.info)
        let summary = try runScan(ScanRunner(options: options, matcher: matcher, knownGood: knownGoodMatcher, lists: info), inputs: inputs,
                                  output: walking.output, appendResumed: resume)
        if let sink = options.csv, let failure = sink.failure {
            // A match is never hidden: with matches the exit code stays 1.
            printError("\(sink.path): the CSV rows could not all be written: \(String(cString: strerror(failure)))")
            if summary.exitCode != ExitStatus.match { throw ExitCode(ExitStatus.ioError) }
        }
        if let spooled = summary.sinkSpooled, spooled > 0 {
            printError("\(spooled) match records could not be written to the database; they are in \(sinkSpool) (hashscan sink replay --sink)")
        }
        if let spooled = summary.webhookSpooled, spooled > 0 {
            printError("\(spooled) match records could not be delivered to the webhook; they are in \(webhookSpool) (hashscan sink replay)")
        }
        throw ExitCode(summary.exitCode)
    }
}

/// Opens a list for matching (ListLoader), with its findings on stderr and failures as exit statuses.
func loadMatcher(_ path: String, options: ListImportOptions, residency: CompiledList.Residency = .mapped)
    throws -> (matcher: any HashMatcher, info: ScanSummary.ListInfo) {
    do {
        let loaded = try ListLoader.open(path, options: options, residency: residency)
        for warning in loaded.warnings { printError(warning) }
        return (loaded.matcher, ScanSummary.ListInfo(name: loaded.name, version: loaded.version, entries: loaded.entries))
    } catch {
        throw listFailureExit(error)
    }
}
