import Foundation

/// Progress on stderr: a one-line display redrawn twice a second (for a terminal), or a JSON record every
/// `interval` seconds (for log pipelines; specified in docs/output-format.md).
final class ProgressLine: @unchecked Sendable {
    private let reporter: ScanReporter
    private let json: Bool
    private let interval: Double
    private let condition = NSCondition()
    private var stopped = false
    private var finished = false
    /// Files the scan is expected to see (the state's last complete scan of the tree): gives an ETA.
    private let expectedFiles: Int?

    init(reporter: ScanReporter, json: Bool = false, interval: Double = 0.5, expectedFiles: Int? = nil) {
        self.reporter = reporter
        self.expectedFiles = expectedFiles.flatMap { $0 > 0 ? $0 : nil }
        self.json = json
        self.interval = max(0.1, interval)
    }

    func start() {
        let thread = Thread { [self] in
            condition.lock()
            while !stopped {
                condition.unlock()
                draw()
                condition.lock()
                _ = condition.wait(until: Date().addingTimeInterval(interval))
            }
            finished = true
            condition.broadcast()
            condition.unlock()
        }
        thread.start()
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
        // A log pipeline always gets the final figures; a terminal gets its line cleared.
        if json { draw() } else { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    private func draw() {
        let s = reporter.snapshot()
        let filesPerSecond = s.seconds > 0 ? Double(s.files) / s.seconds : 0
        // Files done this run and by the runs before it (resume), against the last complete scan's count.
        var remainingSeconds: Double? = nil
        if let expectedFiles, filesPerSecond > 0, s.seconds >= 2 {
            remainingSeconds = Double(max(0, expectedFiles - s.files - s.filesResumed)) / filesPerSecond
        }
        if json {
            FileHandle.standardError.write(Data(Self.record(s, filesPerSecond: filesPerSecond, remainingSeconds: remainingSeconds)))
            return
        }
        let megabytes = Double(s.bytes) / 1_000_000
        let rate = s.seconds > 0 ? megabytes / s.seconds : 0
        var line = String(format: "\r\u{1B}[Khashscan: %d files (%.0f/s), %.1f MB (%.1f MB/s), %d matches, %d errors",
                          s.files, filesPerSecond, megabytes, rate, s.matchedFiles + s.earlierMatchedFiles, s.errors)
        if let remainingSeconds {
            let seconds = Int(remainingSeconds.rounded())
            line += String(format: ", ~%d:%02d left", seconds / 60, seconds % 60)
        }
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// The `progress` record of docs/output-format.md.
    static func record(_ s: ScanSummary, filesPerSecond: Double, remainingSeconds: Double?) -> [UInt8] {
        var json = JSONLineBuilder()
        json.beginObject()
        json.field("type", "progress")
        json.field("seconds", s.seconds, decimals: 1)
        json.field("files", s.files)
        json.field("bytes", s.bytes)
        json.field("files_reused", s.filesReused)
        json.field("files_per_second", filesPerSecond, decimals: 1)
        json.field("matches", s.matchedFiles)
        json.field("errors", s.errors)
        if let remainingSeconds, remainingSeconds.isFinite, remainingSeconds < 1e15 { json.field("eta_seconds", Int(remainingSeconds.rounded())) }
        json.endObject()
        json.finishLine()
        return json.bytes
    }
}
