import ArgumentParser
import Foundation
import HashScanCore
import HashScanLists
import HashScanPipeline
import HashScanPostgres

struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Scan batches from the PostgreSQL work queue until none is left; run any number, on any machines.",
        discussion: """
            Each batch is claimed with a lease that a heartbeat extends; a batch whose worker dies is claimed again \
            once its lease runs out. Results (one per file, the records 'scan --all' writes) and takedown rows are \
            stored in one transaction per batch. SIGINT or SIGTERM finishes the batch in hand and stops. Writes one \
            summary record to stdout. Exit codes: 0 nothing matched, 1 this worker stored a match, 2 files or \
            batches failed, 70 the database or lists could not be used, 130 stopped by a signal.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(name: .long, help: ArgumentHelp("A reference list file (repeatable).", valueName: "file"))
    var list: [String] = []

    @Option(name: .long, help: ArgumentHelp("A list of known-good files (repeatable): their digests skip perceptual work.", valueName: "file"))
    var knownGood: [String] = []

    @Option(name: .long, help: "Seconds a claim lasts without a heartbeat (renewed every third of it); a dead worker's batch is taken over after this.")
    var lease: Double = 30

    @Option(name: [.short, .long], help: "Files processed at once (default: the number of cores).")
    var jobs: Int?

    @Option(name: .long, help: ArgumentHelp("This worker's name in the queue (default: host:pid).", valueName: "name"))
    var workerId: String?

    @Option(name: .long, help: "Claims a batch may have before a run-out lease marks it failed.")
    var maxAttempts: Int = 5

    @Option(name: .long, help: "Algorithms to compute for every file; the lists' own algorithms are always added.")
    var algorithms: String = "md5,sha1,sha256"

    @OptionGroup(title: "Source lists") var importing: ImportFlags
    @OptionGroup(title: "Images") var images: ImageOptions

    func validate() throws {
        guard !list.isEmpty else { throw ValidationError("name at least one --list") }
        guard lease >= 1 && lease <= 86_400 else { throw ValidationError("--lease must be between 1 and 86400 seconds") }
        if let jobs, jobs < 1 || jobs > 1024 { throw ValidationError("--jobs must be between 1 and 1024") }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be at least 1") }
    }

    func run() throws {
        let url = try PostgresURL(database.db)
        let importOptions = try importing.options(strict: true)
        let loaded = try list.map { try loadMatcher($0, options: importOptions) }
        let matcher = CombinedMatcher(loaded.map(\.matcher))
        let knownGoodMatcher = knownGood.isEmpty ? nil : CombinedMatcher(try knownGood.map { try loadMatcher($0, options: importOptions) }.map(\.matcher))
        let extra = try parseAlgorithms(algorithms)
        var scanOptions = ScanOptions(algorithms: extra.filter(\.isCryptographic), jobs: jobs)
        images.apply(to: &scanOptions, algorithms: extra)

        var options = QueueWorker.Options(workerID: workerId ?? "\(ProcessInfo.processInfo.hostName):\(getpid())")
        options.lease = lease
        options.jobs = scanOptions.jobs
        options.maxAttempts = maxAttempts
        let worker: QueueWorker
        do {
            worker = try QueueWorker(url: url, options: options, scanOptions: scanOptions, matcher: matcher, knownGood: knownGoodMatcher)
        } catch {
            printError((error as? PostgresFailure)?.message ?? "cannot start: \(error)")
            throw ExitCode(ExitStatus.software)
        }
        // SIGINT/SIGTERM: finish and store the batch in hand, then stop (a SIGKILL leaves it to its lease).
        let stop = StopSignal()
        stop.install {}
        let summary = worker.run(shouldStop: { stop.signal != nil })
        stop.uninstall()
        if let failure = summary.databaseError { printError("stopped: the database stayed unreachable: \(failure)") }
        // The summary record, in the order docs/operations-postgres.md gives.
        var json = JSONLineBuilder()
        json.beginObject()
        json.field("type", "worker")
        json.field("worker", options.workerID)
        json.field("batches", summary.batches)
        json.field("files", summary.files)
        json.field("matches", summary.matchedFiles)
        json.field("errors", summary.errors)
        json.field("batches_lost", summary.batchesLost)
        json.field("batches_failed", summary.batchesFailed)
        json.field("interrupted", summary.interrupted)
        json.field("exit_code", summary.exitCode)
        json.endObject()
        json.finishLine()
        FileHandle.standardOutput.write(Data(json.bytes))
        throw ExitCode(summary.exitCode)
    }
}
