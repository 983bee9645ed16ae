import Foundation
import HashScanCore
@testable import HashScanLists
import Testing

/// The per-row source lines of lists without ids or categories (`SectionKind.packedLines`, and the older `lines`).
@Suite("Compiled line tables")
struct CompiledLineTableTests {
    /// One section table entry as the file holds it.
    struct SectionEntry {
        let at: Int
        let kind: UInt32
        let length: UInt64
        let count: UInt64
        let parameter0: UInt64
    }

    static func load<T: FixedWidthInteger>(_ data: Data, _ offset: Int) -> T {
        data[offset..<(offset + MemoryLayout<T>.size)].reversed().reduce(T(0)) { $0 << 8 | T($1) }
    }

    static func store<T: FixedWidthInteger>(_ value: T, _ data: inout Data, _ offset: Int) {
        for index in 0..<MemoryLayout<T>.size { data[offset + index] = UInt8(truncatingIfNeeded: value >> (index * 8)) }
    }

    static func sections(_ data: Data) -> [SectionEntry] {
        let count = Int(load(data, CompiledListLayout.Offset.sectionCount) as UInt32)
        let table = Int(load(data, CompiledListLayout.Offset.sectionTable) as UInt64)
        return (0..<count).map { index in
            let at = table + index * CompiledListLayout.sectionEntrySize
            return SectionEntry(at: at, kind: load(data, at), length: load(data, at + 16), count: load(data, at + 24),
                                parameter0: load(data, at + 32))
        }
    }

    /// SHA-256 entries with the given source lines (in shuffled order, so sorting the rows permutes them).
    static func list(lines: [Int]) -> HashList {
        var random = SplitMix64(state: UInt64(lines.count))
        return HashList(name: "lines", entries: lines.map { ListEntry(algorithm: .sha256, hash: random.digest(bytes: 32), line: $0) })
    }

    /// Every row's line, read back through the record table, against the source.
    static func expectLinesRoundTrip(_ source: HashList, _ compiled: CompiledList) {
        let expected = Dictionary(uniqueKeysWithValues: source.entries.map { ($0.hash, $0.line) })
        var seen = 0
        compiled.forEachEntry(.sha256) { digest, record in
            #expect(record.line == expected[digest], "\(digest)")
            #expect(record.entryID == nil && record.category == nil)
            seen += 1
        }
        #expect(seen == source.entries.count)
        for entry in source.entries {
            #expect(compiled.query(.sha256, entry.hash).map(\.entry) == ["line:\(entry.line)"])
        }
    }

    @Test("lines above 2^24 and at bit-width boundaries round-trip through the packed table, row by row",
          arguments: [
              (1 << 24) - 1,  // 24 bits, the widest line exactly fills them
              1 << 24,  // 25 bits, one past the boundary
              (1 << 25) - 1,  // 25 bits, full
              (1 << 31) + 12_345,  // 32 bits, the widest table
              1,  // 1 bit
          ])
    func packedRoundTrip(maxLine: Int) throws {
        let scratch = try ScratchDirectory()
        // Lines spread over the whole range, the extremes included, odd count so the last row ends mid-byte.
        var random = SplitMix64(state: UInt64(maxLine))
        var lines = [maxLine, 1, maxLine - 1, (maxLine + 1) / 2].filter { $0 >= 1 }
        while lines.count < 1001 { lines.append(1 + Int(random.next() % UInt64(maxLine))) }
        let source = Self.list(lines: lines)
        try CompiledListWriter.write(source, to: scratch.path("p.hsl"))

        let data = try Data(contentsOf: URL(fileURLWithPath: scratch.path("p.hsl")))
        let packed = try #require(Self.sections(data).first { $0.kind == CompiledListLayout.SectionKind.packedLines.rawValue })
        let bits = UInt64.bitWidth - UInt64(maxLine).leadingZeroBitCount
        #expect(packed.parameter0 == UInt64(bits))
        #expect(packed.count == UInt64(lines.count))
        #expect(packed.length == UInt64((lines.count * bits + 7) / 8 + 7))
        #expect(!Self.sections(data).contains { $0.kind == CompiledListLayout.SectionKind.lines.rawValue })

        let compiled = try CompiledList(path: scratch.path("p.hsl"))
        #expect(compiled.verify())
        Self.expectLinesRoundTrip(source, compiled)
    }

    @Test("a list written with the u32 line table of earlier versions is still read")
    func readsUnpackedLines() throws {
        let scratch = try ScratchDirectory()
        // A line >= 2^31 makes the packed table 32 bits a row: its bytes are exactly the old u32 table, plus 7 bytes
        // of padding. Relabelling the section as `lines` with the old length gives a file as earlier versions wrote it.
        var random = SplitMix64(state: 31)
        let lines = [(1 << 31) + 7] + (0..<500).map { _ in 1 + Int(random.next() % (1 << 32 - 1)) }
        let source = Self.list(lines: lines)
        try CompiledListWriter.write(source, to: scratch.path("new.hsl"))
        var data = try Data(contentsOf: URL(fileURLWithPath: scratch.path("new.hsl")))
        let packed = try #require(Self.sections(data).first { $0.kind == CompiledListLayout.SectionKind.packedLines.rawValue })
        #expect(packed.parameter0 == 32)
        Self.store(CompiledListLayout.SectionKind.lines.rawValue, &data, packed.at)
        Self.store(UInt64(lines.count * 4), &data, packed.at + 16)
        Self.store(UInt64(0), &data, packed.at + 32)
        CompiledListTests.resign(&data)  // as the earlier writer would have signed it
        try data.write(to: URL(fileURLWithPath: scratch.path("old.hsl")))
        Self.expectLinesRoundTrip(source, try CompiledList(path: scratch.path("old.hsl")))
    }

    @Test("a packed line table whose length or width does not match its rows is refused")
    func refusesCorruptPackedLines() throws {
        let scratch = try ScratchDirectory()
        try CompiledListWriter.write(Self.list(lines: Array(1...300)), to: scratch.path("good.hsl"))
        let good = try Data(contentsOf: URL(fileURLWithPath: scratch.path("good.hsl")))
        let packed = try #require(Self.sections(good).first { $0.kind == CompiledListLayout.SectionKind.packedLines.rawValue })
        #expect(packed.parameter0 == 9)

        func refused(_ name: String, mentions: String, _ change: (inout Data) -> Void) throws {
            var data = good
            change(&data)
            // Re-signed, as a forged file would be: the structure checks are what must refuse it.
            CompiledListTests.resign(&data)
            try data.write(to: URL(fileURLWithPath: scratch.path(name)))
            do {
                _ = try CompiledList(path: scratch.path(name))
                Issue.record("\(name) was accepted")
            } catch {
                #expect(error.description.contains(mentions), "\(name): \(error.description)")
            }
        }
        // Without the padding, the last row's 8-byte load would leave the section.
        try refused("short.hsl", mentions: "line table size") { Self.store(packed.length - 1, &$0, packed.at + 16) }
        try refused("long.hsl", mentions: "line table size") { Self.store(packed.length + 1, &$0, packed.at + 16) }
        try refused("unpadded.hsl", mentions: "line table size") { Self.store(packed.length - 7, &$0, packed.at + 16) }
        try refused("huge.hsl", mentions: "out of bounds") { Self.store(UInt64.max - 3, &$0, packed.at + 16) }
        // More bits a row than the section holds.
        try refused("wide.hsl", mentions: "line table size") { Self.store(UInt64(10), &$0, packed.at + 32) }
        try refused("width0.hsl", mentions: "line table width") { Self.store(UInt64(0), &$0, packed.at + 32) }
        try refused("width33.hsl", mentions: "line table width") { Self.store(UInt64(33), &$0, packed.at + 32) }
        try refused("rows.hsl", mentions: "line table size") { Self.store(packed.count + 100, &$0, packed.at + 24) }
    }
}
