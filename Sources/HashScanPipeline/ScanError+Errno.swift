#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HashScanCore

extension ScanError {
    /// Maps a failed system call's errno to a stable code and a readable message.
    static func fromErrno(_ code: Int32, operation: String) -> ScanError {
        let reason = String(cString: strerror(code))
        switch code {
        case ENOENT, ENOTDIR: return ScanError(.notFound, "\(operation): \(reason)")
        case EACCES, EPERM: return ScanError(.permissionDenied, "\(operation): \(reason)")
        case ELOOP: return ScanError(.symlinkLoop, "\(operation): \(reason)")
        case ENXIO, ENODEV: return ScanError(.notRegular, "\(operation): \(reason)")
        default: return ScanError(.io, "\(operation): \(reason)")
        }
    }
}
