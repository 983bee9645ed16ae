/// A hash value of up to 32 bytes held inline (no heap allocation), usable as a dictionary key.
///
/// Bytes are stored big-endian in four 64-bit words, so the hex form reads left to right.
public struct Digest: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let byteCount: Int
    private var words: (UInt64, UInt64, UInt64, UInt64)

    /// Creates a digest from raw bytes; `bytes.count` must be at most 32.
    public init<C: Collection>(bytes: C) where C.Element == UInt8 {
        precondition(bytes.count <= 32, "a digest holds at most 32 bytes")
        // Built in registers: this runs once per file and per list entry, so it must not allocate.
        var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0
        var index = 0
        for byte in bytes {
            let shifted = UInt64(byte) << (56 - UInt64(index & 7) * 8)
            switch index >> 3 {
            case 0: w0 |= shifted
            case 1: w1 |= shifted
            case 2: w2 |= shifted
            default: w3 |= shifted
            }
            index += 1
        }
        byteCount = index
        words = (w0, w1, w2, w3)
    }

    /// Creates a digest from raw memory, as produced by a C digest function.
    public init(_ pointer: UnsafeRawBufferPointer) {
        self.init(bytes: pointer)
    }

    /// Parses lower- or upper-case hex of an even length up to 64 characters.
    public init?<S: StringProtocol>(hex: S) {
        let utf8 = hex.utf8
        guard utf8.count % 2 == 0, utf8.count <= 64, !utf8.isEmpty else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var high: UInt8? = nil
        for character in utf8 {
            guard let nibble = Hex.nibble(character) else { return nil }
            if let h = high {
                bytes.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        self.init(bytes: bytes)
    }

    /// The digest bytes, most significant first.
    public var bytes: [UInt8] {
        (0..<byteCount).map { index in
            let word = wordAt(index >> 3)
            return UInt8(truncatingIfNeeded: word >> (56 - UInt64(index & 7) * 8))
        }
    }

    /// Lower-case hex.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }

    /// The i-th 64-bit word (big-endian bytes), for Hamming distance and index keys.
    public func wordAt(_ index: Int) -> UInt64 {
        switch index {
        case 0: words.0
        case 1: words.1
        case 2: words.2
        default: words.3
        }
    }

    /// Number of differing bits; digests of different lengths are compared over the shorter.
    public func hammingDistance(to other: Digest) -> Int {
        (words.0 ^ other.words.0).nonzeroBitCount + (words.1 ^ other.words.1).nonzeroBitCount
            + (words.2 ^ other.words.2).nonzeroBitCount + (words.3 ^ other.words.3).nonzeroBitCount
    }

    public static func == (lhs: Digest, rhs: Digest) -> Bool {
        lhs.byteCount == rhs.byteCount && lhs.words == rhs.words
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    public static func < (lhs: Digest, rhs: Digest) -> Bool {
        (lhs.words.0, lhs.words.1, lhs.words.2, lhs.words.3, lhs.byteCount)
            < (rhs.words.0, rhs.words.1, rhs.words.2, rhs.words.3, rhs.byteCount)
    }
}
