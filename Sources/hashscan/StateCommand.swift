import ArgumentParser
import Foundation
import HashScanPipeline

/// Shows what a scan state holds: its scans, their runs and counters. An operator checks here whether the
/// last scheduled scan finished, and an incremental rescan shows here that it read nothing.
struct StateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Show the scans recorded in a scan state file (--state): status, runs, files, bytes read, matches."
    )

    @Argument(help: ArgumentHelp("The state file.", valueName: "file"))
    var file: String

    @Flag(name: .long, help: "One JSON object instead of text.")
    var json = false

    func run() throws {
        guard FileManager.default.fileExists(atPath: file) else {
            printError("\(file): no such state file")
            throw ExitCode(ExitStatus.cannotOpenInput)
        }
        let report: (files: Int, current: String?, scans: [ScanState.ScanInfo])
        do {
            report = try ScanState(path: file).scans()
        } catch {
            printError(error.description)
            throw ExitCode(ExitStatus.cannotOpenInput)
        }
        if json {
            var object: [String: Any] = ["type": "state", "schema_version": ScanState.schemaVersion, "files": report.files]
            if let current = report.current { object["current_scan"] = current }
            object["scans"] = report.scans.map { scan -> [String: Any] in
                var entry: [String: Any] = [
                    "scan_id": scan.id, "status": scan.status, "runs": scan.runs, "started_at": scan.startedAt,
                    "files": scan.files, "bytes_read": scan.bytesRead, "files_reused": scan.filesReused, "matched_files": scan.matchedFiles,
                    "files_in_state": scan.filesInState, "matched_files_in_state": scan.matchedFilesInState,
                ]
                if let finished = scan.finishedAt { entry["finished_at"] = finished }
                return entry
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("\(file): \(report.files) files recorded; \(report.scans.count) scans")
        for scan in report.scans {
            let marker = scan.id == report.current ? "*" : " "
            print("\(marker) \(scan.id)  \(scan.status)  runs \(scan.runs)  files \(scan.files) (reused \(scan.filesReused))  read \(scan.bytesRead) B  matching files \(scan.matchedFiles)")
        }
    }
}
