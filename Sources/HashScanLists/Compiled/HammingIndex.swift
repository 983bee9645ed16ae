internal import CHashScanSupport
import Foundation
import HashScanCore

/// Perceptual hashes in row order, with optional multi-index tables. Without tables (small lists) or for a
/// radius beyond what the tables were built for, it scans linearly: slower, never wrong.
struct HammingIndex: @unchecked Sendable {
    struct Chunk {
        let start: Int
        let bits: Int
        let offsets: UnsafeRawPointer
        let postings: UnsafeRawPointer
    }

    let hashes: UnsafeRawPointer
    let width: Int
    let count: Int
    let chunks: [Chunk]
    /// The radius the chunk tables were planned for.
    let plannedRadius: Int
    /// How many loads ahead a search asks for the cache line it will need (enough to cover a miss).
    static let prefetchDistance: Int = {
        if let text = getenv("HASHSCAN_PREFETCH"), let value = Int(String(cString: text)) { return value }
        return 12
    }()

    @inline(__always)
    func distance(row: Int, to query: Digest) -> Int {
        let base = hashes + row * width
        var total = 0
        var offset = 0
        var word = 0
        while offset < width {
            let value = UInt64(bigEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            total += (value ^ query.wordAt(word)).nonzeroBitCount
            offset += 8
            word += 1
        }
        return total
    }

    func hash(row: Int) -> Digest {
        Digest(UnsafeRawBufferPointer(start: hashes + row * width, count: width))
    }

    /// Every row within `radius` of `query`, with its distance, in row order.
    ///
    /// Work is done in phases over a whole chunk (all probe values, then all their posting ranges, then all
    /// candidates) so the loads of one phase are independent of each other and the processor overlaps their
    /// cache misses, instead of waiting for each probe's chain of dependent loads in turn.
    func search(_ query: Digest, radius: Int) -> [(row: Int, distance: Int)] {
        search(query, radius: radius, statistics: nil)
    }

    func search(_ query: Digest, radius: Int, statistics: inout HammingSearchStatistics) -> [(row: Int, distance: Int)] {
        withUnsafeMutablePointer(to: &statistics) { search(query, radius: radius, statistics: $0) }
    }

    private func search(_ query: Digest, radius: Int, statistics: UnsafeMutablePointer<HammingSearchStatistics>?) -> [(row: Int, distance: Int)] {
        guard query.byteCount == width, width % 8 == 0 else { return [] }
        if chunks.isEmpty || radius > plannedRadius {
            statistics?.pointee.linear = true
            statistics?.pointee.candidates += count
            return linearSearch(query, radius: radius)
        }
        let subRadius = radius / chunks.count
        // A few small arrays per query: negligible next to the thousands of cache misses a query costs.
        var scratch = SearchScratch()
        let queryWords = [query.wordAt(0), query.wordAt(1), query.wordAt(2), query.wordAt(3)]
        for chunk in chunks {
            scratch.probes.removeAll(keepingCapacity: true)
            appendValues(within: subRadius, of: query.bits(from: chunk.start, count: chunk.bits), bits: chunk.bits, to: &scratch.probes)
            // Phase 1: the posting range of every probe value, with the loads requested ahead of use.
            scratch.ranges.removeAll(keepingCapacity: true)
            let probes = scratch.probes
            for index in probes.indices {
                if index &+ Self.prefetchDistance < probes.count {
                    chs_prefetch(chunk.offsets + Int(probes[index &+ Self.prefetchDistance]) &* 4)
                }
                let probe = probes[index]
                let begin = chunk.offsets.loadUnaligned(fromByteOffset: Int(probe) &* 4, as: UInt32.self).littleEndian
                let end = chunk.offsets.loadUnaligned(fromByteOffset: Int(probe) &* 4 &+ 4, as: UInt32.self).littleEndian
                // Clamped, so a damaged table can never send a read past the postings.
                let clampedEnd = min(end, UInt32(clamping: count))
                if begin < clampedEnd { scratch.ranges.append((begin, clampedEnd)) }
            }
            // Phase 2: the candidate rows.
            scratch.candidates.removeAll(keepingCapacity: true)
            let ranges = scratch.ranges
            for index in ranges.indices {
                if index &+ Self.prefetchDistance < ranges.count {
                    chs_prefetch(chunk.postings + Int(ranges[index &+ Self.prefetchDistance].0) &* 4)
                }
                let (begin, end) = ranges[index]
                for slot in Int(begin)..<Int(end) {
                    let row = chunk.postings.loadUnaligned(fromByteOffset: slot &* 4, as: UInt32.self).littleEndian
                    if Int(row) < count { scratch.candidates.append(row) }
                }
            }
            if let statistics {
                statistics.pointee.probes += probes.count
                statistics.pointee.nonEmptyProbes += ranges.count
                statistics.pointee.candidates += scratch.candidates.count
            }
            // Phase 3: full distances.
            let candidates = scratch.candidates
            let words = Int32(width / 8)
            for index in candidates.indices {
                if index &+ Self.prefetchDistance < candidates.count {
                    chs_prefetch(hashes + Int(candidates[index &+ Self.prefetchDistance]) &* width)
                }
                let row = candidates[index]
                let distance = Int(chs_hamming_be64((hashes + Int(row) &* width).assumingMemoryBound(to: UInt8.self), queryWords, words))
                if distance <= radius { scratch.found.append((Int(row), distance)) }
            }
        }
        // A match is usually found through several chunks.
        scratch.found.sort { $0.row < $1.row }
        var unique: [(row: Int, distance: Int)] = []
        for item in scratch.found where unique.last?.row != item.row { unique.append(item) }
        return unique
    }

    func linearSearch(_ query: Digest, radius: Int) -> [(row: Int, distance: Int)] {
        guard query.byteCount == width, width % 8 == 0 else { return [] }
        var found: [(row: Int, distance: Int)] = []
        let queryWords = [query.wordAt(0), query.wordAt(1), query.wordAt(2), query.wordAt(3)]
        let words = Int32(width / 8)
        let base = hashes.assumingMemoryBound(to: UInt8.self)
        for row in 0..<count {
            let distance = Int(chs_hamming_be64(base + row &* width, queryWords, words))
            if distance <= radius { found.append((row, distance)) }
        }
        return found
    }

    /// Appends every `bits`-bit value within Hamming distance `radius` (at most 3) of `value`.
    private func appendValues(within radius: Int, of value: UInt32, bits: Int, to values: inout [UInt32]) {
        values.append(value)
        guard radius >= 1 else { return }
        for i in 0..<bits {
            let one = value ^ (1 << UInt32(i))
            values.append(one)
            guard radius >= 2 else { continue }
            for j in 0..<i {
                let two = one ^ (1 << UInt32(j))
                values.append(two)
                guard radius >= 3 else { continue }
                for k in 0..<j { values.append(two ^ (1 << UInt32(k))) }
            }
        }
    }
}

/// What one perceptual search did: probe values looked up (and how many had entries), candidate rows whose
/// full distance was computed (a row found through several chunks counts once per chunk), matches.
public struct HammingSearchStatistics: Sendable, Equatable {
    public var probes = 0
    public var nonEmptyProbes = 0
    public var candidates = 0
    public var matches = 0
    /// Whether the search scanned every row (no tables, or a radius beyond the planned one).
    public var linear = false
    public init() {}
}

/// Buffers for one search.
struct SearchScratch {
    var probes: [UInt32] = []
    var ranges: [(UInt32, UInt32)] = []
    var candidates: [UInt32] = []
    var found: [(row: Int, distance: Int)] = []
}
