import ArgumentParser
import Foundation
import HashScanPipeline
import HashScanPostgres

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the PostgreSQL work queue's progress: batches, files, results, takedown rows, live workers."
    )

    @OptionGroup var database: DatabaseOptions

    @Option(name: .long, help: ArgumentHelp("Only this scan (as printed by enqueue).", valueName: "id"))
    var scanId: String?

    @Flag(name: .long, help: "One JSON object instead of text.")
    var json = false

    func run() throws {
        let session = try database.connect()
        defer { session.close() }
        let status: QueueStatus
        do {
            status = try QueueStatus.read(on: session, scanID: scanId)
        } catch {
            printError(error.message)
            throw ExitCode(ExitStatus.software)
        }
        FileHandle.standardOutput.write(Data((json ? status.json : status.text).utf8))
    }
}
