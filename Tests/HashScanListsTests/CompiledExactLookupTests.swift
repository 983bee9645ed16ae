import Foundation
import HashScanCore
@testable import HashScanLists
import Testing

/// Exact lookups in compiled lists: `query` and the batch `matchCounts` against a dictionary of the entries.
@Suite("Compiled exact lookups")
struct CompiledExactLookupTests {
    @Test("query and matchCounts find every entry, duplicates and skewed buckets included, and nothing else (mapped and resident)",
          arguments: [HashAlgorithm.md5, .sha1, .sha256], [CompiledList.Residency.mapped, .resident])
    func lookupsMatchTheEntries(algorithm: HashAlgorithm, residency: CompiledList.Residency) throws {
        let width = algorithm.byteCount
        var random = SplitMix64(state: UInt64(width))
        var hashes = (0..<5000).map { _ in random.digest(bytes: width) }
        // A skewed bucket: 300 digests sharing their first 6 bytes (far more rows than a bucket is scanned for).
        let shared = Array(random.digest(bytes: width).bytes.prefix(6))
        func skewed() -> Digest { Digest(bytes: shared + random.digest(bytes: width - 6).bytes) }
        hashes += (0..<300).map { _ in skewed() }
        // Duplicates: the same digest under several entries, in a uniform bucket and in the skewed one.
        hashes += [hashes[7], hashes[7], hashes[5100], hashes[5100], hashes[5100], hashes[4999]]

        var lines: [Digest: [Int]] = [:]
        for (index, hash) in hashes.enumerated() { lines[hash, default: []].append(index + 1) }
        let entries = hashes.enumerated().map { ListEntry(algorithm: algorithm, hash: $1, line: $0 + 1) }
        let scratch = try ScratchDirectory()
        try CompiledListWriter.write(HashList(name: "exact", entries: entries), to: scratch.path("e.hsl"))
        let compiled = try CompiledList(path: scratch.path("e.hsl"), residency: residency)

        // Keys: every entry; absent digests, uniform and in the skewed prefix; entries with only the last byte
        // changed (every word of the row is compared, the 4-byte tail of SHA-1 too).
        var keys = Array(lines.keys)
        keys += (0..<500).map { _ in random.digest(bytes: width) }
        keys += (0..<200).map { _ in skewed() }
        keys += hashes.prefix(200).map { hash in
            var bytes = hash.bytes
            bytes[width - 1] ^= 0x01
            return Digest(bytes: bytes)
        }
        keys += hashes.suffix(400).map { hash in
            var bytes = hash.bytes
            bytes[width - 1] ^= 0x80
            return Digest(bytes: bytes)
        }
        let counts = compiled.matchCounts(algorithm, keys)
        var found = 0
        for (key, count) in zip(keys, counts) {
            let expected = lines[key] ?? []
            #expect(Int(count) == expected.count, "\(key)")
            let hits = compiled.query(algorithm, key)
            #expect(Set(hits.map(\.entry)) == Set(expected.map { "line:\($0)" }), "\(key)")
            #expect(hits.count == expected.count)
            found += expected.count
        }
        #expect(found == hashes.count)
        // A key of another width, in the batch: counted 0 without disturbing its neighbours.
        let mixed = [hashes[7], random.digest(bytes: width == 32 ? 16 : 32), hashes[5100]]
        #expect(compiled.matchCounts(algorithm, mixed) == [3, 0, 4])
    }
}
