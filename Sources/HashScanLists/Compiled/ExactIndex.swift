internal import CHashScanSupport
import HashScanCore

/// Sorted fixed-width digests searched in place in the mapped file. A prefix table sends a lookup straight
/// to a bucket of a few rows, so a lookup costs about two cache misses whatever the list size.
struct ExactIndex: @unchecked Sendable {
    let digests: UnsafeRawPointer
    let width: Int
    let count: Int
    let buckets: UnsafeRawPointer
    let prefixBits: Int

    /// Four to eight rows per bucket: the table costs 0.5-1 byte per entry (0.67 at 100M entries: 2^24
    /// buckets, 64 MiB). Measured on 100M SHA-256 entries against two to four rows per bucket (twice the
    /// table): as fast or faster for present and absent keys (the smaller table's page-table entries stay
    /// in cache), and the list stays within 15% of the raw digest bytes once hits read the line table.
    static func prefixBits(forCount count: Int) -> Int {
        guard count > 4 else { return 0 }
        let log2 = Int.bitWidth - 1 - count.leadingZeroBitCount
        return min(28, max(0, log2 - 2))
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

    /// Whether row `row` equals `key`, by four 8-byte loads at 0, 8, min(16, width - 8), min(24, width - 8): for
    /// 16, 20 and 32-byte digests alike every byte is covered and no load leaves the row (exact algorithms are
    /// at least 8 bytes wide).
    @inline(__always)
    private func equal(row: Int, _ key: Digest) -> Bool {
        let base = digests + row &* width
        @inline(__always) func differs(_ offset: Int) -> UInt64 {
            let word = offset >> 3, shift = UInt64(offset & 7) * 8
            let keyWord = shift == 0 ? key.wordAt(word) : key.wordAt(word) << shift | key.wordAt(word &+ 1) >> (64 &- shift)
            return UInt64(bigEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) ^ keyWord
        }
        return (differs(0) | differs(8) | differs(min(16, width &- 8)) | differs(min(24, width &- 8))) == 0
    }

    /// The rows holding exactly `key` (several when a list has the same digest under several entries).
    func rows(matching key: Digest) -> Range<Int> {
        guard key.byteCount == width, count > 0 else { return 0..<0 }
        let prefix = Int(Self.prefix(of: key, bits: prefixBits))
        let low = bucketStart(prefix)
        return rows(matching: key, in: low, max(low, bucketStart(prefix + 1)))
    }

    /// Buckets of up to this many rows are scanned; larger ones (only a skewed list has them: uniform digests
    /// put four to eight rows on average in a bucket) are binary searched.
    static let scanLimit = 16

    /// The rows holding `key` within its bucket `low..<high`: equal digests share their prefix, hence their
    /// bucket, so neither search reads a row outside it.
    @inline(__always)
    private func rows(matching key: Digest, in low: Int, _ high: Int) -> Range<Int> {
        guard high &- low <= Self.scanLimit else { return searchRows(matching: key, in: low, high) }
        // First words up to the key's place, then whole rows only while the first word is the key's: a present
        // key costs one row compare more than an absent one. Few instructions matter more than few branches
        // here: `perf annotate` puts most of the batch's time on its prefetches, each waiting for a page walk
        // (4 KiB pages, random rows), so the fewer instructions a lookup takes, the more lookups (and walks)
        // overlap in the processor's window. Measured: a branch-free compare of every row of the bucket was
        // slower than this for absent and present keys alike.
        let first = key.wordAt(0)
        var row = low
        while row < high, firstWord(row: row) < first { row &+= 1 }
        let start = row
        while row < high, firstWord(row: row) == first, equal(row: row, key) { row &+= 1 }
        return start..<row
    }

    /// Binary search for the equal rows of a large bucket.
    private func searchRows(matching key: Digest, in low: Int, _ high: Int) -> Range<Int> {
        var low = low, upper = high
        while low < upper {
            let middle = (low + upper) / 2
            if compare(row: middle, with: key) < 0 { low = middle + 1 } else { upper = middle }
        }
        let start = low
        upper = high
        while low < upper {
            let middle = (low + upper) / 2
            if compare(row: middle, with: key) <= 0 { low = middle + 1 } else { upper = middle }
        }
        return start..<low
    }

    @inline(__always)
    private func firstWord(row: Int) -> UInt64 {
        let base = digests + row * width
        if width >= 8 { return UInt64(bigEndian: base.loadUnaligned(as: UInt64.self)) }
        var partial: UInt64 = 0
        for index in 0..<width { partial |= UInt64(base.load(fromByteOffset: index, as: UInt8.self)) << UInt64(56 - index * 8) }
        return partial
    }

    /// How many rows hold each key, for many keys at once. A lookup is two dependent cache misses (the bucket,
    /// then its rows); one at a time, the processor waits for each in turn. Here the bucket of key i + 2d and
    /// the rows of key i + d are requested while key i is compared, so many misses are in flight at once.
    func countMatches(_ keys: UnsafeBufferPointer<Digest>, into counts: UnsafeMutableBufferPointer<Int32>) {
        let total = min(keys.count, counts.count)
        guard total > 0 else { return }
        guard count > 0 else {
            for index in 0..<total { counts[index] = 0 }
            return
        }
        let distance = Self.batchDistance
        let lastRowByte = count * width - 1
        // Bucket bounds of keys i ... i + d, in a ring of 2d slots, so key i + d's are written without
        // overwriting key i's.
        withUnsafeTemporaryAllocation(of: (low: Int, high: Int).self, capacity: 2 * distance) { ring in
            let mask = 2 * distance - 1
            @inline(__always) func requestBucket(_ index: Int) {
                chs_prefetch(buckets + Int(Self.prefix(of: keys[index], bits: prefixBits)) &* 4)
            }
            @inline(__always) func requestRows(_ index: Int) {
                let prefix = Int(Self.prefix(of: keys[index], bits: prefixBits))
                let low = bucketStart(prefix)
                let high = max(low, bucketStart(prefix &+ 1))
                ring[index & mask] = (low, high)
                // Every cache line of the bucket, up to four (a bucket holds four to eight 32-byte rows on average).
                var byte = low &* width
                let end = min(high &* width, lastRowByte &+ 1, byte &+ 256)
                while byte < end {
                    chs_prefetch(digests + byte)
                    byte = (byte | 63) &+ 1
                }
            }
            for index in 0..<min(total, 2 * distance) { requestBucket(index) }
            for index in 0..<min(total, distance) { requestRows(index) }
            for index in 0..<total {
                if index &+ 2 &* distance < total { requestBucket(index &+ 2 &* distance) }
                if index &+ distance < total { requestRows(index &+ distance) }
                let key = keys[index]
                if key.byteCount != width {
                    counts[index] = 0
                    continue
                }
                let (low, high) = ring[index & mask]
                counts[index] = Int32(clamping: rows(matching: key, in: low, high).count)
            }
        }
    }

    /// Keys whose rows are in flight in `countMatches` (their buckets: twice as many). Measured on 100M SHA-256
    /// entries: 8 → 2.3-2.6 M present-key lookups/s, 32 → see docs/performance.md.
    static let batchDistance = 32

    func digest(row: Int) -> Digest {
        Digest(UnsafeRawBufferPointer(start: digests + row * width, count: width))
    }
}

