import ArgumentParser
import Foundation
import HashScanCore
import HashScanPipeline
import HashScanPostgres

struct EnqueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue",
        abstract: "Walk files and load them into the PostgreSQL work queue, in batches, for 'hashscan worker' to scan.",
        discussion: "All or nothing: the batches are inserted in one transaction. Writes one JSON record (scan id, batches, files) to stdout."
    )

    @OptionGroup var database: DatabaseOptions

    @Option(name: .long, help: ArgumentHelp("A manifest of files (JSON Lines or CSV, as for scan); locators and fields travel with each file (repeatable).", valueName: "file"))
    var manifest: [String] = []

    @Option(name: .long, help: "Files per batch: the unit a worker claims, heartbeats and commits.")
    var batchSize: Int = 500

    @Option(name: .long, help: ArgumentHelp("The scan's identifier (part of every idempotency key); default: a new random one.", valueName: "id"))
    var scanId: String?

    @Flag(name: .long, help: "Follow symbolic links met while walking (loops are detected and reported).")
    var followSymlinks = false

    @Argument(help: "Files or directories to queue.")
    var paths: [String] = []

    func validate() throws {
        guard !paths.isEmpty || !manifest.isEmpty else { throw ValidationError("name at least one path or --manifest") }
        guard (1...100_000).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 100000") }
        if let scanId, scanId.isEmpty { throw ValidationError("--scan-id must not be empty") }
    }

    func run() throws {
        let session = try database.connect()
        defer { session.close() }
        let enqueuer = Enqueuer(scanID: scanId ?? IdempotencyKey.newScanID(), batchSize: batchSize, followSymlinks: followSymlinks)
        let summary: Enqueuer.Summary
        do {
            summary = try enqueuer.enqueue(paths: paths.map { RawPath($0) }, manifests: manifest, on: session)
        } catch let error as ScanError {
            printError(error.message)
            throw ExitCode(ExitStatus.cannotOpenInput)
        } catch {
            printError("nothing was queued: \((error as? PostgresFailure)?.message ?? "\(error)")")
            throw ExitCode(ExitStatus.software)
        }
        var json = JSONLineBuilder()
        json.beginObject()
        json.field("type", "enqueue")
        json.field("scan_id", summary.scanID)
        json.field("batches", summary.batches)
        json.field("files", summary.files)
        json.field("errors", summary.errors)
        json.field("skipped_symlinks", summary.skippedSymlinks)
        json.endObject()
        json.finishLine()
        FileHandle.standardOutput.write(Data(json.bytes))
    }
}
