#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HashScanCore
import HashScanHashing
import HashScanLists

/// One worker's reusable state: a read buffer and digest contexts, reused across files so a million
/// small files cost a million reads, not a million allocations. Not thread-safe: one per worker.
final class FileProcessor {
    /// 256 KiB: large enough for few system calls, small enough that the three digests read it from cache.
    static let bufferSize = 256 * 1024

    private let digester: MultiDigester
    private let matcher: (any HashMatcher)?
    private let buffer: UnsafeMutableRawBufferPointer

    init(algorithms: [HashAlgorithm], matcher: (any HashMatcher)?) throws {
        digester = try MultiDigester(algorithms: algorithms)
        self.matcher = matcher
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 64)
    }

    deinit { buffer.deallocate() }

    func process(_ item: WorkItem) -> FileResult {
        switch item {
        case .failed(let path, let error):
            return FileResult(path: path, outcome: .failed(error))
        case .file(let path, let followFinalLink):
            var flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK
            if !followFinalLink { flags |= O_NOFOLLOW }
            let descriptor = withCString(path) { open($0, flags) }
            guard descriptor >= 0 else {
                return FileResult(path: path, outcome: .failed(.fromErrno(errno, operation: "open")))
            }
            defer { close(descriptor) }
            return FileResult(path: path, outcome: hashOpenFile(descriptor))
        }
    }

    /// Hashes standard input or another stream that is not a regular file.
    func processStream(_ descriptor: Int32, path: RawPath) -> FileResult {
        FileResult(path: path, outcome: readAndHash(descriptor, expectedSize: nil))
    }

    private func hashOpenFile(_ descriptor: Int32) -> FileResult.Outcome {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return .failed(.fromErrno(errno, operation: "fstat")) }
        // Opened with O_NONBLOCK so a FIFO swapped in after the walk cannot block; refuse it here.
        guard info.st_mode & S_IFMT == S_IFREG else { return .failed(TreeWalker.notRegular(info.st_mode)) }
        #if os(Linux)
        _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_SEQUENTIAL)
        #endif
        return readAndHash(descriptor, expectedSize: UInt64(info.st_size))
    }

    private func readAndHash(_ descriptor: Int32, expectedSize: UInt64?) -> FileResult.Outcome {
        digester.reset()
        var total: UInt64 = 0
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count > 0 {
                digester.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                total += UInt64(count)
            } else if count == 0 {
                break
            } else if errno == EINTR {
                continue
            } else {
                let error = ScanError.fromErrno(errno, operation: "read")
                digester.reset()
                return .failed(error)
            }
        }
        let digests = digester.finish()
        if let expectedSize, expectedSize != total {
            return .failed(ScanError(.modifiedDuringRead, "size was \(expectedSize) bytes when opened, \(total) bytes were read"))
        }
        let hashes = FileHashes(digests: digests)
        let hits = matcher?.matches(for: hashes) ?? []
        return .hashed(size: total, hashes: hashes, hits: hits)
    }
}
