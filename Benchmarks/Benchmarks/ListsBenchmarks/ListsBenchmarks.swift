// Compiled-list micro-benchmarks (issue #4): PDQ multi-index queries at radius 31 and SHA-256 exact lookups on
// lists compiled once per run into a temporary folder (1M PDQ + 1M SHA-256 entries: small enough for a quick run;
// the 10M / 100M figures come from scripts/compare-lists.sh).
// Run from Benchmarks/: swift package --disable-sandbox benchmark --filter 'lists.*' (see README.md).

import Benchmark
import Foundation
import HashScanCore
import HashScanLists

/// SplitMix64: deterministic data, so runs are comparable.
private struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D1_049B_B133_111E
        return z ^ (z >> 31)
    }
    mutating func digest() -> Digest {
        let words = [next(), next(), next(), next()]
        return Digest(bytes: words.flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> (56 - 8 * UInt64($0))) } })
    }
}

private let entries = 1_000_000

/// The lists and queries, built once (lazily, on first use) and shared read-only.
private final class Fixture: Sendable {
    let pdq: CompiledList
    let sha: CompiledList
    let pdqQueries: [Digest]
    let shaPresent: [Digest]
    let shaAbsent: [Digest]

    init() {
        var random = SplitMix(state: 42)
        let hashes = (0..<entries).map { _ in random.digest() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hashscan-lists-bench-\(getpid())")
        try! FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }  // the mappings stay valid after unlink
        let pdqPath = folder.appendingPathComponent("pdq.hsl").path, shaPath = folder.appendingPathComponent("sha.hsl").path
        try! CompiledListWriter.write(bulk: [.pdq: hashes], name: "bench-pdq", version: nil, to: pdqPath)
        try! CompiledListWriter.write(bulk: [.sha256: hashes], name: "bench-sha", version: nil, to: shaPath)
        pdq = try! CompiledList(path: pdqPath)
        sha = try! CompiledList(path: shaPath)
        pdqQueries = (0..<1_000).map { _ in random.digest() }
        shaPresent = (0..<4_096).map { _ in hashes[Int(random.next() % UInt64(entries))] }
        shaAbsent = (0..<4_096).map { _ in random.digest() }
    }
}

private let fixture = Fixture()

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        warmupIterations: 2,
        maxDuration: .seconds(2),
        maxIterations: 10_000
    )

    // One iteration = 1,000 random queries (no match expected): throughput x 1,000 = queries/s.
    Benchmark("lists pdq 1M r=31, 1,000 random queries (x1000 q/s)") { benchmark in
        let list = fixture.pdq
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            for query in fixture.pdqQueries { blackHole(list.query(.pdq, query, maxDistance: 31)) }
        }
    }

    // One iteration = 4,096 lookups: throughput x 4,096 = lookups/s.
    for (name, keys) in [("present", fixture.shaPresent), ("absent", fixture.shaAbsent)] {
        Benchmark("lists sha256 1M matchCounts, 4,096 \(name) keys (x4096 lookups/s)") { benchmark in
            var counts = [Int32](repeating: 0, count: keys.count)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                keys.withUnsafeBufferPointer { keys in
                    counts.withUnsafeMutableBufferPointer { fixture.sha.matchCounts(.sha256, keys, into: $0) }
                }
                blackHole(counts)
            }
        }
        Benchmark("lists sha256 1M query(), 4,096 \(name) keys (x4096 lookups/s)") { benchmark in
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                for key in keys { blackHole(fixture.sha.query(.sha256, key)) }
            }
        }
    }
}
