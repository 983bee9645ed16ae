import Foundation

/// A one-line progress display on stderr, redrawn twice a second; only used when stderr is a terminal.
final class ProgressLine: @unchecked Sendable {
    private let reporter: ScanReporter
    private let condition = NSCondition()
    private var stopped = false
    private var finished = false

    init(reporter: ScanReporter) { self.reporter = reporter }

    func start() {
        let thread = Thread { [self] in
            condition.lock()
            while !stopped {
                condition.unlock()
                draw()
                condition.lock()
                _ = condition.wait(until: Date().addingTimeInterval(0.5))
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
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    private func draw() {
        let s = reporter.snapshot()
        let megabytes = Double(s.bytes) / 1_000_000
        let rate = s.seconds > 0 ? megabytes / s.seconds : 0
        let line = String(format: "\r\u{1B}[Khashscan: %d files, %.1f MB (%.1f MB/s), %d matches, %d errors",
                          s.files, megabytes, rate, s.matchedFiles, s.errors)
        FileHandle.standardError.write(Data(line.utf8))
    }
}
