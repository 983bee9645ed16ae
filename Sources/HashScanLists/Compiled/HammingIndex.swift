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
    func search(_ query: Digest, radius: Int) -> [(row: Int, distance: Int)] {
        guard query.byteCount == width, width % 8 == 0 else { return [] }
        if chunks.isEmpty || radius > plannedRadius { return linearSearch(query, radius: radius) }
        let subRadius = radius / chunks.count
        var found: [(row: Int, distance: Int)] = []
        for chunk in chunks {
            let value = query.bits(from: chunk.start, count: chunk.bits)
            forEachValue(within: subRadius, of: value, bits: chunk.bits) { probe in
                let begin = Int(chunk.offsets.loadUnaligned(fromByteOffset: Int(probe) * 4, as: UInt32.self).littleEndian)
                let end = min(count, Int(chunk.offsets.loadUnaligned(fromByteOffset: Int(probe) * 4 + 4, as: UInt32.self).littleEndian))
                guard begin < end else { return }
                for slot in begin..<end {
                    let row = Int(chunk.postings.loadUnaligned(fromByteOffset: slot * 4, as: UInt32.self).littleEndian)
                    guard row < count else { continue }
                    let distance = distance(row: row, to: query)
                    if distance <= radius { found.append((row, distance)) }
                }
            }
        }
        // A match is usually found through several chunks.
        found.sort { $0.row < $1.row }
        var unique: [(row: Int, distance: Int)] = []
        unique.reserveCapacity(found.count)
        for item in found where unique.last?.row != item.row { unique.append(item) }
        return unique
    }

    func linearSearch(_ query: Digest, radius: Int) -> [(row: Int, distance: Int)] {
        guard query.byteCount == width else { return [] }
        var found: [(row: Int, distance: Int)] = []
        for row in 0..<count {
            let distance = distance(row: row, to: query)
            if distance <= radius { found.append((row, distance)) }
        }
        return found
    }

    /// Calls `body` for every `bits`-bit value within Hamming distance `radius` (at most 3) of `value`.
    @inline(__always)
    private func forEachValue(within radius: Int, of value: UInt32, bits: Int, _ body: (UInt32) -> Void) {
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
