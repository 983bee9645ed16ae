import Foundation
import HashScanCore
import HashScanHashing

/// Writes a compiled list: sorted digest arrays with prefix buckets for exact algorithms, hash arrays with
/// multi-index tables for perceptual ones, entry records, JSON metadata, and checksums. Sections stream to
/// disk as they are built (memory peaks at the input plus one section's working set), into a file beside the
/// destination that is renamed into place, so a reader (a server reloading) never sees half a file.
public enum CompiledListWriter {
    public struct WriteError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Compiles `list` to `path`. `thresholds` are the list's match policy, stored in its metadata;
    /// perceptual indexes are built for these radii.
    public static func write(
        _ list: HashList, to path: String, sources: [CompiledListMetadata.Source] = [],
        thresholds: MatchThresholds = .standard, hashscanVersion: String = "unknown",
        multiIndexMinimum: Int = MultiIndexPlan.linearScanLimit
    ) throws(WriteError) {
        var grouped: [HashAlgorithm: [ListEntry]] = [:]
        for entry in list.entries where !entry.isDeletion { grouped[entry.algorithm, default: []].append(entry) }
        let groups = grouped.map { algorithm, entries in
            let hasRecords = entries.contains { $0.entryID != nil || $0.category != nil }
            return GroupInput(
                algorithm: algorithm, hashes: entries.map(\.hash), lines: entries.map { UInt32(clamping: $0.line) },
                records: hasRecords ? entries.map { EntryRecord(line: $0.line, entryID: $0.entryID, category: $0.category) } : nil
            )
        }
        try write(groups: groups, name: list.name, version: list.version, to: path, sources: sources,
                  thresholds: thresholds, hashscanVersion: hashscanVersion, multiIndexMinimum: multiIndexMinimum)
    }

    /// Compiles bare hashes without entry ids (a generated benchmark list, a digest dump); each entry is
    /// reported as `line:N`, N being its position in `hashes` plus one.
    public static func write(
        bulk: [HashAlgorithm: [Digest]], name: String, version: String?, to path: String,
        thresholds: MatchThresholds = .standard, hashscanVersion: String = "unknown"
    ) throws(WriteError) {
        let groups = bulk.map { algorithm, hashes in
            GroupInput(algorithm: algorithm, hashes: hashes, lines: (0..<hashes.count).map { UInt32(clamping: $0 + 1) }, records: nil)
        }
        try write(groups: groups, name: name, version: version, to: path, sources: [], thresholds: thresholds,
                  hashscanVersion: hashscanVersion, multiIndexMinimum: MultiIndexPlan.linearScanLimit)
    }

    private static func write(
        groups: [GroupInput], name: String, version: String?, to path: String, sources: [CompiledListMetadata.Source],
        thresholds: MatchThresholds, hashscanVersion: String, multiIndexMinimum: Int
    ) throws(WriteError) {
        let temporary = path + ".tmp-\(getpid())"
        do {
            let writer = try StreamingSectionWriter(path: temporary)
            var counts: [String: Int] = [:]
            var thresholdNames: [String: Int] = [:]
            for group in groups.sorted(by: { $0.algorithm < $1.algorithm }) {
                counts[group.algorithm.rawValue] = group.hashes.count
                if group.algorithm.isCryptographic {
                    try writer.addExactGroup(group)
                } else {
                    let radius = thresholds.threshold(for: group.algorithm)
                    thresholdNames[group.algorithm.rawValue] = radius
                    try writer.addPerceptualGroup(group, maxRadius: radius, multiIndexMinimum: multiIndexMinimum)
                }
            }
            let metadata = CompiledListMetadata(
                name: name, version: version, created: ISO8601DateFormatter().string(from: Date()),
                hashscanVersion: hashscanVersion, sources: sources, counts: counts, thresholds: thresholdNames
            )
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try writer.finish(metadata: Array(try encoder.encode(metadata)))
        } catch {
            unlink(temporary)
            throw WriteError(description: "\(path): cannot write: \(error)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw WriteError(description: "\(path): \(reason)")
        }
    }
}

/// One algorithm's rows to compile: hashes with their source lines, and full records when any entry has an id or category.
struct GroupInput {
    let algorithm: HashAlgorithm
    let hashes: [Digest]
    let lines: [UInt32]
    let records: [EntryRecord]?
}

/// Writes sections straight to a file, hashing the payload as it goes; the header is written last.
final class StreamingSectionWriter {
    struct SystemError: Error, CustomStringConvertible {
        let description: String
    }

    private let descriptor: Int32
    private var offset = CompiledListLayout.headerSize
    private let payloadDigest: MultiDigester
    private var sections: [CompiledListLayout.Section] = []
    private var pending: [UInt8] = []
    private static let chunk = 1 << 20

    init(path: String) throws {
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw SystemError(description: String(cString: strerror(errno))) }
        // The header is written last, in the space left here.
        guard lseek(descriptor, off_t(CompiledListLayout.headerSize), SEEK_SET) == off_t(CompiledListLayout.headerSize) else {
            close(descriptor)
            throw SystemError(description: String(cString: strerror(errno)))
        }
        payloadDigest = try MultiDigester(algorithms: [.sha256])
        pending.reserveCapacity(Self.chunk * 2)
    }

    deinit { close(descriptor) }

    // MARK: Sections

    private func begin(_ kind: CompiledListLayout.SectionKind, _ algorithm: HashAlgorithm, count: Int,
                       parameter0: Int = 0, parameter1: Int = 0) throws {
        try pad()
        sections.append(CompiledListLayout.Section(
            kind: kind, algorithm: algorithm, offset: UInt64(offset + pending.count), length: 0, count: UInt64(count),
            parameter0: UInt64(parameter0), parameter1: UInt64(parameter1)))
    }

    private func end() {
        sections[sections.count - 1].length = UInt64(offset + pending.count) - sections[sections.count - 1].offset
    }

    private func append<C: Collection>(_ bytes: C) throws where C.Element == UInt8 {
        pending.append(contentsOf: bytes)
        if pending.count >= Self.chunk { try flush() }
    }

    private func append<T: FixedWidthInteger>(integer value: T) throws {
        try withUnsafeBytes(of: value.littleEndian) { try append($0) }
    }

    private func append<T: FixedWidthInteger>(integers values: [T]) throws {
        for value in values { try append(integer: value) }
    }

    private func pad() throws {
        let position = offset + pending.count
        try append(repeatElement(UInt8(0), count: CompiledListLayout.aligned(position) - position))
    }

    private func flush() throws {
        try pending.withUnsafeBytes { raw in
            payloadDigest.update(raw)
            var written = 0
            while written < raw.count {
                let result = Glibc.write(descriptor, raw.baseAddress! + written, raw.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    throw SystemError(description: String(cString: strerror(errno)))
                }
                written += result
            }
        }
        offset += pending.count
        pending.removeAll(keepingCapacity: true)
    }

    // MARK: Groups

    /// Rows sorted by digest; a prefix table narrows a lookup to a few rows.
    func addExactGroup(_ group: GroupInput) throws {
        let hashes = group.hashes
        let count = hashes.count
        var order = Array(0..<UInt32(count))
        order.sort { (hashes[Int($0)], $0) < (hashes[Int($1)], $1) }
        let algorithm = group.algorithm
        let width = algorithm.byteCount
        let bits = ExactIndex.prefixBits(forCount: count)

        try begin(.sortedDigests, algorithm, count: count, parameter0: width)
        for index in order { try append(hashes[Int(index)].bytes) }
        end()

        try begin(.prefixBuckets, algorithm, count: (1 << bits) + 1, parameter0: bits)
        // Entry p is the first row whose prefix is >= p.
        var row = 0
        for prefix in 0...(1 << bits) {
            while row < count && Int(ExactIndex.prefix(of: hashes[Int(order[row])], bits: bits)) < prefix { row += 1 }
            try append(integer: UInt32(row))
        }
        end()
        try addRecords(group, order: order.lazy.map(Int.init))
    }

    /// Rows in list order; multi-index tables when the list is large enough to need them.
    func addPerceptualGroup(_ group: GroupInput, maxRadius: Int, multiIndexMinimum: Int) throws {
        let algorithm = group.algorithm
        let hashes = group.hashes
        try begin(.hashes, algorithm, count: hashes.count, parameter0: algorithm.byteCount)
        for hash in hashes { try append(hash.bytes) }
        end()
        if let plan = MultiIndexPlan.choose(hashBits: algorithm.byteCount * 8, entries: hashes.count, maxRadius: maxRadius,
                                            minimumEntries: multiIndexMinimum) {
            for (chunk, (start, bits)) in zip(plan.chunkStarts, plan.chunkBits).enumerated() {
                var offsets = [UInt32](repeating: 0, count: (1 << bits) + 1)
                for hash in hashes { offsets[Int(hash.bits(from: start, count: bits)) + 1] += 1 }
                for value in 0..<(1 << bits) { offsets[value + 1] += offsets[value] }
                var postings = [UInt32](repeating: 0, count: hashes.count)
                var fill = offsets
                for (row, hash) in hashes.enumerated() {
                    let value = Int(hash.bits(from: start, count: bits))
                    postings[Int(fill[value])] = UInt32(row)
                    fill[value] += 1
                }
                try begin(.chunkOffsets, algorithm, count: offsets.count, parameter0: chunk, parameter1: bits)
                try append(integers: offsets)
                end()
                try begin(.chunkPostings, algorithm, count: postings.count, parameter0: chunk, parameter1: plan.maxRadius)
                try append(integers: postings)
                end()
            }
        }
        try addRecords(group, order: 0..<hashes.count)
    }

    /// Full records when the group has ids or categories, else just the source line of each row, bit-packed
    /// (27 bits a row for 100M lines instead of 32: the table is read for every reported hit).
    private func addRecords(_ group: GroupInput, order: some Sequence<Int>) throws {
        guard let records = group.records else {
            let bits = CompiledListLayout.packedLineBits(maxLine: group.lines.max() ?? 0)
            try begin(.packedLines, group.algorithm, count: group.lines.count, parameter0: bits)
            var pending: UInt64 = 0, filled = 0
            for row in order {
                pending |= UInt64(group.lines[row]) << UInt64(filled)
                filled += bits
                // filled < 32 before the row and bits <= 32: the 64-bit accumulator never overflows.
                if filled >= 32 {
                    try append(integer: UInt32(truncatingIfNeeded: pending))
                    pending >>= 32
                    filled -= 32
                }
            }
            for _ in 0..<((filled + 7) / 8) {
                try append(integer: UInt8(truncatingIfNeeded: pending))
                pending >>= 8
            }
            try append(repeatElement(UInt8(0), count: 7))
            end()
            return
        }
        var blob: [UInt8] = []
        try begin(.records, group.algorithm, count: records.count)
        for row in order {
            try append(integer: UInt64(blob.count))
            EntryRecordCoding.append(records[row], to: &blob)
        }
        end()
        try begin(.recordBlob, group.algorithm, count: 0)
        try append(blob)
        end()
    }

    /// Writes metadata and the section table, then the header with both checksums, and syncs the file.
    func finish(metadata: [UInt8]) throws {
        try pad()
        let metadataOffset = offset + pending.count
        try append(metadata)
        try pad()
        let tableOffset = offset + pending.count
        for section in sections {
            try append(integer: section.kind.rawValue)
            try append(integer: CompiledListLayout.code(of: section.algorithm))
            try append(integer: section.offset)
            try append(integer: section.length)
            try append(integer: section.count)
            try append(integer: section.parameter0)
            try append(integer: section.parameter1)
        }
        try flush()
        let fileSize = offset
        var header = [UInt8](repeating: 0, count: CompiledListLayout.headerSize)
        header.replaceSubrange(0..<8, with: CompiledListLayout.magic)
        header.storeLE(CompiledListLayout.formatVersion, at: CompiledListLayout.Offset.version)
        header.storeLE(UInt32(CompiledListLayout.headerSize), at: CompiledListLayout.Offset.headerSize)
        header.storeLE(UInt64(fileSize), at: CompiledListLayout.Offset.fileSize)
        header.storeLE(UInt32(sections.count), at: CompiledListLayout.Offset.sectionCount)
        header.storeLE(UInt64(tableOffset), at: CompiledListLayout.Offset.sectionTable)
        header.storeLE(UInt64(metadataOffset), at: CompiledListLayout.Offset.metadataOffset)
        header.storeLE(UInt64(metadata.count), at: CompiledListLayout.Offset.metadataLength)
        let payload = payloadDigest.finish()[.sha256]!.bytes
        header.replaceSubrange(CompiledListLayout.Offset.payloadDigest..<(CompiledListLayout.Offset.payloadDigest + 32), with: payload)
        let headerDigest = header.withUnsafeBytes {
            CompiledListChecksum.sha256(UnsafeRawBufferPointer(rebasing: $0[0..<CompiledListLayout.Offset.headerDigest]))
        }
        header.replaceSubrange(CompiledListLayout.Offset.headerDigest..<(CompiledListLayout.Offset.headerDigest + 32), with: headerDigest)
        let written = header.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        guard written == header.count else { throw SystemError(description: "cannot write the header") }
        guard fsync(descriptor) == 0 else { throw SystemError(description: String(cString: strerror(errno))) }
    }
}

/// SHA-256 for list checksums.
package enum CompiledListChecksum {
    static func sha256(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        // Creating a digester is negligible next to hashing a list; SHA-256 is always available in OpenSSL.
        let digester = try! MultiDigester(algorithms: [.sha256])
        return digester.digests(of: bytes)[.sha256]!.bytes
    }

    /// Rewrites a compiled list's declared size and both checksums to match its bytes, whatever they hold, so
    /// damaged or forged lists (the fuzzer's, the tests') reach the section checks behind the checksums.
    package static func reseal(_ bytes: inout [UInt8]) {
        guard bytes.count >= CompiledListLayout.headerSize else { return }
        bytes.storeLE(UInt64(bytes.count), at: CompiledListLayout.Offset.fileSize)
        let payload = bytes.withUnsafeBytes { sha256(UnsafeRawBufferPointer(rebasing: $0[CompiledListLayout.headerSize...])) }
        bytes.replaceSubrange(CompiledListLayout.Offset.payloadDigest..<(CompiledListLayout.Offset.payloadDigest + 32), with: payload)
        let header = bytes.withUnsafeBytes { sha256(UnsafeRawBufferPointer(rebasing: $0[0..<CompiledListLayout.Offset.headerDigest])) }
        bytes.replaceSubrange(CompiledListLayout.Offset.headerDigest..<(CompiledListLayout.Offset.headerDigest + 32), with: header)
    }
}

/// Entry records: varint line, varint-length id (0 = none, else length + 1), varint-length category likewise.
enum EntryRecordCoding {
    static func append(_ record: EntryRecord, to blob: inout [UInt8]) {
        appendVarint(UInt64(record.line), to: &blob)
        appendOptionalString(record.entryID, to: &blob)
        appendOptionalString(record.category, to: &blob)
    }

    static func appendOptionalString(_ value: String?, to blob: inout [UInt8]) {
        guard let value else { appendVarint(0, to: &blob); return }
        let bytes = Array(value.utf8)
        appendVarint(UInt64(bytes.count + 1), to: &blob)
        blob.append(contentsOf: bytes)
    }

    static func appendVarint(_ value: UInt64, to blob: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            blob.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        blob.append(UInt8(value))
    }
}

extension Array where Element == UInt8 {
    mutating func storeLE<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self) }
    }
}
