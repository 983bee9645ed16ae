import HashScanCore
import HashScanLists

/// The compiled-list seeds (`hashscan-fuzz --write-compiled-seeds FOLDER`): small lists of synthetic hashes
/// (a fixed pseudo-random sequence, no real list), one per section layout the reader knows, so the fuzzer
/// starts from every kind of section rather than having to invent them.
package enum CompiledSeeds {
    package static func write(to folder: String) throws {
        var random = SeededRandom(seed: 0x6861_7368_7363_616E)  // "hashscan"
        func digest(_ algorithm: HashAlgorithm) -> Digest {
            Digest(bytes: (0..<algorithm.byteCount).map { _ in UInt8(truncatingIfNeeded: random.next()) })
        }
        // Every exact algorithm and every perceptual one, ids and categories, searched linearly.
        var mixed: [ListEntry] = []
        for (index, algorithm) in HashAlgorithm.allCases.enumerated() {
            mixed.append(ListEntry(algorithm: algorithm, hash: digest(algorithm), entryID: "SEED-\(index)", line: index + 1,
                                   category: index % 2 == 0 ? "A1" : nil))
        }
        try CompiledListWriter.write(HashList(name: "seed-mixed", version: "1", entries: mixed), to: "\(folder)/valid-mixed.hsl")
        // Enough entries for multi-index tables (chunk offsets and postings), one perceptual algorithm a file.
        for algorithm in [HashAlgorithm.pdq, .phash, .vpdq] {
            let entries = (1...20).map { line in
                ListEntry(algorithm: algorithm, hash: digest(algorithm), entryID: algorithm == .vpdq ? "V-\(line % 3)" : nil, line: line)
            }
            try CompiledListWriter.write(HashList(name: "seed-\(algorithm.rawValue)", entries: entries),
                                         to: "\(folder)/valid-multi-index-\(algorithm.rawValue).hsl", multiIndexMinimum: 16)
        }
        // Bare digests without records (line numbers only).
        try CompiledListWriter.write(bulk: [.md5: (0..<8).map { _ in digest(.md5) }, .sha256: (0..<8).map { _ in digest(.sha256) }],
                                     name: "seed-bulk", version: nil, to: "\(folder)/valid-bulk.hsl")
    }
}
