/// How the source stored its colours, before decoding to 8-bit grey or RGB.
package enum ImageColorModel: String, Sendable, Equatable {
    case grey
    case rgb
    /// Palette-indexed (PNG, GIF, BMP of 8 bits or fewer); decoded through the palette to RGB.
    case palette
    /// JPEG in CMYK, read with Adobe's inverted convention and converted to RGB.
    case cmyk
    /// JPEG in YCCK (Adobe), converted to CMYK by libjpeg and then to RGB like `cmyk`.
    case ycck
}
