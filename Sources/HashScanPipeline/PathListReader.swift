#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HashScanCore

/// Reads separator-delimited paths from a descriptor through `LineReader`, a chunk at a time, so a list of
/// millions costs no more memory than one path.
struct PathListReader {
    /// Longer than any path a system accepts (PATH_MAX is 4096 on Linux, 1024 on macOS).
    static let maxPathBytes = 64 * 1024

    let descriptor: Int32
    let separator: UInt8
    /// Polled while waiting for input, so a stop request is honoured even when the writer is idle.
    var shouldStop: () -> Bool = { false }
    /// Called when no input has come for a while: buffered records are flushed so a reader downstream of a
    /// slow producer sees results while they are fresh.
    var onIdle: () -> Void = {}

    /// Calls `body` for every non-empty path; stops early (returning false) when `body` does. A newline-separated
    /// list may come from a CRLF file: the `\r` is not part of the path. A path longer than `maxPathBytes` is
    /// handed on cut to that length, so that it fails as too long to open ("File name too long"). A read error
    /// ends the list as its end would.
    func forEach(_ body: (RawPath) -> Bool) -> Bool {
        let lines = LineReader(descriptor: descriptor, separator: separator, stripsCarriageReturn: true,
                               maxLineBytes: Self.maxPathBytes)
        lines.waitForInput = { [descriptor, shouldStop, onIdle] in
            while true {
                var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let ready = poll(&waiting, 1, 200)
                if shouldStop() { return false }
                if ready == 0 {
                    onIdle()
                    continue
                }
                return true
            }
        }
        while true {
            let path: [UInt8]
            do {
                guard let line = try lines.nextLine() else { break }
                path = line
            } catch .lineTooLong(_, _, let head) {
                path = head
            } catch {
                break
            }
            if !path.isEmpty, !body(RawPath(bytes: path)) { return false }
        }
        return !lines.stopped
    }
}
