import HashScanCore

/// Sorted fixed-width digests searched in place in the mapped file. A prefix table sends a lookup straight
/// to a bucket of a few rows, so a lookup costs about two cache misses whatever the list size.
struct ExactIndex: @unchecked Sendable {
    let digests: UnsafeRawPointer
    let width: Int
    let count: Int
    let buckets: UnsafeRawPointer
    let prefixBits: Int

    /// About two to four rows per bucket: the table costs ~1.3 bytes per entry.
    static func prefixBits(forCount count: Int) -> Int {
        guard count > 4 else { return 0 }
        let log2 = Int.bitWidth - 1 - count.leadingZeroBitCount
        return min(28, max(0, log2 - 1))
    }

    @inline(__always)
    static func prefix(of digest: Digest, bits: Int) -> UInt32 {
        bits == 0 ? 0 : UInt32(truncatingIfNeeded: digest.wordAt(0) >> UInt64(64 - bits))
    }

    @inline(__always)
    private func bucketStart(_ prefix: Int) -> Int {
        // Clamped: a corrupt table must not send a read outside the digests.
        min(count, Int(UInt32(littleEndian: buckets.loadUnaligned(fromByteOffset: prefix * 4, as: UInt32.self))))
    }

    /// Compares row `row` with `key` (big-endian words), as -1, 0 or 1.
    @inline(__always)
    private func compare(row: Int, with key: Digest) -> Int {
        let base = digests + row * width
        var offset = 0
        var word = 0
        while offset < width {
            let remaining = width - offset
            let rowWord: UInt64
            if remaining >= 8 {
                rowWord = UInt64(bigEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            } else {
                var partial: UInt64 = 0
                for index in 0..<remaining { partial |= UInt64(base.load(fromByteOffset: offset + index, as: UInt8.self)) << UInt64(56 - index * 8) }
                rowWord = partial
            }
            let keyWord = key.wordAt(word)
            if rowWord != keyWord { return rowWord < keyWord ? -1 : 1 }
            offset += 8
            word += 1
        }
        return 0
    }

    /// The rows holding exactly `key` (several when a list has the same digest under several entries).
    func rows(matching key: Digest) -> Range<Int> {
        guard key.byteCount == width, count > 0 else { return 0..<0 }
        let prefix = Int(Self.prefix(of: key, bits: prefixBits))
        var low = bucketStart(prefix)
        var high = max(low, bucketStart(prefix + 1))
        // Buckets are tiny for uniform digests; a binary search keeps skewed lists fast too.
        while high - low > 8 {
            let middle = (low + high) / 2
            if compare(row: middle, with: key) < 0 { low = middle + 1 } else { high = middle }
        }
        var first = low
        while first < high && compare(row: first, with: key) < 0 { first += 1 }
        var end = first
        while end < count && compare(row: end, with: key) == 0 { end += 1 }
        return first..<end
    }

    func digest(row: Int) -> Digest {
        Digest(UnsafeRawBufferPointer(start: digests + row * width, count: width))
    }
}
