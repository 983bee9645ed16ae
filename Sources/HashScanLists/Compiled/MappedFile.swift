#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory mapping of a whole file. Pages load on first touch, so opening a multi-gigabyte
/// list costs a system call, not a read.
final class MappedFile: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer

    enum OpenError: Error {
        case system(operation: String, errno: Int32)
    }

    init(path: String) throws(OpenError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .system(operation: "open", errno: errno) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .system(operation: "fstat", errno: errno) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .system(operation: "open", errno: EINVAL) }
        let size = Int(info.st_size)
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_SHARED, descriptor, 0), address != MAP_FAILED else {
            throw .system(operation: "mmap", errno: errno)
        }
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    deinit {
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
    }

    /// Hints the kernel that lookups will be random (no read-ahead of whole neighbourhoods).
    func adviseRandomAccess() {
        if let base = bytes.baseAddress {
            madvise(UnsafeMutableRawPointer(mutating: base), bytes.count, MADV_RANDOM)
        }
    }
}
