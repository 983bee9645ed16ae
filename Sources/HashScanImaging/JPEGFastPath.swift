/// A faster JPEG decode for callers that trade reference parity for speed (e.g. pHash/dHash
/// pre-filters, or PDQ where a 512-px pre-scale follows anyway). Not for reference-exact PDQ.
package struct JPEGFastPath: Sendable, Equatable {
    /// Decode at the smallest DCT scale among 1/8, 1/4, 1/2 and 1 (TurboJPEG's SIMD-accelerated
    /// ones) that keeps both sides at least this long; IDCT work shrinks with the square of the scale.
    package var minimumSide: Int
    /// Return the luma (Y) plane only, skipping chroma decoding and colour conversion. Ignored for
    /// CMYK/YCCK JPEGs, which libjpeg cannot convert to grey; those come back as RGB.
    package var lumaOnly: Bool

    package init(minimumSide: Int, lumaOnly: Bool) {
        self.minimumSide = minimumSide
        self.lumaOnly = lumaOnly
    }
}
