internal import CHashScanSupport
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
    /// The probe radius of each chunk at `plannedRadius` (see `MultiIndexPlan.chunkRadii`).
    let plannedChunkRadii: [Int]?

    init(hashes: UnsafeRawPointer, width: Int, count: Int, chunks: [Chunk], plannedRadius: Int) {
        self.hashes = hashes
        self.width = width
        self.count = count
        self.chunks = chunks
        self.plannedRadius = plannedRadius
        plannedChunkRadii = chunks.isEmpty ? nil : MultiIndexPlan.chunkRadii(bits: chunks.map(\.bits), entries: count, radius: plannedRadius)
    }

    /// How many loads ahead a search asks for the cache line it will need (enough to cover a miss).
    /// Measured on 10M PDQ entries (2026-11-29): 12 → 5,600-6,300, 24-64 → 7,500-8,700 queries per CPU-second
    /// mapped; 32 sits in the flat part of that curve.
    static let prefetchDistance = 32

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
        guard !chunks.isEmpty, radius <= plannedRadius, radius >= 0,
              let radii = radius == plannedRadius ? plannedChunkRadii : MultiIndexPlan.chunkRadii(bits: chunks.map(\.bits), entries: count, radius: radius)
        else {
            statistics?.pointee.linear = true
            statistics?.pointee.candidates += count
            return linearSearch(query, radius: radius)
        }
        // Phase 0: the offset-table entry of every probe value of every chunk (a chunk with radius -1 is skipped).
        var probes: [UnsafeRawPointer] = []
        probes.reserveCapacity(4096)
        // Where each probed chunk's probes end, and its postings.
        var boundaries: [(end: Int, postings: UnsafeRawPointer)] = []
        for (chunk, chunkRadius) in zip(chunks, radii) where chunkRadius >= 0 {
            let base = chunk.offsets
            appendValues(within: chunkRadius, of: query.bits(from: chunk.start, count: chunk.bits), bits: chunk.bits) { value in
                probes.append(base + Int(value) &* 4)
            }
            boundaries.append((probes.count, chunk.postings))
        }
        let distance = Self.prefetchDistance
        let limit = UInt32(clamping: count)
        // Phase 1: the posting range of every probe. The loads of one phase are independent, so the one for
        // probe i + distance is requested while probe i is read: many cache misses overlap instead of queueing.
        var ranges: [(start: UnsafeRawPointer, count: Int)] = []
        ranges.reserveCapacity(probes.count)
        probes.withUnsafeBufferPointer { probes in
            var index = 0
            for (end, postings) in boundaries {
                while index < end {
                    if index &+ distance < probes.count { chs_prefetch(probes[index &+ distance]) }
                    let entry = probes[index]
                    let begin = UInt32(littleEndian: entry.loadUnaligned(as: UInt32.self))
                    // Clamped, so a damaged table can never send a read past the postings.
                    let end = min(UInt32(littleEndian: entry.loadUnaligned(fromByteOffset: 4, as: UInt32.self)), limit)
                    if begin < end { ranges.append((postings + Int(begin) &* 4, Int(end &- begin))) }
                    index &+= 1
                }
            }
        }
        // Phase 2: the candidate rows.
        var candidates: [UInt32] = []
        candidates.reserveCapacity(ranges.count + ranges.count / 2)
        ranges.withUnsafeBufferPointer { ranges in
            for index in 0..<ranges.count {
                if index &+ distance < ranges.count { chs_prefetch(ranges[index &+ distance].start) }
                let (start, length) = ranges[index]
                for slot in 0..<length {
                    let row = UInt32(littleEndian: start.loadUnaligned(fromByteOffset: slot &* 4, as: UInt32.self))
                    if row < limit { candidates.append(row) }
                }
            }
        }
        if let statistics {
            statistics.pointee.probes += probes.count
            statistics.pointee.nonEmptyProbes += ranges.count
            statistics.pointee.candidates += candidates.count
        }
        // Phase 3: full distances.
        var found: [(row: Int, distance: Int)] = []
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 4) { queryWords in
            for word in 0..<4 { queryWords[word] = query.wordAt(word) }
            let words = Int32(width / 8)
            let width = width
            let hashes = hashes
            candidates.withUnsafeBufferPointer { candidates in
                for index in 0..<candidates.count {
                    if index &+ distance < candidates.count {
                        chs_prefetch(hashes + Int(candidates[index &+ distance]) &* width)
                    }
                    let row = Int(candidates[index])
                    let rowDistance = Int(chs_hamming_be64((hashes + row &* width).assumingMemoryBound(to: UInt8.self), queryWords.baseAddress!, words))
                    if rowDistance <= radius { found.append((row, rowDistance)) }
                }
            }
        }
        // A match is usually found through several chunks.
        guard found.count > 1 else { return found }
        found.sort { $0.row < $1.row }
        var unique: [(row: Int, distance: Int)] = []
        unique.reserveCapacity(found.count)
        for item in found where unique.last?.row != item.row { unique.append(item) }
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

    /// Calls `body` with every `bits`-bit value within Hamming distance `radius` (at most 3) of `value`.
    @inline(__always)
    private func appendValues(within radius: Int, of value: UInt32, bits: Int, _ body: (UInt32) -> Void) {
        body(value)
        guard radius >= 1 else { return }
        for i in 0..<bits {
            let one = value ^ (1 << UInt32(i))
            body(one)
            guard radius >= 2 else { continue }
            for j in 0..<i {
                let two = one ^ (1 << UInt32(j))
                body(two)
                guard radius >= 3 else { continue }
                for k in 0..<j { body(two ^ (1 << UInt32(k))) }
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
