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
            FileHandle.standardOutput.write(Data(Self.jsonObject(files: report.files, current: report.current, scans: report.scans)))
            return
        }
        print("\(file): \(report.files) files recorded; \(report.scans.count) scans")
        for scan in report.scans {
            let marker = scan.id == report.current ? "*" : " "
            print("\(marker) \(scan.id)  \(scan.status)  runs \(scan.runs)  files \(scan.files) (reused \(scan.filesReused))  read \(scan.bytesRead) B  matching files \(scan.matchedFiles)")
        }
    }

    /// The `--json` object: `current_scan` when the state has one, `finished_at` for a scan that finished.
    static func jsonObject(files: Int, current: String?, scans: [ScanState.ScanInfo]) -> [UInt8] {
        var json = JSONLineBuilder()
        json.beginObject()
        json.field("type", "state")
        json.field("schema_version", ScanState.schemaVersion)
        json.field("files", files)
        json.field("current_scan", ifPresent: current)
        json.key("scans")
        json.beginArray()
        for scan in scans {
            json.beginObject()
            json.field("scan_id", scan.id)
            json.field("status", scan.status)
            json.field("runs", scan.runs)
            json.field("started_at", scan.startedAt)
            json.field("finished_at", ifPresent: scan.finishedAt)
            json.field("files", scan.files)
            json.field("bytes_read", scan.bytesRead)
            json.field("files_reused", scan.filesReused)
            json.field("matched_files", scan.matchedFiles)
            json.field("files_in_state", scan.filesInState)
            json.field("matched_files_in_state", scan.matchedFilesInState)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        json.finishLine()
        return json.bytes
    }
}
