#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HashScanCore

/// Reads separator-delimited paths from a descriptor in chunks, so a list of millions costs no more memory than one path.
struct PathListReader {
    let descriptor: Int32
    let separator: UInt8
    /// Polled while waiting for input, so a stop request is honoured even when the writer is idle.
    var shouldStop: () -> Bool = { false }
    /// Called when no input has come for a while: buffered records are flushed so a reader downstream of a
    /// slow producer sees results while they are fresh.
    var onIdle: () -> Void = {}

    /// Calls `body` for every non-empty path; stops early (returning false) when `body` does.
    func forEach(_ body: (RawPath) -> Bool) -> Bool {
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            var waiting = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&waiting, 1, 200)
            if shouldStop() { return false }
            if ready == 0 {
                onIdle()
                continue
            }
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                break
            }
            if count == 0 { break }
            var start = 0
            for index in 0..<count where chunk[index] == separator {
                pending.append(contentsOf: chunk[start..<index])
                start = index + 1
                if !emit(&pending, body) { return false }
            }
            pending.append(contentsOf: chunk[start..<count])
        }
        return emit(&pending, body)
    }

    private func emit(_ pending: inout [UInt8], _ body: (RawPath) -> Bool) -> Bool {
        defer { pending.removeAll(keepingCapacity: true) }
        // A newline-separated list may come from a CRLF file.
        if separator == UInt8(ascii: "\n"), pending.last == UInt8(ascii: "\r") { pending.removeLast() }
        guard !pending.isEmpty else { return true }
        return body(RawPath(bytes: pending))
    }
}
