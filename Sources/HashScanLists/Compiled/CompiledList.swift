import Foundation
import HashScanCore

/// A compiled list opened by memory mapping: opening validates the header, the section table and every section's
/// bounds without trapping arithmetic, then the payload checksum (one SHA-256 pass over the file, about half a
/// second a gigabyte), so a damaged list is refused before it is trusted. Immutable and shared by all workers.
public final class CompiledList: HashMatcher, @unchecked Sendable {
    public struct OpenError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        /// A compiled list whose content is damaged (checksums, structure), as opposed to a file that cannot be read
        /// or is not a complete compiled list of this format at all.
        public var isCorrupt = false
        public var description: String { "\(path): \(reason)" }
    }

    public let path: String
    public let metadata: CompiledListMetadata
    public let thresholds: MatchThresholds
    public let algorithms: Set<HashAlgorithm>
    private let file: MappedFile
    private var exact: [HashAlgorithm: ExactIndex] = [:]
    private var hamming: [HashAlgorithm: HammingIndex] = [:]
    private var records: [HashAlgorithm: RecordTable] = [:]

    public var name: String { metadata.name }
    public var version: String? { metadata.version }
    public var fileSize: Int { file.bytes.count }

    /// Where the index tables live while the list is open.
    public enum Residency: Sendable {
        /// Read in place from the mapped file: opening costs one checksum pass; pages stay cached as lookups touch them.
        case mapped
        /// Index tables (exact and perceptual) copied into anonymous memory backed by huge pages where the system
        /// allows: opening reads them once, then each random probe avoids a page walk (several times more PDQ
        /// queries per second on large lists). For long scans and servers.
        case resident
    }

    private var residentCopies: [UnsafeMutableRawBufferPointer] = []

    public init(path: String, residency: Residency = .mapped) throws(OpenError) {
        self.path = path
        do {
            file = try MappedFile(path: path)
        } catch {
            guard case .system(let operation, let code) = error else { throw OpenError(path: path, reason: "cannot open") }
            throw OpenError(path: path, reason: "\(operation): \(String(cString: strerror(code)))")
        }
        let bytes = file.bytes
        func fail(_ reason: String, corrupt: Bool = true) -> OpenError { OpenError(path: path, reason: reason, isCorrupt: corrupt) }
        guard bytes.count >= CompiledListLayout.headerSize else { throw fail("not a compiled hashscan list (too short)", corrupt: false) }
        guard Array(bytes[0..<8]) == CompiledListLayout.magic else { throw fail("not a compiled hashscan list (bad magic)", corrupt: false) }
        let version: UInt32 = bytes.loadLE(at: CompiledListLayout.Offset.version)
        guard version == CompiledListLayout.formatVersion else {
            throw fail("compiled list format version \(version); this hashscan reads version \(CompiledListLayout.formatVersion)", corrupt: false)
        }
        let headerDigest = CompiledListChecksum.sha256(UnsafeRawBufferPointer(rebasing: bytes[0..<CompiledListLayout.Offset.headerDigest]))
        guard headerDigest == Array(bytes[CompiledListLayout.Offset.headerDigest..<(CompiledListLayout.Offset.headerDigest + 32)]) else {
            throw fail("header checksum mismatch: the file is corrupt")
        }
        // The rest of the header is reserved and written as zeros: anything else there is damage.
        guard bytes[(CompiledListLayout.Offset.headerDigest + 32)..<CompiledListLayout.headerSize].allSatisfy({ $0 == 0 }) else {
            throw fail("reserved header bytes are not zero: the file is corrupt")
        }
        let declaredSize: UInt64 = bytes.loadLE(at: CompiledListLayout.Offset.fileSize)
        guard declaredSize == UInt64(bytes.count) else {
            throw fail(declaredSize > UInt64(bytes.count)
                ? "truncated: \(bytes.count) of \(declaredSize) bytes" : "\(UInt64(bytes.count) - declaredSize) unexpected bytes after the list",
                corrupt: false)
        }
        // The bytes must be the ones written before anything in them is believed (a flipped bit in a table would
        // match wrongly, and a damaged count must not size anything).
        guard Self.payloadIntact(bytes) else { throw fail("payload checksum mismatch: a byte after the header changed since the list was compiled") }
        let sectionCount = Int(bytes.loadLE(at: CompiledListLayout.Offset.sectionCount) as UInt32)
        guard let tableOffset = Int(exactly: bytes.loadLE(at: CompiledListLayout.Offset.sectionTable) as UInt64),
              sectionCount < 10_000, tableOffset >= CompiledListLayout.headerSize,
              tableOffset + sectionCount * CompiledListLayout.sectionEntrySize <= bytes.count else {
            throw fail("section table out of bounds: the file is corrupt")
        }
        let metadataOffset = Int(clamping: bytes.loadLE(at: CompiledListLayout.Offset.metadataOffset) as UInt64)
        let metadataLength = Int(clamping: bytes.loadLE(at: CompiledListLayout.Offset.metadataLength) as UInt64)
        guard metadataOffset <= bytes.count, metadataLength <= bytes.count - metadataOffset,
              let decoded = try? JSONDecoder().decode(CompiledListMetadata.self, from: Data(bytes[metadataOffset..<(metadataOffset + metadataLength)]))
        else { throw fail("metadata unreadable: the file is corrupt") }
        metadata = decoded

        var sections: [CompiledListLayout.Section] = []
        for index in 0..<sectionCount {
            let at = tableOffset + index * CompiledListLayout.sectionEntrySize
            guard let kind = CompiledListLayout.SectionKind(rawValue: bytes.loadLE(at: at)),
                  let algorithm = CompiledListLayout.algorithm(code: bytes.loadLE(at: at + 4)) else {
                throw fail("unknown section \(index): the file is corrupt or from a newer hashscan")
            }
            let section = CompiledListLayout.Section(
                kind: kind, algorithm: algorithm, offset: bytes.loadLE(at: at + 8), length: bytes.loadLE(at: at + 16),
                count: bytes.loadLE(at: at + 24), parameter0: bytes.loadLE(at: at + 32), parameter1: bytes.loadLE(at: at + 40)
            )
            guard section.offset <= UInt64(bytes.count), section.length <= UInt64(bytes.count) - section.offset,
                  section.count <= UInt64(Int32.max) else {
                throw fail("section \(index) out of bounds: the file is corrupt")
            }
            sections.append(section)
        }

        var thresholdValues = MatchThresholds.standard.values
        for (name, value) in metadata.thresholds {
            if let algorithm = HashAlgorithm(rawValue: name) { thresholdValues[algorithm] = value }
        }
        thresholds = MatchThresholds(values: thresholdValues)
        algorithms = Set(sections.map(\.algorithm))
        for algorithm in algorithms {
            let group = sections.filter { $0.algorithm == algorithm }
            do {
                try buildIndexes(algorithm, group)
            } catch let failure as ParseFailure {
                throw fail("\(algorithm.rawValue) sections: \(failure.reason): the file is corrupt")
            } catch {
                throw fail("\(algorithm.rawValue) sections: the file is corrupt")
            }
        }
        file.adviseRandomAccess()
        if residency == .resident { makeResident() }
        if let frames = hamming[.vpdq], let table = records[.vpdq] {
            // Distinct frames per vPDQ entry, counted once at open (what the entry-side percentage divides by).
            var distinct: [String: Set<Digest>] = [:]
            for row in 0..<min(frames.count, table.count) { distinct[table.record(row).reportedID, default: []].insert(frames.hash(row: row)) }
            vpdqSizes = distinct.mapValues(\.count)
        }
    }

    /// Distinct vPDQ frames per entry id.
    private var vpdqSizes: [String: Int] = [:]

    public func entrySizes(_ algorithm: HashAlgorithm) -> [String: [String: Int]] {
        algorithm == .vpdq && !vpdqSizes.isEmpty ? [name: vpdqSizes] : [:]
    }

    deinit {
        for copy in residentCopies { munmap(copy.baseAddress, copy.count) }
    }

    /// Copies each index's tables (exact: the sorted digests and the prefix table; Hamming: hashes, chunk offsets
    /// and postings) into huge-page-backed anonymous memory and points the index at them. A random lookup then
    /// costs a cache miss without a page walk (4 KiB pages of a file mapping need one per random row). The copy
    /// replaces the mapped pages: they are released from this process after copying.
    private func makeResident() {
        for (algorithm, index) in exact {
            let digestBytes = index.count * index.width
            let bucketBytes = ((1 << index.prefixBits) + 1) * 4
            guard let copied = residentCopy([(index.digests, digestBytes), (index.buckets, bucketBytes)]) else { continue }
            exact[algorithm] = ExactIndex(digests: copied[0], width: index.width, count: index.count, buckets: copied[1],
                                          prefixBits: index.prefixBits)
        }
        for (algorithm, index) in hamming {
            var pieces: [(UnsafeRawPointer, Int)] = [(index.hashes, index.count * index.width)]
            for chunk in index.chunks {
                pieces.append((chunk.offsets, ((1 << chunk.bits) + 1) * 4))
                pieces.append((chunk.postings, index.count * 4))
            }
            guard let copied = residentCopy(pieces) else { continue }
            let chunks = index.chunks.enumerated().map { position, chunk in
                HammingIndex.Chunk(start: chunk.start, bits: chunk.bits, offsets: copied[1 + 2 * position], postings: copied[2 + 2 * position])
            }
            hamming[algorithm] = HammingIndex(hashes: copied[0], width: index.width, count: index.count, chunks: chunks,
                                              plannedRadius: index.plannedRadius)
        }
    }

    /// The pieces copied, 64-byte aligned, into one anonymous region asking for huge pages; nil when the memory
    /// cannot be had (the index then stays mapped: slower, same answers). The source pages are released from
    /// this process's mapping (the file is unchanged; its page cache is the kernel's to keep or drop).
    private func residentCopy(_ pieces: [(UnsafeRawPointer, Int)]) -> [UnsafeRawPointer]? {
        let huge = 2 << 20
        let total = pieces.reduce(0) { $0 + ($1.1 + 63) / 64 * 64 }
        let size = max(huge, (total + huge - 1) / huge * huge)
        guard let region = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), region != MAP_FAILED else {
            return nil
        }
        madvise(region, size, MADV_HUGEPAGE)
        var offset = 0
        var copied: [UnsafeRawPointer] = []
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        for (source, length) in pieces {
            (region + offset).copyMemory(from: source, byteCount: length)
            copied.append(UnsafeRawPointer(region + offset))
            offset += (length + 63) / 64 * 64
            // Whole pages inside the piece only: a page shared with the header or another section stays.
            let start = (Int(bitPattern: source) + page - 1) / page * page
            let end = (Int(bitPattern: source) + length) / page * page
            if end > start { madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_DONTNEED) }
        }
        residentCopies.append(UnsafeMutableRawBufferPointer(start: region, count: size))
        return copied
    }

    private func buildIndexes(_ algorithm: HashAlgorithm, _ group: [CompiledListLayout.Section]) throws {
        let base = file.bytes.baseAddress!
        func one(_ kind: CompiledListLayout.SectionKind) throws -> CompiledListLayout.Section {
            guard let section = group.first(where: { $0.kind == kind }) else { throw ParseFailure("missing \(kind) section") }
            return section
        }
        let width = algorithm.byteCount
        let rowCount: Int
        if let packed = group.first(where: { $0.kind == .packedLines }) {
            rowCount = Int(packed.count)
            let bits = Int(clamping: packed.parameter0)
            guard (1...32).contains(bits) else { throw ParseFailure("line table width \(packed.parameter0) bits") }
            // Exactly the packed rows and their padding: every row's 8-byte load stays inside the section.
            guard packed.length == UInt64(CompiledListLayout.packedLinesLength(count: rowCount, bits: bits)) else {
                throw ParseFailure("line table size")
            }
            records[algorithm] = RecordTable(packedLines: base + Int(packed.offset), bits: bits, count: rowCount)
        } else if let lines = group.first(where: { $0.kind == .lines }) {
            rowCount = Int(lines.count)
            guard lines.length == UInt64(rowCount * 4) else { throw ParseFailure("line table size") }
            records[algorithm] = RecordTable(lines: base + Int(lines.offset), count: rowCount)
        } else {
            let recordSection = try one(.records)
            let blob = try one(.recordBlob)
            rowCount = Int(recordSection.count)
            guard recordSection.length == UInt64(rowCount * 8) else { throw ParseFailure("record table size") }
            records[algorithm] = RecordTable(
                offsets: base + Int(recordSection.offset), count: rowCount,
                blob: UnsafeRawBufferPointer(start: base + Int(blob.offset), count: Int(blob.length))
            )
        }
        if algorithm.isCryptographic {
            let digests = try one(.sortedDigests)
            let buckets = try one(.prefixBuckets)
            let bits = Int(clamping: buckets.parameter0)
            guard Int(digests.count) == rowCount, digests.length == UInt64(rowCount * width), digests.parameter0 == UInt64(width),
                  bits <= 28, buckets.length == UInt64(((1 << bits) + 1) * 4) else { throw ParseFailure("digest table size") }
            exact[algorithm] = ExactIndex(digests: base + Int(digests.offset), width: width, count: rowCount,
                                          buckets: base + Int(buckets.offset), prefixBits: bits)
        } else {
            let hashes = try one(.hashes)
            guard Int(hashes.count) == rowCount, hashes.length == UInt64(rowCount * width) else { throw ParseFailure("hash table size") }
            let offsetSections = group.filter { $0.kind == .chunkOffsets }.sorted { $0.parameter0 < $1.parameter0 }
            let postingSections = group.filter { $0.kind == .chunkPostings }.sorted { $0.parameter0 < $1.parameter0 }
            guard offsetSections.count == postingSections.count else { throw ParseFailure("chunk tables") }
            var chunks: [HammingIndex.Chunk] = []
            var start = 0
            var planned = 0
            for (offsets, postings) in zip(offsetSections, postingSections) {
                let bits = Int(clamping: offsets.parameter1)
                guard bits >= 1, bits <= 26, start + bits <= width * 8, offsets.length == UInt64(((1 << bits) + 1) * 4),
                      postings.count == UInt64(rowCount), postings.length == UInt64(rowCount * 4),
                      // The radius the chunks were planned for sizes the search plan: at most the hash's bits.
                      postings.parameter1 <= UInt64(width * 8) else { throw ParseFailure("chunk table size") }
                chunks.append(HammingIndex.Chunk(start: start, bits: bits, offsets: base + Int(offsets.offset), postings: base + Int(postings.offset)))
                start += bits
                planned = Int(clamping: postings.parameter1)
            }
            guard chunks.isEmpty || start == width * 8 else { throw ParseFailure("chunks do not cover the hash") }
            hamming[algorithm] = HammingIndex(hashes: base + Int(hashes.offset), width: width, count: rowCount,
                                              chunks: chunks, plannedRadius: planned)
        }
    }

    /// Entries per algorithm.
    public var counts: [HashAlgorithm: Int] { records.mapValues(\.count) }

    public func matches(for hashes: FileHashes) -> [ListHit] {
        var hits: [ListHit] = []
        for (algorithm, index) in exact {
            guard let digest = hashes[algorithm] else { continue }
            for row in index.rows(matching: digest) { hits.append(hit(algorithm, row: row, distance: 0, reference: digest)) }
        }
        for (algorithm, index) in hamming {
            guard let hash = hashes[algorithm] else { continue }
            for (row, distance) in index.search(hash, radius: thresholds.threshold(for: algorithm)) {
                hits.append(hit(algorithm, row: row, distance: distance, reference: index.hash(row: row)))
            }
        }
        hits.sort(by: ListHit.recordOrder)
        return hits
    }

    /// Matches one hash at an explicit radius (for `lists query`).
    public func query(_ algorithm: HashAlgorithm, _ hash: Digest, maxDistance: Int? = nil) -> [ListHit] {
        if let index = exact[algorithm] {
            return index.rows(matching: hash).map { hit(algorithm, row: $0, distance: 0, reference: hash) }
        }
        guard let index = hamming[algorithm] else { return [] }
        return index.search(hash, radius: maxDistance ?? thresholds.threshold(for: algorithm)).map {
            hit(algorithm, row: $0.row, distance: $0.distance, reference: index.hash(row: $0.row))
        }
    }

    /// Exact lookups of many digests at once: `counts[i]` = how many entries hold `keys[i]` (0 when absent).
    /// Faster than one `query` per key on large lists: the memory loads of several keys overlap. For a
    /// perceptual algorithm, or one the list does not hold, every count is 0.
    public func matchCounts(_ algorithm: HashAlgorithm, _ keys: UnsafeBufferPointer<Digest>, into counts: UnsafeMutableBufferPointer<Int32>) {
        guard let index = exact[algorithm] else {
            for position in 0..<min(keys.count, counts.count) { counts[position] = 0 }
            return
        }
        index.countMatches(keys, into: counts)
    }

    /// `matchCounts` for an array of keys.
    public func matchCounts(_ algorithm: HashAlgorithm, _ keys: [Digest]) -> [Int32] {
        var counts = [Int32](repeating: 0, count: keys.count)
        keys.withUnsafeBufferPointer { keys in
            counts.withUnsafeMutableBufferPointer { matchCounts(algorithm, keys, into: $0) }
        }
        return counts
    }

    /// What one perceptual search costs: probes, candidates verified, matches (for benchmarks and
    /// `lists query` diagnostics). Nil for an exact algorithm or one the list does not hold.
    public func searchStatistics(_ algorithm: HashAlgorithm, _ hash: Digest, maxDistance: Int) -> HammingSearchStatistics? {
        guard let index = hamming[algorithm] else { return nil }
        var statistics = HammingSearchStatistics()
        let found = index.search(hash, radius: maxDistance, statistics: &statistics)
        statistics.matches = found.count
        return statistics
    }

    /// Every entry of one algorithm, for `lists diff` (never printed wholesale by the CLI).
    func forEachEntry(_ algorithm: HashAlgorithm, _ body: (Digest, EntryRecord) -> Void) {
        guard let table = records[algorithm] else { return }
        for row in 0..<table.count {
            let hash = exact[algorithm]?.digest(row: row) ?? hamming[algorithm]!.hash(row: row)
            body(hash, table.record(row))
        }
    }

    /// Recomputes the payload checksum: proves every byte is as written.
    public func verify() -> Bool { Self.payloadIntact(file.bytes) }

    private static func payloadIntact(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let stored = Array(bytes[CompiledListLayout.Offset.payloadDigest..<(CompiledListLayout.Offset.payloadDigest + 32)])
        return CompiledListChecksum.sha256(UnsafeRawBufferPointer(rebasing: bytes[CompiledListLayout.headerSize...])) == stored
    }

    private func hit(_ algorithm: HashAlgorithm, row: Int, distance: Int, reference: Digest) -> ListHit {
        let record = records[algorithm]!.record(row)
        return ListHit(
            list: metadata.name, listVersion: metadata.version, entry: record.reportedID, category: record.category,
            algorithm: algorithm, distance: distance, threshold: thresholds.threshold(for: algorithm), reference: reference
        )
    }
}

/// An entry's record as stored: the source line, the provider's id and category.
struct EntryRecord: Equatable {
    var line: Int
    var entryID: String?
    var category: String?
    var reportedID: String { entryID ?? "line:\(line)" }
}

/// Row → record, bounds-checked so a corrupt file yields empty fields rather than a crash.
struct RecordTable: @unchecked Sendable {
    private enum Storage {
        /// Full records: u64 offsets into a blob.
        case records(offsets: UnsafeRawPointer)
        /// Only the source line of each row, u32.
        case lines(UnsafeRawPointer)
        /// Only the source line of each row, `bits` bits each (see `SectionKind.packedLines`).
        case packedLines(UnsafeRawPointer, bits: Int)
    }

    private let storage: Storage
    private let blob: UnsafeRawBufferPointer
    let count: Int

    init(offsets: UnsafeRawPointer, count: Int, blob: UnsafeRawBufferPointer) {
        storage = .records(offsets: offsets)
        self.blob = blob
        self.count = count
    }

    init(lines: UnsafeRawPointer, count: Int) {
        storage = .lines(lines)
        blob = UnsafeRawBufferPointer(start: nil, count: 0)
        self.count = count
    }

    /// `bits` in 1...32, and the section `CompiledListLayout.packedLinesLength(count:bits:)` bytes long.
    init(packedLines: UnsafeRawPointer, bits: Int, count: Int) {
        storage = .packedLines(packedLines, bits: bits)
        blob = UnsafeRawBufferPointer(start: nil, count: 0)
        self.count = count
    }

    func record(_ row: Int) -> EntryRecord {
        guard row >= 0, row < count else { return EntryRecord(line: 0) }
        switch storage {
        case .packedLines(let packed, let bits):
            let bit = row * bits
            // Shift <= 7 and bits <= 32: the row lies within the 8 bytes loaded.
            let word = UInt64(littleEndian: packed.loadUnaligned(fromByteOffset: bit >> 3, as: UInt64.self))
            return EntryRecord(line: Int((word >> UInt64(bit & 7)) & (1 << UInt64(bits) - 1)))
        case .lines(let lines):
            return EntryRecord(line: Int(UInt32(littleEndian: lines.loadUnaligned(fromByteOffset: row * 4, as: UInt32.self))))
        case .records(let offsets):
            var position = Int(clamping: UInt64(littleEndian: offsets.loadUnaligned(fromByteOffset: row * 8, as: UInt64.self)))
            let line = readVarint(&position) ?? 0
            let id = readString(&position)
            let category = readString(&position)
            return EntryRecord(line: Int(clamping: line), entryID: id, category: category)
        }
    }

    private func readVarint(_ position: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while position < blob.count && shift < 64 {
            let byte = blob[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        return nil
    }

    private func readString(_ position: inout Int) -> String? {
        guard let length = readVarint(&position), length > 0, length - 1 <= UInt64(blob.count - position) else { return nil }
        let end = position + Int(length - 1)
        defer { position = end }
        return String(decoding: blob[position..<end], as: UTF8.self)
    }
}

extension UnsafeRawBufferPointer {
    func loadLE<T: FixedWidthInteger>(at offset: Int) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

extension CompiledList {
    /// The Hamming index of one algorithm, for tests comparing it with the linear reference.
    func hammingIndexForTesting(_ algorithm: HashAlgorithm) -> HammingIndex? { hamming[algorithm] }
}

extension CompiledList {
    /// Whether the file starts with the compiled-list magic (so `--list` can take either kind of file).
    public static func looksCompiled(path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 8)).map(Array.init) == CompiledListLayout.magic
    }
}
