import Foundation

/// The bench's temporary directory (synthetic corpus, generated list), removed at the end and on SIGINT or
/// SIGTERM. Files are created under `lock`, and the signal handler removes the directory under it too, so no
/// file can appear after the removal.
final class TemporaryArea: @unchecked Sendable {
    let path: String
    private let lock = NSLock()
    private var sources: [DispatchSourceSignal] = []
    private var removed = false

    /// Creates a fresh directory under the system's temporary directory, refusing one inside `protected`
    /// (a user's corpus must never get files next to it).
    init(protecting protected: String?) throws(BenchError) {
        let base = (ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp")
        let resolvedBase = URL(fileURLWithPath: base).resolvingSymlinksInPath().path
        if let protected {
            let root = URL(fileURLWithPath: protected).resolvingSymlinksInPath().path
            if resolvedBase == root || resolvedBase.hasPrefix(root.hasSuffix("/") ? root : root + "/") {
                throw BenchError(.usage, "the temporary directory \(base) is inside the corpus; set TMPDIR elsewhere")
            }
        }
        var template = Array((resolvedBase + "/hashscan-bench-XXXXXX").utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw BenchError(.cannotCreate, "cannot create a temporary directory in \(base): \(String(cString: strerror(errno)))")
        }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Removes the directory when SIGINT or SIGTERM arrives, then exits with 130.
    func removeOnSignals() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                remove()
                FileHandle.standardError.write(Data("\r\u{1B}[Khashscan: bench interrupted; temporary files removed\n".utf8))
                _exit(130)
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Runs `body` (which creates files here) unless the directory is already removed.
    func creatingFiles<T>(_ body: () throws -> T) rethrows -> T? {
        lock.lock()
        defer { lock.unlock() }
        return removed ? nil : try body()
    }

    func remove() {
        lock.lock()
        defer { lock.unlock() }
        guard !removed else { return }
        removed = true
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Removes the directory and restores the default signal handling.
    func finish() {
        remove()
        for source in sources { source.cancel() }
        if !sources.isEmpty {
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
        sources.removeAll()
    }
}
