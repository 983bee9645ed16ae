#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HashScanCore
import HashScanHashing
import HashScanLists

/// One worker's reusable state: a read buffer and its `ReadPass` (digests and content analysers), reused across
/// files so a million small files cost a million reads, not a million allocations. Not thread-safe: one per worker.
package final class FileProcessor {
    /// 256 KiB: large enough for few system calls, small enough that the three digests read it from cache.
    static let bufferSize = 256 * 1024

    private let pass: ReadPass
    private let matcher: (any HashMatcher)?
    private let buffer: UnsafeMutableRawBufferPointer

    /// Lists of known-good files (e.g. NSRL): a digest hit skips perceptual work and perceptual matching.
    private let knownGood: (any HashMatcher)?
    /// The scan state: with `incremental`, unchanged files are not read; when resuming, files this scan
    /// already finished are skipped. (Files are recorded by the reporter, after their record is written.)
    private let state: ScanState?
    private let stateReader: ScanState.Reader?
    private let incremental: Bool
    /// The scan being resumed, if any.
    private let resumedScan: String?

    package init(algorithms: [HashAlgorithm], matcher: (any HashMatcher)?, knownGood: (any HashMatcher)? = nil,
         imageOptions: ImageHashingOptions? = nil, state: ScanState? = nil, incremental: Bool = false) throws {
        self.state = state
        self.incremental = incremental && state != nil
        resumedScan = state?.session.flatMap { $0.resumed ? $0.id : nil }
        stateReader = (incremental || resumedScan != nil) ? state?.reader() : nil
        pass = try ReadPass(cryptographic: algorithms, imageOptions: imageOptions)
        self.matcher = matcher
        self.knownGood = knownGood
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 64)
    }

    deinit { buffer.deallocate() }

    package func process(_ item: WorkItem) -> FileResult {
        switch item {
        case .failed(let path, let error, let context):
            return FileResult(path: path, outcome: .failed(error), context: context)
        case .file(let path, let followFinalLink, let context):
            var flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK
            if !followFinalLink { flags |= O_NOFOLLOW }
            let descriptor = withCString(path) { open($0, flags) }
            guard descriptor >= 0 else {
                return FileResult(path: path, outcome: .failed(.fromErrno(errno, operation: "open")), context: context)
            }
            defer { close(descriptor) }
            var result = FileResult(path: path, outcome: .failed(ScanError(.io, "not read")), context: context)
            result.outcome = hashOpenFile(descriptor, path: path, stateRecord: &result.stateRecord)
            return result
        }
    }

    /// Hashes standard input or another stream that is not a regular file.
    func processStream(_ descriptor: Int32, path: RawPath) -> FileResult {
        FileResult(path: path, outcome: readAndHash(descriptor, expectedSize: nil))
    }

    private func hashOpenFile(_ descriptor: Int32, path: RawPath, stateRecord: inout FileResult.StateRecord?) -> FileResult.Outcome {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return .failed(.fromErrno(errno, operation: "fstat")) }
        // Opened with O_NONBLOCK so a FIFO swapped in after the walk cannot block; refuse it here.
        guard info.st_mode & S_IFMT == S_IFREG else { return .failed(TreeWalker.notRegular(info.st_mode)) }
        let identity = ScanState.Identity(info)
        if stateReader != nil, let row = stateReader?.lookup(path), row.identity == identity {
            // Finished by this scan before it was interrupted: its record is out already.
            if let resumedScan, row.scanID == resumedScan { return .resumed(matched: row.matched) }
            if incremental, let reused = reuseStored(row) {
                stateRecord = FileResult.StateRecord(identity: identity, isImage: reused.isImage, vpdqSeconds: vpdqSeconds)
                return .hashed(reused.file)
            }
        }
        #if os(Linux)
        // Read-ahead advice costs a system call: only worth it beyond one buffer.
        if info.st_size > Self.bufferSize { _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_SEQUENTIAL) }
        #endif
        let outcome = readAndHash(descriptor, expectedSize: UInt64(info.st_size))
        if state != nil, case .hashed(let file) = outcome, file.knownGood == nil {
            stateRecord = FileResult.StateRecord(identity: identity, isImage: pass.lastItemWasImage, vpdqSeconds: vpdqSeconds)
        }
        return outcome
    }

    /// The stored hashes of an unchanged file, matched against the current lists; nil when it must be read.
    private func reuseStored(_ row: ScanState.Reader.Row) -> (file: HashedFile, isImage: Bool)? {
        guard let entry = StoredHashes.decode(row.hashes),
              StoredHashes.covers(entry, cryptographic: pass.cryptographic, images: pass.imageOptions) else { return nil }
        var file = HashedFile(size: UInt64(row.identity.size), hashes: entry.hashes, image: entry.image)
        file.video = entry.video
        file.reused = true
        if let knownGood, let hit = knownGood.matches(for: entry.hashes).first(where: { $0.algorithm.isCryptographic }) {
            file.knownGood = hit.list
        }
        file.hits = match(entry.hashes)
        return (file, entry.isImage)
    }

    private func readAndHash(_ descriptor: Int32, expectedSize: UInt64?) -> FileResult.Outcome {
        // A regular file (its size known) can be read again where it is: a video too large for memory is decoded so.
        pass.begin(rereadable: expectedSize != nil ? descriptor : nil)
        var total: UInt64 = 0
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count > 0 {
                pass.consume(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                total += UInt64(count)
            } else if count == 0 {
                break
            } else if errno == EINTR {
                continue
            } else {
                let error = ScanError.fromErrno(errno, operation: "read")
                pass.abandon()
                return .failed(error)
            }
        }
        if let expectedSize, expectedSize != total {
            pass.abandon()
            return .failed(ScanError(.modifiedDuringRead, "size was \(expectedSize) bytes when opened, \(total) bytes were read"))
        }
        // A digest on a known-good list skips content analysis. Digest matches on block lists still count:
        // a match is never hidden, even behind a known-good list.
        var file = pass.finish(size: total) { [knownGood] hashes in
            knownGood?.matches(for: hashes).first(where: { $0.algorithm.isCryptographic })?.list
        }
        file.hits = match(file.hashes)
        return .hashed(file)
    }

    /// Matches a file's hashes by the rules every caller shares (`VerdictMatching`).
    /// The sampling this pass hashes videos with, nil when it computes no vPDQ (what the scan state records).
    private var vpdqSeconds: Double? {
        pass.imageOptions.flatMap { $0.algorithms.contains(.vpdq) ? $0.vpdqSecondsPerHash : nil }
    }

    private func match(_ hashes: FileHashes) -> [ListHit] {
        guard let matcher else { return [] }
        let options = pass.imageOptions ?? ImageHashingOptions()
        return VerdictMatching.match(hashes, matcher: matcher, minimumPDQQuality: pass.imageOptions?.minimumPDQQuality ?? 0,
                                     vpdqQueryPercent: options.vpdqQueryPercent, vpdqEntryPercent: options.vpdqEntryPercent)
    }
}
