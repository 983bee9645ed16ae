import Foundation
import Synchronization

/// The audit log: one JSON line per verdict, appended with one `write` per line (no user-space buffer, so every
/// line is in the file when the answer is sent). Hashes and verdicts only, never content.
package final class AuditLog: Sendable {
    private let descriptor: Mutex<Int32>
    package let path: String

    package struct OpenError: Error, CustomStringConvertible {
        package let description: String
    }

    package init(path: String) throws(OpenError) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw OpenError(description: "\(path): cannot open the audit log: \(String(cString: strerror(errno)))") }
        self.path = path
        descriptor = Mutex(fd)
    }

    deinit { descriptor.withLock { _ = close($0) } }

    /// Appends one line; false when it could not be written whole.
    @discardableResult
    func append(_ line: [UInt8]) -> Bool {
        descriptor.withLock { fd in
            line.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return false
                    }
                    offset += written
                }
                return true
            }
        }
    }
}
