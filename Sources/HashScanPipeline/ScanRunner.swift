import Foundation
import HashScanCore
import HashScanLists

/// Runs a scan: one thread walks and feeds a bounded queue, `jobs` worker threads open, hash and match,
/// and a reporter writes one record per file. Per-file failures are records; nothing stops the run
/// except a closed output.
public final class ScanRunner {
    public let options: ScanOptions
    private let matcher: (any HashMatcher)?
    private let knownGood: (any HashMatcher)?
    private let lists: [ScanSummary.ListInfo]

    /// - Parameter knownGood: lists of known-good files (e.g. NSRL): a digest hit skips perceptual work.
    public init(options: ScanOptions, matcher: (any HashMatcher)? = nil, knownGood: (any HashMatcher)? = nil,
                lists: [ScanSummary.ListInfo] = []) {
        self.options = options
        self.matcher = matcher
        self.knownGood = knownGood
        self.lists = lists
    }

    /// The same runner with other options (e.g. the keys a resumed output already holds).
    package func with(options: ScanOptions) -> ScanRunner {
        ScanRunner(options: options, matcher: matcher, knownGood: knownGood, lists: lists)
    }

    /// Scans the inputs, writing JSON Lines to `outputDescriptor`; returns the totals (also written as the last record).
    public func run(inputs: [ScanInput], outputDescriptor: Int32 = STDOUT_FILENO) throws -> ScanSummary {
        let plan = AnalysisPlan(requested: options.algorithms, matcher: matcher, knownGood: knownGood, image: options.image)
        let (cryptographic, imageOptions) = (plan.cryptographic, plan.image)

        let scanID: String
        if let state = options.state {
            scanID = try state.session?.id ?? state.begin(resume: false, scanID: options.scanID).id
        } else {
            scanID = options.scanID ?? IdempotencyKey.newScanID()
        }
        let queue = WorkQueue<WorkItem>(capacity: options.queueCapacity)
        let reporter = ScanReporter(
            output: OutputChannel(descriptor: outputDescriptor), emitCleanFiles: options.emitCleanFiles,
            minimumPDQQuality: imageOptions.minimumPDQQuality, lists: lists,
            sinks: options.allSinks, csv: options.csv, state: options.state, scanID: scanID, alreadyWritten: options.alreadyWrittenKeys,
            onOutputClosed: { queue.cancel() }
        )
        // Build every worker's state before starting, so a set-up failure stops the run before any work.
        let processors = try (0..<options.jobs).map { _ in
            UncheckedBox(try FileProcessor(algorithms: cryptographic, matcher: matcher, knownGood: knownGood, imageOptions: imageOptions,
                                       state: options.state, incremental: options.incremental))
        }

        let workers = DispatchGroup()
        for processor in processors {
            workers.enter()
            let thread = Thread {
                while let item = queue.pop() {
                    reporter.report(processor.value.process(item))
                }
                workers.leave()
            }
            thread.name = "hashscan-worker"
            thread.stackSize = 1 << 20
            thread.start()
        }

        let progress = options.progress == .none ? nil
            : ProgressLine(reporter: reporter, json: options.progress == .json,
                           interval: options.progress == .json ? options.progressInterval : 0.5,
                           expectedFiles: options.state?.session?.expectedFiles)
        progress?.start()
        let stop = StopSignal()
        if options.stopOnSignals { stop.install { queue.cancel() } }
        defer { if options.stopOnSignals { stop.uninstall() } }

        var sources = SourceExpander(followSymlinks: options.followSymlinks) { item in queue.push(item) }
        var completed = true
        for input in inputs {
            if case .standardInputContent = input {
                // Hashed here rather than by a worker: there is only one standard input.
                reporter.report(processors[0].value.processStream(STDIN_FILENO, path: RawPath("-")))
                continue
            }
            let finished: Bool
            do {
                finished = try sources.expand(input, shouldStop: { stop.signal != nil }, onIdle: { reporter.flush() })
            } catch {
                // Only a manifest can fail to be read: it is an error record, and the other inputs are still scanned.
                var name = "-"
                if case .manifest(let manifest) = input { name = manifest }
                finished = queue.push(.failed(RawPath(name), (error as? ScanError) ?? ScanError(.io, "\(error)"), context: nil))
            }
            if !finished { completed = false; break }
        }
        queue.close()
        workers.wait()
        progress?.stop()
        return reporter.finish(skippedSymlinks: sources.skippedSymlinks, complete: completed && !reporter.outputFailed && stop.signal == nil,
                               interruptedBy: stop.signal)
    }
}
