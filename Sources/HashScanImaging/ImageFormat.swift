/// Image container formats recognised by their leading bytes (never by file name).
package enum ImageFormat: String, Sendable, CaseIterable, CustomStringConvertible {
    case jpeg
    case png
    case gif
    case webp
    case bmp
    /// HEIF/HEIC (ISO-BMFF `ftyp` with a HEIF brand), decoded through libheif.
    case heif
    /// AVIF (ISO-BMFF `ftyp` with an AVIF brand), decoded through libheif.
    case avif

    package var description: String { rawValue }

    /// The format announced by the first bytes, or nil when they are not an image we recognise.
    ///
    /// A nil result is not an error: the pipeline simply skips perceptual hashing for that file.
    /// Only the leading bytes are looked at; whether the rest is valid is the decoder's business.
    package static func sniff(_ bytes: UnsafeRawBufferPointer) -> ImageFormat? {
        let view = ByteView(bytes)
        guard let first = view.u8(0) else { return nil }
        switch first {
        case 0xFF:
            if view.u8(1) == 0xD8, view.u8(2) == 0xFF { return .jpeg }
        case 0x89:
            if view.matches(1, "PNG\r\n\u{1A}\n") { return .png }
        case UInt8(ascii: "G"):
            if view.matches(0, "GIF87a") || view.matches(0, "GIF89a") { return .gif }
        case UInt8(ascii: "R"):
            if view.matches(0, "RIFF"), view.matches(8, "WEBP") { return .webp }
        case UInt8(ascii: "B"):
            if view.u8(1) == UInt8(ascii: "M"), isBMPInfoHeaderSize(view.u32le(14)) { return .bmp }
        default:
            break
        }
        if view.matches(4, "ftyp") { return sniffISOBMFF(view) }
        return nil
    }

    /// "BM" alone is too weak (text files start with it): also require a known DIB header size.
    private static func isBMPInfoHeaderSize(_ size: UInt32?) -> Bool {
        switch size {
        case 12, 16, 40, 52, 56, 64, 108, 124: true
        default: false
        }
    }

    /// HEIF and AVIF share the ISO-BMFF container with MP4/MOV video: decide by the brands.
    private static func sniffISOBMFF(_ view: ByteView) -> ImageFormat? {
        guard let boxSize = view.u32be(0), boxSize >= 16 else { return nil }
        let end = min(Int(boxSize), view.count)
        var brands: [Int] = [8]
        var offset = 16
        while offset + 4 <= end, brands.count < 64 {
            brands.append(offset)
            offset += 4
        }
        var sawHEIF = false
        for brand in brands {
            if view.matches(brand, "avif") || view.matches(brand, "avis") { return .avif }
            for name: StaticString in ["heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs", "mif1", "msf1"]
            where view.matches(brand, name) {
                sawHEIF = true
            }
        }
        return sawHEIF ? .heif : nil
    }
}
