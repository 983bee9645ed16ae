import ArgumentParser
import Foundation
import HashScanPipeline
import HashScanPostgres

struct SinkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sink",
        abstract: "Deliver what sinks could not deliver before.",
        subcommands: [Replay.self]
    )

    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-send spooled match records to a webhook (--webhook) or write them to a PostgreSQL takedown table (--sink); what still fails stays in the spool."
        )

        @Option(help: ArgumentHelp("The webhook URL.", valueName: "url"))
        var webhook: String?

        @Option(help: ArgumentHelp("The PostgreSQL database of the takedown table.", valueName: "postgres-url"))
        var sink: String?

        @Option(help: ArgumentHelp("The spool file (default: the scan's default for the sink).", valueName: "file"))
        var spool: String?

        @Option(name: .long, help: ArgumentHelp("Seconds before a webhook request is given up and retried.", valueName: "seconds"))
        var webhookTimeout: Double = 10

        func validate() throws {
            guard (webhook == nil) != (sink == nil) else { throw ValidationError("name one of --webhook URL or --sink postgres://…") }
            guard webhookTimeout > 0 && webhookTimeout <= 600 else { throw ValidationError("--webhook-timeout must be in (0, 600] seconds") }
        }

        func run() throws {
            if let sink {
                let spoolPath = spool ?? "hashscan-postgres-spool.jsonl"
                let url: PostgresURL
                do { url = try PostgresURL(sink) } catch { throw ValidationError("--sink: \(error.message)") }
                let takedown: PostgresTakedownSink
                do {
                    takedown = try PostgresTakedownSink(url: url, spoolPath: spoolPath, scanID: "")
                } catch {
                    printError("--sink: \(error.message)")
                    throw ExitCode(ExitStatus.software)
                }
                defer { _ = takedown.finish() }
                let written: Int
                do {
                    // One transaction; the spool is removed only once its records are in the table.
                    written = try takedown.replaySpool()
                } catch {
                    printError("--sink: \(error.message); the spool \(spoolPath) is kept")
                    throw ExitCode(ExitStatus.errors)
                }
                reportRejected(takedown.rejectedLines, spoolPath)
                printReplay(pending: written, delivered: written, spooled: 0, rejected: takedown.rejectedLines)
                if takedown.rejectedLines > 0 { throw ExitCode(ExitStatus.errors) }
                return
            }
            guard let webhook, let url = URL(string: webhook), let scheme = url.scheme, ["http", "https"].contains(scheme) else {
                throw ValidationError("--webhook needs an http or https URL")
            }
            let spoolPath = spool ?? "hashscan-webhook-spool.jsonl"
            let sink = WebhookSink(url: url, spoolPath: spoolPath, timeout: webhookTimeout)
            let pending: Int
            do {
                pending = try sink.replaySpool()
            } catch {
                printError("\(spoolPath): cannot read the spool: \(error)")
                throw ExitCode(ExitStatus.cannotOpenInput)
            }
            reportRejected(sink.rejectedLines, spoolPath)
            let (delivered, spooled) = sink.finish()
            printReplay(pending: pending, delivered: delivered, spooled: spooled, rejected: sink.rejectedLines)
            if spooled > 0 || sink.rejectedLines > 0 { throw ExitCode(ExitStatus.errors) }
        }
    }
}

/// The replay's outcome on stdout, one JSON record.
private func printReplay(pending: Int, delivered: Int, spooled: Int, rejected: Int) {
    var json = JSONLineBuilder()
    json.beginObject()
    json.field("type", "replay")
    json.field("pending", pending)
    json.field("delivered", delivered)
    json.field("spooled", spooled)
    json.field("rejected", rejected)
    json.endObject()
    json.finishLine()
    FileHandle.standardOutput.write(Data(json.bytes))
}

/// Spool lines that could not be read are kept, not dropped: say where.
func reportRejected(_ count: Int, _ spoolPath: String) {
    guard count > 0 else { return }
    printError("\(count) lines of \(spoolPath) are not records this hashscan can deliver; they are kept in \(spoolPath).rejected")
}
