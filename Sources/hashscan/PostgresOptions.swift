import ArgumentParser
import Foundation
import HashScanPipeline
import HashScanPostgres

/// `--db URL`, shared by the PostgreSQL commands.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The database: postgres://user[:password]@host[:port]/database[?sslmode=…] (or PGPASSWORD for the password).", valueName: "url"))
    var db: String

    func validate() throws {
        do { _ = try PostgresURL(db) } catch { throw ValidationError(error.message) }
    }

    /// Connects and creates the tables if missing; a database that cannot be used stops the command with exit 70.
    func connect() throws -> PostgresSession {
        let url = try PostgresURL(db)
        do {
            return try PostgresSession.connectWithSchema(url)
        } catch {
            printError(error.message)
            throw ExitCode(ExitStatus.software)
        }
    }
}

/// The takedown sink for `scan --sink URL`: connects, creates the table, and writes what an earlier run spooled.
/// A database that is down at the start stops the scan before any work (exit 70).
func makeTakedownSink(_ text: String, spoolPath: String, scanID: String) throws -> PostgresTakedownSink {
    let url: PostgresURL
    do { url = try PostgresURL(text) } catch { throw ValidationError("--sink: \(error.message)") }
    do {
        let sink = try PostgresTakedownSink(url: url, spoolPath: spoolPath, scanID: scanID)
        let replayed = try sink.replaySpool()
        reportRejected(sink.rejectedLines, spoolPath)
        if replayed > 0 { printError("wrote \(replayed) spooled match records from \(spoolPath) to \(url)") }
        return sink
    } catch {
        printError("--sink: \(error.message)")
        throw ExitCode(ExitStatus.software)
    }
}
