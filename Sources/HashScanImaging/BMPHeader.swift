internal import HashScanCore

/// The parsed headers of a Windows bitmap: BITMAPCOREHEADER (OS/2 1.x), BITMAPINFOHEADER and its
/// V2-V5 extensions. Every field is read bounds-checked; compression schemes other than plain and
/// bit-field pixels (RLE, embedded JPEG/PNG, CMYK) are `unsupported_format`.
struct BMPHeader {
    var width = 0
    var height = 0
    var topDown = false
    var bitsPerPixel = 0
    var pixelOffset = 0
    var paletteOffset = 0
    var paletteEntrySize = 4
    var paletteCount = 0
    /// Channel masks for 16- and 32-bit pixels (red, green, blue, alpha).
    var masks: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)

    /// Bytes per row, padded to 4 bytes; nil on overflow.
    var rowStride: Int? {
        let (bits, overflow) = width.multipliedReportingOverflow(by: bitsPerPixel)
        guard !overflow, bits <= Int.max - 31 else { return nil }
        return (bits + 31) / 32 * 4
    }

    static func parse(_ view: ByteView) -> Result<BMPHeader, ScanError> {
        func corrupt(_ why: String) -> Result<BMPHeader, ScanError> { .failure(ScanError(.corruptImage, "BMP \(why)")) }
        func unsupported(_ why: String) -> Result<BMPHeader, ScanError> { .failure(ScanError(.unsupportedFormat, "BMP \(why)")) }

        guard view.matches(0, "BM"), let pixelOffset = view.u32le(10), let infoSize = view.u32le(14) else {
            return corrupt("file header is truncated")
        }
        var header = BMPHeader()
        header.pixelOffset = Int(pixelOffset)
        let info = 14
        var compression: UInt32 = 0
        var colorsUsed = 0

        switch infoSize {
        case 12:  // BITMAPCOREHEADER: 16-bit unsigned sizes, always bottom-up, 3-byte palette entries
            guard let w = view.u16le(info + 4), let h = view.u16le(info + 6), let bpp = view.u16le(info + 10) else {
                return corrupt("core header is truncated")
            }
            header.width = Int(w)
            header.height = Int(h)
            header.bitsPerPixel = Int(bpp)
            header.paletteEntrySize = 3
        case 40, 52, 56, 108, 124:
            guard view.contains(info, Int(infoSize)), let w = view.u32le(info + 4), let h = view.u32le(info + 8),
                let bpp = view.u16le(info + 14), let c = view.u32le(info + 16), let used = view.u32le(info + 32)
            else {
                return corrupt("info header is truncated")
            }
            let signedHeight = Int32(bitPattern: h)
            guard signedHeight != Int32.min else { return corrupt("height is invalid") }
            header.width = Int(Int32(bitPattern: w))
            header.height = Int(signedHeight.magnitude)
            header.topDown = signedHeight < 0
            header.bitsPerPixel = Int(bpp)
            compression = c
            colorsUsed = Int(used)
        default:
            return unsupported("info header of \(infoSize) bytes (OS/2 2.x or unknown)")
        }

        switch compression {
        case 0: break  // BI_RGB
        case 3, 6:  // BI_BITFIELDS, BI_ALPHABITFIELDS: masks follow a 40-byte header, or sit inside larger ones
            guard header.bitsPerPixel == 16 || header.bitsPerPixel == 32 else {
                return corrupt("bit-field masks with \(header.bitsPerPixel) bits per pixel")
            }
            guard let r = view.u32le(info + 40), let g = view.u32le(info + 44), let b = view.u32le(info + 48) else {
                return corrupt("bit-field masks are truncated")
            }
            let hasAlphaMask = compression == 6 || infoSize >= 56
            let a = hasAlphaMask ? view.u32le(info + 52) : 0
            guard let a else { return corrupt("alpha mask is truncated") }
            header.masks = (r, g, b, a)
        case 1, 2: return unsupported("run-length encoding")
        case 4, 5: return unsupported("with an embedded JPEG or PNG")
        default: return unsupported("compression \(compression)")
        }
        if compression == 0 {
            switch header.bitsPerPixel {
            case 16: header.masks = (0x7C00, 0x03E0, 0x001F, 0)
            case 32:
                // V4/V5 headers can declare an alpha mask even for BI_RGB; honour it only for hadAlpha.
                let alpha = infoSize >= 108 ? (view.u32le(info + 52) ?? 0) : 0
                header.masks = (0x00FF_0000, 0x0000_FF00, 0x0000_00FF, alpha)
            default: break
            }
        }

        switch header.bitsPerPixel {
        case 1, 4, 8:
            let maximum = 1 << header.bitsPerPixel
            header.paletteCount = colorsUsed == 0 || colorsUsed > maximum ? maximum : colorsUsed
            header.paletteOffset = info + Int(infoSize) + (infoSize == 40 && compression == 3 ? 12 : 0)
                + (infoSize == 40 && compression == 6 ? 16 : 0)
        case 16, 24, 32:
            break
        default:
            return unsupported("with \(header.bitsPerPixel) bits per pixel")
        }
        guard header.width > 0, header.height > 0 else {
            return corrupt("is \(header.width)x\(header.height) pixels")
        }
        return .success(header)
    }
}
