import ArgumentParser
import Foundation
import HashScanPipeline

@main
struct HashscanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hashscan",
        abstract: "Hash files and match them against reference hash lists.",
        discussion: """
            Exit codes: 0 no match, 1 at least one match (even if some files failed), 2 no match but some \
            files could not be scanned, 64 usage error, 65 malformed list, 66 unreadable list, 70 the run could \
            not be set up (a digest unavailable, a database down at start), 73 an output file cannot be created, \
            74 the output could not be written completely and nothing matched, 130 stopped by SIGINT/SIGTERM \
            with no match and no error so far, 141 output closed before the run finished and nothing matched.
            """,
        version: HashscanVersion.current,
        subcommands: [HashCommand.self, ScanCommand.self, ServeCommand.self, ListsCommand.self, SinkCommand.self, StateCommand.self, EnqueueCommand.self, WorkerCommand.self, StatusCommand.self, BenchCommand.self]
    )
}

enum HashscanVersion {
    static let current = "0.1.0"
}
