/// One colour channel of a bit-field pixel: where it sits and how to scale it to 8 bits.
struct MaskChannel {
    let mask: UInt32
    let shift: UInt32
    let maximum: UInt64

    init(_ mask: UInt32) {
        self.mask = mask
        shift = mask == 0 ? 0 : UInt32(mask.trailingZeroBitCount)
        maximum = UInt64(mask >> shift)
    }

    /// The channel scaled to 0...255 with rounding; 0 for an empty mask.
    @inline(__always)
    func extract(_ pixel: UInt32) -> UInt8 {
        guard maximum > 0 else { return 0 }
        let value = UInt64((pixel & mask) >> shift)
        // A non-contiguous mask can give value > maximum; clamp rather than trust it.
        return UInt8(min(255, (value * 255 + maximum / 2) / maximum))
    }
}
