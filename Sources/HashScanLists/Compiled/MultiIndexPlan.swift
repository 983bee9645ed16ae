import HashScanCore

/// How a Hamming index splits hashes into chunks (multi-index hashing, Norouzi et al.): with m chunks, two
/// hashes within distance r differ in at most floor(r/m) bits in at least one chunk, so probing every chunk
/// value within that small radius finds every match, exactly.
public struct MultiIndexPlan: Equatable, Sendable {
    /// Bit width of each chunk, in order; chunk j covers the next `chunkBits[j]` bits from the most significant.
    let chunkBits: [Int]
    /// The largest query radius the plan is meant for.
    let maxRadius: Int

    var chunkCount: Int { chunkBits.count }

    /// The start bit of each chunk.
    var chunkStarts: [Int] {
        var starts: [Int] = []
        var position = 0
        for bits in chunkBits {
            starts.append(position)
            position += bits
        }
        return starts
    }

    /// Below this many entries a linear scan is as fast as any index and needs no tables.
    public static let linearScanLimit = 20_000

    /// Chooses the chunk count that minimises probes plus expected candidates for `entries` hashes of
    /// `hashBits` bits at radius `maxRadius`, keeping per-chunk radius at most 3 and tables bounded.
    static func choose(hashBits: Int, entries: Int, maxRadius: Int, minimumEntries: Int = linearScanLimit) -> MultiIndexPlan? {
        guard entries >= max(1, minimumEntries) else { return nil }
        var best: (cost: Double, plan: MultiIndexPlan)? = nil
        for chunks in 2...min(hashBits, 64) {
            let subRadius = maxRadius / chunks
            guard subRadius <= 3 else { continue }
            let narrow = hashBits / chunks
            let wideCount = hashBits % chunks
            let widest = narrow + (wideCount > 0 ? 1 : 0)
            guard widest <= 26, narrow >= 8 else { continue }
            // Offset tables: (2^bits + 1) u32 per chunk; keep them under ~2 GiB in all.
            let tableBytes = Double(chunks) * Double(1 << widest) * 4
            guard tableBytes < 2_147_483_648 else { continue }
            let probes = Double(chunks) * probesWithin(bits: narrow, radius: subRadius)
            let candidates = probes * Double(entries) / Double(1 << narrow)
            // A probe is one table read; a candidate costs a random read of its hash plus a popcount.
            let cost = probes + 2 * candidates
            let bits = (0..<chunks).map { narrow + ($0 < wideCount ? 1 : 0) }
            let plan = MultiIndexPlan(chunkBits: bits, maxRadius: maxRadius)
            if best == nil || cost < best!.cost { best = (cost, plan) }
        }
        return best?.plan
    }

    /// The probe radius of each chunk for a query at `radius`, or nil when no split with chunk radii of at most 3
    /// covers it. Pigeonhole, generalised: if every chunk j differed in more than r_j bits, the hashes would differ
    /// in at least sum(r_j + 1) bits; so when sum(r_j + 1) > radius, every match is within r_j of the query in
    /// some chunk j. r_j = -1 skips chunk j. Among the radii that satisfy this, the ones with the least expected
    /// work (probes plus candidates, from each chunk's width and `entries`) are chosen: for 11 chunks at radius 31
    /// that is 2 for ten chunks and 1 for one (sum 32), instead of 2 for all eleven (the textbook floor(r/m)).
    static func chunkRadii(bits: [Int], entries: Int, radius: Int) -> [Int]? {
        guard radius >= 0, !bits.isEmpty else { return nil }
        let needed = radius + 1
        // Cost of giving chunk j `units` = r_j + 1 (0...4).
        func cost(_ chunkBits: Int, _ units: Int) -> Double {
            guard units > 0 else { return 0 }
            let probes = probesWithin(bits: chunkBits, radius: units - 1)
            return probes * (1 + Double(entries) / Double(1 << min(chunkBits, 62)))
        }
        // best[u] = (cost, radii) reaching at least u units with the chunks seen so far (u capped at `needed`).
        var best: [(cost: Double, units: [Int])?] = Array(repeating: nil, count: needed + 1)
        best[0] = (0, [])
        for chunkBits in bits {
            var next: [(cost: Double, units: [Int])?] = Array(repeating: nil, count: needed + 1)
            for (reached, entry) in best.enumerated() {
                guard let entry else { continue }
                for units in 0...min(4, chunkBits) {
                    let total = min(needed, reached + units)
                    let value = entry.cost + cost(chunkBits, units)
                    if next[total] == nil || value < next[total]!.cost { next[total] = (value, entry.units + [units]) }
                }
            }
            best = next
        }
        return best[needed].map { $0.units.map { $0 - 1 } }
    }

    /// Number of values within Hamming distance `radius` of a `bits`-bit value.
    static func probesWithin(bits: Int, radius: Int) -> Double {
        var total = 0.0
        var combinations = 1.0
        for i in 0...radius {
            if i > 0 { combinations = combinations * Double(bits - i + 1) / Double(i) }
            total += combinations
        }
        return total
    }
}

extension Digest {
    /// `count` bits (≤ 32) starting at bit `start`, where bit 0 is the most significant bit of byte 0.
    @inline(__always)
    func bits(from start: Int, count: Int) -> UInt32 {
        let word = start >> 6
        let offset = start & 63
        let high = wordAt(word) << UInt64(offset)
        let combined = offset + count > 64 && word < 3 ? high | (wordAt(word + 1) >> UInt64(64 - offset)) : high
        return UInt32(truncatingIfNeeded: combined >> UInt64(64 - count))
    }
}
