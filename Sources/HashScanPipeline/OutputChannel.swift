#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A buffered writer to a file descriptor that notices a closed reader (EPIPE) instead of dying of SIGPIPE.
final class OutputChannel {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private let flushThreshold = 64 * 1024
    /// Set once a write fails; later writes are dropped.
    private(set) var failure: Int32? = nil

    init(descriptor: Int32) {
        self.descriptor = descriptor
        buffer.reserveCapacity(flushThreshold * 2)
    }

    func send(_ bytes: [UInt8], flushNow: Bool = false) {
        guard failure == nil else { return }
        buffer.append(contentsOf: bytes)
        if flushNow || buffer.count >= flushThreshold { flush() }
    }

    /// Asks the kernel to put what was written on disk (a file; a pipe or terminal has nothing to sync).
    func sync() {
        guard failure == nil else { return }
        _ = fsync(descriptor)
    }

    func flush() {
        guard failure == nil else { buffer.removeAll(keepingCapacity: true); return }
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { raw in
                write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            }
            if written >= 0 {
                offset += written
            } else if errno == EINTR || errno == EAGAIN {
                continue
            } else {
                failure = errno
                break
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
