import Foundation
import HashScanCore
@testable import HashScanLists
import Testing

/// Deterministic 64-bit generator (SplitMix64) for reproducible random hashes.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func digest(bytes: Int) -> Digest {
        var result: [UInt8] = []
        while result.count < bytes { withUnsafeBytes(of: next()) { result.append(contentsOf: $0) } }
        return Digest(bytes: result.prefix(bytes))
    }

    /// `hash` with exactly `distance` distinct bits flipped.
    mutating func flip(_ hash: Digest, distance: Int) -> Digest {
        var bytes = hash.bytes
        var chosen = Set<Int>()
        while chosen.count < distance { chosen.insert(Int(next() % UInt64(bytes.count * 8))) }
        for bit in chosen { bytes[bit / 8] ^= 1 << UInt8(bit % 8) }
        return Digest(bytes: bytes)
    }
}

final class ScratchDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("hashscan-lists-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

@Suite("Compiled lists")
struct CompiledListTests {
    static func sampleList() -> HashList {
        var random = SplitMix64(state: 1)
        var entries: [ListEntry] = []
        for index in 0..<3000 {
            let algorithm: HashAlgorithm = [.md5, .sha1, .sha256, .pdq][index % 4]
            entries.append(ListEntry(algorithm: algorithm, hash: random.digest(bytes: algorithm.byteCount),
                                     entryID: index % 3 == 0 ? nil : "E\(index)", line: index + 1,
                                     category: index % 5 == 0 ? "A1" : nil))
        }
        // The same digest under two entries must give two hits.
        entries.append(ListEntry(algorithm: .md5, hash: entries[0].hash, entryID: "DUP", line: 9999))
        return HashList(name: "sample", version: "v7", entries: entries)
    }

    @Test("a compiled list answers exactly like the in-memory matcher, with ids, categories and duplicates")
    func roundTrip() throws {
        let scratch = try ScratchDirectory()
        let list = Self.sampleList()
        try CompiledListWriter.write(list, to: scratch.path("l.hsl"), multiIndexMinimum: 100)
        let compiled = try CompiledList(path: scratch.path("l.hsl"))
        #expect(compiled.name == "sample")
        #expect(compiled.version == "v7")
        #expect(compiled.counts == list.counts)
        #expect(compiled.verify())
        let reference = InMemoryListMatcher(lists: [list])
        var random = SplitMix64(state: 99)
        for entry in list.entries {
            let hashes = FileHashes(digests: [entry.algorithm: entry.hash])
            #expect(compiled.matches(for: hashes) == reference.matches(for: hashes), "\(entry.algorithm) line \(entry.line)")
        }
        for algorithm in [HashAlgorithm.md5, .sha1, .sha256, .pdq] {
            let absent = FileHashes(digests: [algorithm: random.digest(bytes: algorithm.byteCount)])
            #expect(compiled.matches(for: absent) == reference.matches(for: absent))
        }
        let duplicate = compiled.matches(for: FileHashes(digests: [.md5: list.entries[0].hash]))
        #expect(Set(duplicate.map(\.entry)) == ["line:1", "DUP"])
        #expect(duplicate.first { $0.entry == "line:1" }?.category == "A1")
    }

    @Test("the multi-index finds exactly what a linear scan finds, for planted neighbours at every distance 0...32")
    func multiIndexEqualsLinear() throws {
        let scratch = try ScratchDirectory()
        var random = SplitMix64(state: 2026)
        // 200,000 in a debug test run; HASHSCAN_MIH_TEST_ENTRIES=1000000 (with `swift test -c release`) for the full-size check.
        let count = Int(ProcessInfo.processInfo.environment["HASHSCAN_MIH_TEST_ENTRIES"] ?? "") ?? 200_000
        var entries = (0..<count).map { ListEntry(algorithm: .pdq, hash: random.digest(bytes: 32), line: $0 + 1) }
        var queries: [Digest] = []
        for distance in 0...32 {
            for _ in 0..<2 {
                let base = entries[Int(random.next() % UInt64(count))].hash
                let query = random.flip(base, distance: distance)
                queries.append(query)
                // Plant a second neighbour of the query at another distance.
                entries.append(ListEntry(algorithm: .pdq, hash: random.flip(query, distance: (distance * 7) % 33), line: entries.count + 1))
            }
        }
        for _ in 0..<4 { queries.append(random.digest(bytes: 32)) }
        try CompiledListWriter.write(HashList(name: "mih", entries: entries), to: scratch.path("m.hsl"))
        let compiled = try CompiledList(path: scratch.path("m.hsl"))
        let resident = try CompiledList(path: scratch.path("m.hsl"), residency: .resident)
        let index = try #require(compiled.hammingIndexForTesting(.pdq))
        #expect(!index.chunks.isEmpty, "a list this size must get a multi-index")
        var found = 0
        for query in queries {
            let fast = index.search(query, radius: 31)
            let slow = index.linearSearch(query, radius: 31)
            #expect(fast.map(\.row) == slow.map(\.row))
            #expect(fast.map(\.distance) == slow.map(\.distance))
            let copied = resident.query(.pdq, query, maxDistance: 31)
            #expect(Set(copied.map(\.entry)) == Set(slow.map { "line:\($0.row + 1)" }))
            found += slow.count
        }
        #expect(found >= 44, "planted neighbours within 31 must be found")
    }

    @Test("ThreatExchange needles and haystack: exactly the 250 reference pairs within 31")
    func needlesAndHaystack() throws {
        let vectors = try ThreatExchangeVectors.directory()
        let haystack = try ThreatExchangeVectors.lines(vectors.appendingPathComponent("repo/pdq/data/reg-test-input/haystack.txt"))
        let needles = try ThreatExchangeVectors.lines(vectors.appendingPathComponent("repo/pdq/data/reg-test-input/needles.txt"))
        let expectedText = try String(contentsOf: vectors.appendingPathComponent("derived/needles_haystack_matches_le31.csv"), encoding: .utf8)
        let entries = try haystack.enumerated().map { index, hex in
            ListEntry(algorithm: .pdq, hash: try #require(Digest(hex: hex)), entryID: "h\(index)", line: index + 1)
        }
        let scratch = try ScratchDirectory()
        // Force the multi-index even though the haystack is small, so it is what gets tested.
        try CompiledListWriter.write(HashList(name: "haystack", entries: entries), to: scratch.path("h.hsl"), multiIndexMinimum: 1)
        let compiled = try CompiledList(path: scratch.path("h.hsl"))
        #expect(compiled.hammingIndexForTesting(.pdq)?.chunks.isEmpty == false)
        var pairs = Set<String>()
        for needle in needles {
            for hit in compiled.query(.pdq, try #require(Digest(hex: needle)), maxDistance: 31) {
                pairs.insert("\(needle),\(hit.reference.hex),\(hit.distance)")
            }
        }
        let expected = ThreatExchangeVectors.pairs(fromCSV: expectedText)
        #expect(expected.count == 250)
        #expect(pairs.count == 250)
        let found = Set(pairs.map { $0.split(separator: ",").prefix(2).joined(separator: ",") })
        #expect(found == expected)
    }

    @Test("truncated, corrupted and foreign files are refused with a clear reason; payload damage is refused at open")
    func refusesDamage() throws {
        let scratch = try ScratchDirectory()
        try CompiledListWriter.write(Self.sampleList(), to: scratch.path("good.hsl"))
        let good = try Data(contentsOf: URL(fileURLWithPath: scratch.path("good.hsl")))
        func refused(_ data: Data, _ name: String, mentions: String) throws {
            try data.write(to: URL(fileURLWithPath: scratch.path(name)))
            do {
                _ = try CompiledList(path: scratch.path(name))
                Issue.record("\(name) was accepted")
            } catch {
                #expect(error.description.contains(mentions), "\(name): \(error.description)")
            }
        }
        try refused(good.prefix(good.count - 1), "truncated.hsl", mentions: "truncated")
        try refused(good + Data([0]), "trailing.hsl", mentions: "unexpected bytes")
        try refused(Data(), "empty.hsl", mentions: "too short")
        // A plain list (one arbitrary MD5 line) where a compiled one is expected.
        try refused(Data("d41d8cd98f00b204e9800998ecf8427e\n".utf8) + Data(count: 300), "plain.hsl", mentions: "bad magic")
        var header = good
        header[40] ^= 0x01
        try refused(header, "header.hsl", mentions: "corrupt")
        var version = good
        version[8] = 9
        try refused(version, "version.hsl", mentions: "format version 9")

        var payload = good
        payload[300] ^= 0x40  // inside the first section
        try refused(payload, "payload.hsl", mentions: "payload checksum mismatch")
    }

    /// A list as a forger would write it: changed bytes with both checksums recomputed, so only the structure checks
    /// and the bounds of every lookup stand between the file and the reader.
    static func resign(_ bytes: inout Data) {
        let payload = bytes.withUnsafeBytes { CompiledListChecksum.sha256(UnsafeRawBufferPointer(rebasing: $0[CompiledListLayout.headerSize...])) }
        bytes.replaceSubrange(CompiledListLayout.Offset.payloadDigest..<(CompiledListLayout.Offset.payloadDigest + 32), with: payload)
        let header = bytes.withUnsafeBytes { CompiledListChecksum.sha256(UnsafeRawBufferPointer(rebasing: $0[0..<CompiledListLayout.Offset.headerDigest])) }
        bytes.replaceSubrange(CompiledListLayout.Offset.headerDigest..<(CompiledListLayout.Offset.headerDigest + 32), with: header)
    }

    /// The bytes a damage walk visits: from `start` through the first sections (1,200 bytes), and the section table
    /// and metadata at the end.
    static func damagePositions(_ good: Data, from start: Int) -> [Int] {
        let table = Int(good[CompiledListLayout.Offset.sectionTable..<(CompiledListLayout.Offset.sectionTable + 8)].reversed()
            .reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        return Array(start..<min(good.count, 1_200)) + Array(max(1_200, table)..<good.count)
    }

    @Test("every byte of the header, the section table and the first sections, set to 0xff or 0x80: refused at open, every time")
    func byteByByteDamageIsRefused() throws {
        let scratch = try ScratchDirectory()
        try CompiledListWriter.write(Self.sampleList(), to: scratch.path("good.hsl"), multiIndexMinimum: 100)
        let good = try Data(contentsOf: URL(fileURLWithPath: scratch.path("good.hsl")))
        let positions = Self.damagePositions(good, from: 0)
        var tried = 0
        var accepted: [Int] = []
        for position in positions {
            for value: UInt8 in [0xFF, 0x80] where good[position] != value {
                var damaged = good
                damaged[position] = value
                try damaged.write(to: URL(fileURLWithPath: scratch.path("damaged.hsl")))
                tried += 1
                if (try? CompiledList(path: scratch.path("damaged.hsl"))) != nil { accepted.append(position) }
            }
        }
        print("compiled list of \(good.count) bytes: \(tried) single-byte damages, \(accepted.count) accepted")
        #expect(accepted.isEmpty, "damaged copies accepted at offsets \(accepted.prefix(20))")
        #expect(tried > 2_000)
    }

    @Test("a forged list (damaged, then both checksums recomputed) never crashes: refused by its structure or answering in bounds")
    func forgedDamageNeverCrashes() throws {
        let scratch = try ScratchDirectory()
        try CompiledListWriter.write(Self.sampleList(), to: scratch.path("good.hsl"), multiIndexMinimum: 100)
        let good = try Data(contentsOf: URL(fileURLWithPath: scratch.path("good.hsl")))
        var random = SplitMix64(state: 11)
        var opened = 0, refused = 0
        for position in Self.damagePositions(good, from: CompiledListLayout.headerSize) {
            for value: UInt8 in [0xFF, 0x00] where good[position] != value {
                var damaged = good
                damaged[position] = value
                Self.resign(&damaged)
                try damaged.write(to: URL(fileURLWithPath: scratch.path("forged.hsl")))
                guard let compiled = try? CompiledList(path: scratch.path("forged.hsl")) else { refused += 1; continue }
                opened += 1
                for algorithm in [HashAlgorithm.md5, .sha1, .sha256, .pdq] {
                    _ = compiled.matches(for: FileHashes(digests: [algorithm: random.digest(bytes: algorithm.byteCount)]))
                }
            }
        }
        print("forged single-byte damages: \(refused) refused, \(opened) opened and answered in bounds")
        #expect(refused + opened > 2_000)
    }

    @Test("random garbage after a valid header never crashes a lookup")
    func garbageSectionsAreSafe() throws {
        let scratch = try ScratchDirectory()
        try CompiledListWriter.write(Self.sampleList(), to: scratch.path("good.hsl"), multiIndexMinimum: 100)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: scratch.path("good.hsl")))
        var random = SplitMix64(state: 5)
        // Scribble over the sections (not the header, metadata or table) and re-sign: open succeeds, lookups must stay in bounds.
        let sectionsEnd = Int(bytes[40..<48].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })  // the metadata offset
        for _ in 0..<2000 {
            let position = 256 + Int(random.next() % UInt64(sectionsEnd - 256))
            bytes[position] = UInt8(truncatingIfNeeded: random.next())
        }
        Self.resign(&bytes)
        try bytes.write(to: URL(fileURLWithPath: scratch.path("scribbled.hsl")))
        let compiled = try CompiledList(path: scratch.path("scribbled.hsl"))
        #expect(compiled.verify())
        for _ in 0..<200 {
            for algorithm in [HashAlgorithm.md5, .sha1, .sha256, .pdq] {
                _ = compiled.matches(for: FileHashes(digests: [algorithm: random.digest(bytes: algorithm.byteCount)]))
            }
        }
    }
}

enum ThreatExchangeVectors {
    /// `Tests/Fixtures/threatexchange`: the reference vectors kept in the repository (see its PROVENANCE.md).
    static func directory() throws -> URL {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/threatexchange")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ParseFailure("reference vectors missing at \(url.path)")
        }
        return url
    }

    static func lines(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
    }

    /// "needle,haystack" pairs from the reference CSV, whatever its extra columns.
    static func pairs(fromCSV text: String) -> Set<String> {
        var result = Set<String>()
        for line in text.split(whereSeparator: \.isNewline) {
            let hexes = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.count == 64 && Digest(hex: $0) != nil }
            if hexes.count >= 2 { result.insert("\(hexes[0]),\(hexes[1])") }
        }
        return result
    }
}
