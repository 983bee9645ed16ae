/// Bounds-checked reads from untrusted bytes: every accessor returns nil instead of reading past the end.
struct ByteView {
    let bytes: UnsafeRawBufferPointer

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var count: Int { bytes.count }

    /// Whether `length` bytes starting at `offset` lie inside the buffer (overflow-safe).
    @inline(__always)
    func contains(_ offset: Int, _ length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= bytes.count && length <= bytes.count - offset
    }

    @inline(__always)
    func u8(_ offset: Int) -> UInt8? {
        contains(offset, 1) ? bytes[offset] : nil
    }

    func u16be(_ offset: Int) -> UInt16? {
        guard contains(offset, 2) else { return nil }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    func u16le(_ offset: Int) -> UInt16? {
        guard contains(offset, 2) else { return nil }
        return UInt16(bytes[offset + 1]) << 8 | UInt16(bytes[offset])
    }

    func u32be(_ offset: Int) -> UInt32? {
        guard contains(offset, 4) else { return nil }
        return UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
            | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    func u32le(_ offset: Int) -> UInt32? {
        guard contains(offset, 4) else { return nil }
        return UInt32(bytes[offset + 3]) << 24 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset])
    }

    func u64be(_ offset: Int) -> UInt64? {
        guard let high = u32be(offset), let low = u32be(offset + 4) else { return nil }
        return UInt64(high) << 32 | UInt64(low)
    }

    func u16(_ offset: Int, bigEndian: Bool) -> UInt16? {
        bigEndian ? u16be(offset) : u16le(offset)
    }

    func u32(_ offset: Int, bigEndian: Bool) -> UInt32? {
        bigEndian ? u32be(offset) : u32le(offset)
    }

    /// Whether the bytes at `offset` equal `ascii` exactly.
    func matches(_ offset: Int, _ ascii: StaticString) -> Bool {
        let length = ascii.utf8CodeUnitCount
        guard contains(offset, length) else { return false }
        return ascii.withUTF8Buffer { expected in
            for index in 0..<length where bytes[offset + index] != expected[index] { return false }
            return true
        }
    }

    /// A sub-range as its own view; nil when out of bounds.
    func slice(_ offset: Int, _ length: Int) -> ByteView? {
        guard contains(offset, length) else { return nil }
        return ByteView(UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)]))
    }
}
