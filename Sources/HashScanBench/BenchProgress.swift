import Foundation

/// The progress line on stderr: redrawn in place, at most five times a second, only when enabled (the CLI
/// enables it when stderr is a terminal). Never carries content, only what is being measured.
final class BenchProgress: @unchecked Sendable {
    private let enabled: Bool
    private let lock = NSLock()
    private var lastDraw = 0.0

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ message: String, force: Bool = false) {
        guard enabled else { return }
        lock.withLock {
            let now = BenchClock.now()
            guard force || now - lastDraw >= 0.2 else { return }
            lastDraw = now
            FileHandle.standardError.write(Data("\r\u{1B}[Khashscan bench: \(message)".utf8))
        }
    }

    func clear() {
        guard enabled else { return }
        lock.withLock { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
