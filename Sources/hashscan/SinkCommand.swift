import ArgumentParser
import Foundation
import HashScanPipeline

struct SinkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sink",
        abstract: "Deliver what sinks could not deliver before.",
        subcommands: [Replay.self]
    )

    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Re-send spooled webhook match records; what still fails stays in the spool.")

        @Option(help: ArgumentHelp("The webhook URL.", valueName: "url"))
        var webhook: String

        @Option(help: ArgumentHelp("The spool file.", valueName: "file"))
        var spool: String = "hashscan-webhook-spool.jsonl"

        @Option(name: .long, help: ArgumentHelp("Seconds before a request is given up and retried.", valueName: "seconds"))
        var webhookTimeout: Double = 10

        func run() throws {
            guard let url = URL(string: webhook), let scheme = url.scheme, ["http", "https"].contains(scheme) else {
                throw ValidationError("--webhook needs an http or https URL")
            }
            guard webhookTimeout > 0 && webhookTimeout <= 600 else { throw ValidationError("--webhook-timeout must be in (0, 600] seconds") }
            let sink = WebhookSink(url: url, spoolPath: spool, timeout: webhookTimeout)
            let pending: Int
            do {
                pending = try sink.replaySpool()
            } catch {
                printError("\(spool): cannot read the spool: \(error)")
                throw ExitCode(ExitStatus.cannotOpenInput)
            }
            let (delivered, spooled) = sink.finish()
            print(#"{"type":"replay","pending":\#(pending),"delivered":\#(delivered),"spooled":\#(spooled)}"#)
            if spooled > 0 { throw ExitCode(ExitStatus.errors) }
        }
    }
}
