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

    init(reporter: ScanReporter, json: Bool = false, interval: Double = 0.5) {
        self.reporter = reporter
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
        if json {
            let record = #"{"type":"progress","seconds":\#(String(format: "%.1f", s.seconds)),"files":\#(s.files),"bytes":\#(s.bytes),"#
                + #""files_reused":\#(s.filesReused),"matches":\#(s.matchedFiles),"errors":\#(s.errors)}"# + "\n"
            FileHandle.standardError.write(Data(record.utf8))
            return
        }
        let megabytes = Double(s.bytes) / 1_000_000
        let rate = s.seconds > 0 ? megabytes / s.seconds : 0
        let line = String(format: "\r\u{1B}[Khashscan: %d files, %.1f MB (%.1f MB/s), %d matches, %d errors",
                          s.files, megabytes, rate, s.matchedFiles, s.errors)
        FileHandle.standardError.write(Data(line.utf8))
    }
}
