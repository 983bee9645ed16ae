import Foundation
import HashScanCore
import HashScanHashing

/// Writes a compiled list: sorted digest arrays with prefix buckets for exact algorithms, hash arrays with
/// multi-index tables for perceptual ones, entry records, JSON metadata, and checksums. The file is written
/// beside its destination and renamed into place, so a reader (a server reloading) never sees half a file.
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
        var groups: [HashAlgorithm: [ListEntry]] = [:]
        for entry in list.entries where !entry.isDeletion { groups[entry.algorithm, default: []].append(entry) }

        var writer = SectionWriter()
        var counts: [String: Int] = [:]
        for algorithm in groups.keys.sorted() {
            let entries = groups[algorithm]!
            counts[algorithm.rawValue] = entries.count
            if algorithm.isCryptographic {
                writer.addExactGroup(algorithm, entries: entries)
            } else {
                writer.addPerceptualGroup(algorithm, entries: entries, maxRadius: thresholds.threshold(for: algorithm),
                                          multiIndexMinimum: multiIndexMinimum)
            }
        }
        var thresholdNames: [String: Int] = [:]
        for algorithm in groups.keys where !algorithm.isCryptographic {
            thresholdNames[algorithm.rawValue] = thresholds.threshold(for: algorithm)
        }
        let metadata = CompiledListMetadata(
            name: list.name, version: list.version, created: ISO8601DateFormatter().string(from: Date()),
            hashscanVersion: hashscanVersion, sources: sources, counts: counts, thresholds: thresholdNames
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let json = try? encoder.encode(metadata) else { throw WriteError(description: "cannot encode list metadata") }
        let file = writer.finish(metadata: Array(json))

        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(file)) else {
            throw WriteError(description: "\(path): cannot write")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw WriteError(description: "\(path): \(reason)")
        }
    }
}

/// Accumulates sections in memory and lays them out with the header and table.
struct SectionWriter {
    private var sections: [(CompiledListLayout.Section, [UInt8])] = []

    mutating func add(_ kind: CompiledListLayout.SectionKind, _ algorithm: HashAlgorithm, count: Int, _ bytes: [UInt8],
                      parameter0: Int = 0, parameter1: Int = 0) {
        let section = CompiledListLayout.Section(
            kind: kind, algorithm: algorithm, offset: 0, length: UInt64(bytes.count), count: UInt64(count),
            parameter0: UInt64(parameter0), parameter1: UInt64(parameter1)
        )
        sections.append((section, bytes))
    }

    /// Rows sorted by digest; a prefix table narrows a lookup to a few rows.
    mutating func addExactGroup(_ algorithm: HashAlgorithm, entries: [ListEntry]) {
        let order = entries.indices.sorted { (entries[$0].hash, $0) < (entries[$1].hash, $1) }
        let width = algorithm.byteCount
        var digests = [UInt8]()
        digests.reserveCapacity(order.count * width)
        for index in order { digests.append(contentsOf: entries[index].hash.bytes) }
        let bits = ExactIndex.prefixBits(forCount: order.count)
        var buckets = [UInt32](repeating: 0, count: (1 << bits) + 1)
        // buckets[p] = first row whose prefix is >= p.
        var row = 0
        for prefix in 0...(1 << bits) {
            while row < order.count && Int(ExactIndex.prefix(of: entries[order[row]].hash, bits: bits)) < prefix { row += 1 }
            buckets[prefix] = UInt32(row)
        }
        add(.sortedDigests, algorithm, count: order.count, digests, parameter0: width)
        add(.prefixBuckets, algorithm, count: buckets.count, buckets.littleEndianBytes, parameter0: bits)
        addRecords(algorithm, entries: order.map { entries[$0] })
    }

    /// Rows in list order; multi-index tables when the list is large enough to need them.
    mutating func addPerceptualGroup(_ algorithm: HashAlgorithm, entries: [ListEntry], maxRadius: Int, multiIndexMinimum: Int) {
        var hashes = [UInt8]()
        hashes.reserveCapacity(entries.count * algorithm.byteCount)
        for entry in entries { hashes.append(contentsOf: entry.hash.bytes) }
        add(.hashes, algorithm, count: entries.count, hashes, parameter0: algorithm.byteCount)
        if let plan = MultiIndexPlan.choose(hashBits: algorithm.byteCount * 8, entries: entries.count, maxRadius: maxRadius,
                                            minimumEntries: multiIndexMinimum) {
            for (chunk, (start, bits)) in zip(plan.chunkStarts, plan.chunkBits).enumerated() {
                var offsets = [UInt32](repeating: 0, count: (1 << bits) + 1)
                for entry in entries { offsets[Int(entry.hash.bits(from: start, count: bits)) + 1] += 1 }
                for value in 0..<(1 << bits) { offsets[value + 1] += offsets[value] }
                var fill = offsets
                var postings = [UInt32](repeating: 0, count: entries.count)
                for (row, entry) in entries.enumerated() {
                    let value = Int(entry.hash.bits(from: start, count: bits))
                    postings[Int(fill[value])] = UInt32(row)
                    fill[value] += 1
                }
                add(.chunkOffsets, algorithm, count: offsets.count, offsets.littleEndianBytes, parameter0: chunk, parameter1: bits)
                add(.chunkPostings, algorithm, count: postings.count, postings.littleEndianBytes, parameter0: chunk, parameter1: plan.maxRadius)
            }
        }
        addRecords(algorithm, entries: entries)
    }

    private mutating func addRecords(_ algorithm: HashAlgorithm, entries: [ListEntry]) {
        var blob = [UInt8]()
        var offsets = [UInt64]()
        offsets.reserveCapacity(entries.count)
        for entry in entries {
            offsets.append(UInt64(blob.count))
            EntryRecordCoding.append(entry, to: &blob)
        }
        add(.records, algorithm, count: entries.count, offsets.littleEndianBytes)
        add(.recordBlob, algorithm, count: 0, blob)
    }

    /// Lays out header, section table, metadata and sections, then fills in the checksums.
    func finish(metadata: [UInt8]) -> [UInt8] {
        let tableOffset = CompiledListLayout.headerSize
        let tableLength = sections.count * CompiledListLayout.sectionEntrySize
        var position = CompiledListLayout.aligned(tableOffset + tableLength)
        let metadataOffset = position
        position = CompiledListLayout.aligned(position + metadata.count)
        var placed: [CompiledListLayout.Section] = []
        for (section, bytes) in sections {
            var section = section
            section.offset = UInt64(position)
            placed.append(section)
            position = CompiledListLayout.aligned(position + bytes.count)
        }
        var file = [UInt8](repeating: 0, count: position)
        file.replaceSubrange(0..<8, with: CompiledListLayout.magic)
        file.storeLE(CompiledListLayout.formatVersion, at: CompiledListLayout.Offset.version)
        file.storeLE(UInt32(CompiledListLayout.headerSize), at: CompiledListLayout.Offset.headerSize)
        file.storeLE(UInt64(position), at: CompiledListLayout.Offset.fileSize)
        file.storeLE(UInt32(sections.count), at: CompiledListLayout.Offset.sectionCount)
        file.storeLE(UInt64(tableOffset), at: CompiledListLayout.Offset.sectionTable)
        file.storeLE(UInt64(metadataOffset), at: CompiledListLayout.Offset.metadataOffset)
        file.storeLE(UInt64(metadata.count), at: CompiledListLayout.Offset.metadataLength)
        for (index, section) in placed.enumerated() {
            let at = tableOffset + index * CompiledListLayout.sectionEntrySize
            file.storeLE(section.kind.rawValue, at: at)
            file.storeLE(CompiledListLayout.code(of: section.algorithm), at: at + 4)
            file.storeLE(section.offset, at: at + 8)
            file.storeLE(section.length, at: at + 16)
            file.storeLE(section.count, at: at + 24)
            file.storeLE(section.parameter0, at: at + 32)
            file.storeLE(section.parameter1, at: at + 40)
        }
        file.replaceSubrange(metadataOffset..<(metadataOffset + metadata.count), with: metadata)
        for (section, (_, bytes)) in zip(placed, sections) {
            let start = Int(section.offset)
            file.replaceSubrange(start..<(start + bytes.count), with: bytes)
        }
        let payload = file.withUnsafeBytes { CompiledListChecksum.sha256(UnsafeRawBufferPointer(rebasing: $0[CompiledListLayout.headerSize...])) }
        file.replaceSubrange(CompiledListLayout.Offset.payloadDigest..<(CompiledListLayout.Offset.payloadDigest + 32), with: payload)
        let header = file.withUnsafeBytes { CompiledListChecksum.sha256(UnsafeRawBufferPointer(rebasing: $0[0..<CompiledListLayout.Offset.headerDigest])) }
        file.replaceSubrange(CompiledListLayout.Offset.headerDigest..<(CompiledListLayout.Offset.headerDigest + 32), with: header)
        return file
    }
}

/// SHA-256 for list checksums.
enum CompiledListChecksum {
    static func sha256(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        // A digester is cheap to create next to hashing a list; SHA-256 is always available in OpenSSL.
        let digester = try! MultiDigester(algorithms: [.sha256])
        return digester.digests(of: bytes)[.sha256]!.bytes
    }
}

/// Entry records: varint line, varint-length id (0 = none, else length + 1), varint-length category likewise.
enum EntryRecordCoding {
    static func append(_ entry: ListEntry, to blob: inout [UInt8]) {
        appendVarint(UInt64(entry.line), to: &blob)
        appendOptionalString(entry.entryID, to: &blob)
        appendOptionalString(entry.category, to: &blob)
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

extension Array where Element: FixedWidthInteger {
    var littleEndianBytes: [UInt8] {
        var result = [UInt8](repeating: 0, count: count * MemoryLayout<Element>.size)
        result.withUnsafeMutableBytes { raw in
            for (index, value) in enumerated() {
                raw.storeBytes(of: value.littleEndian, toByteOffset: index * MemoryLayout<Element>.size, as: Element.self)
            }
        }
        return result
    }
}
