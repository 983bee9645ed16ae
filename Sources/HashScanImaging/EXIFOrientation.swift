/// Reads the Orientation tag (0x0112) from an EXIF block, bounds-checking every offset.
///
/// Only IFD0 is read: that is where Orientation lives, and following no other pointers keeps
/// hostile offsets from sending us anywhere. The value is reported, never applied: every PDQ
/// reference implementation hashes the stored pixels.
package enum EXIFOrientation {
    /// Orientation 1-8 from a TIFF-structured block in memory, else nil.
    package static func read(_ bytes: UnsafeRawBufferPointer) -> Int? { read(ByteView(bytes)) }

    /// Orientation 1-8 from a TIFF-structured block (optionally prefixed by "Exif\0\0"), else nil.
    static func read(_ block: ByteView) -> Int? {
        var tiff = block
        if block.matches(0, "Exif\0\0"), let rest = block.slice(6, block.count - 6) {
            tiff = rest
        }
        let bigEndian: Bool
        if tiff.matches(0, "MM") {
            bigEndian = true
        } else if tiff.matches(0, "II") {
            bigEndian = false
        } else {
            return nil
        }
        guard tiff.u16(2, bigEndian: bigEndian) == 42,
            let ifdOffset32 = tiff.u32(4, bigEndian: bigEndian),
            let entryCount = tiff.u16(Int(ifdOffset32), bigEndian: bigEndian)
        else { return nil }
        let ifdOffset = Int(ifdOffset32)
        for index in 0..<Int(entryCount) {
            let entry = ifdOffset + 2 + index * 12
            guard let tag = tiff.u16(entry, bigEndian: bigEndian),
                let type = tiff.u16(entry + 2, bigEndian: bigEndian),
                let count = tiff.u32(entry + 4, bigEndian: bigEndian)
            else { return nil }
            guard tag == 0x0112 else { continue }
            // SHORT is the specified type; a few writers use LONG. The value sits inline either way.
            let value: Int?
            switch (type, count) {
            case (3, 1): value = tiff.u16(entry + 8, bigEndian: bigEndian).map(Int.init)
            case (4, 1): value = tiff.u32(entry + 8, bigEndian: bigEndian).map(Int.init)
            default: value = nil
            }
            guard let value, (1...8).contains(value) else { return nil }
            return value
        }
        return nil
    }
}
