import Foundation

/// Turns SIGINT and SIGTERM into an orderly stop: no new files are started, files in flight finish and are
/// reported, the state is committed and the summary says the run is incomplete (a later `--incremental`
/// run with the same state picks up where this one stopped).
package final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var requested: Int32? = nil
    private var sources: [DispatchSourceSignal] = []

    package init() {}

    /// The signal that stopped the run, if one did.
    package var signal: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return requested
    }

    /// Installs the handlers; `onStop` runs once, on a background queue.
    package func install(onStop: @escaping @Sendable () -> Void) {
        for number in [SIGINT, SIGTERM] {
            Foundation.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                lock.lock()
                let first = requested == nil
                if first { requested = number }
                lock.unlock()
                if first { onStop() }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Restores the default handlers.
    package func uninstall() {
        for source in sources { source.cancel() }
        sources.removeAll()
        Foundation.signal(SIGINT, SIG_DFL)
        Foundation.signal(SIGTERM, SIG_DFL)
    }
}
