internal import CHashScanPNGCodec
internal import HashScanCore

extension ImageDecoder {
    /// PNG through libpng's low-level API (setjmp kept inside the C shim): stored sample values
    /// kept, no gamma or colour-space conversion, 16-bit rounded to 8-bit, alpha dropped.
    func decodePNG(_ bytes: UnsafeRawBufferPointer) -> Result<DecodedImage, ScanError> {
        let reader = pngReader
        defer { chs_png_reader_release(reader) }
        switch chs_png_read_header(reader, bytes.baseAddress, bytes.count) {
        case 0: break
        case 1: return .failure(ScanError(.corruptImage, "PNG: \(message(reader))"))
        default: return .failure(ScanError(.corruptImage, "PNG: libpng could not allocate its state"))
        }
        let header = reader.pointee
        let width = Int(header.width)
        let height = Int(header.height)
        if let error = limits.check(width: width, height: height, format: .png) { return .failure(error) }
        let colorType = header.color_type
        let channels = (colorType & PNG_COLOR_MASK_COLOR) != 0 ? 3 : 1
        let stride = width * channels
        guard let pixels = Self.makePixels(count: stride * height, { out in
            chs_png_read_pixels(reader, out.baseAddress, stride) == 0
        }) else {
            return .failure(ScanError(.corruptImage, "PNG: \(message(reader))"))
        }

        var exifLength: UInt32 = 0
        var orientation: Int?
        if let exif = chs_png_exif(reader, &exifLength), exifLength > 0 {
            orientation = EXIFOrientation.read(ByteView(UnsafeRawBufferPointer(start: exif, count: Int(exifLength))))
        }
        let colorModel: ImageColorModel =
            colorType == PNG_COLOR_TYPE_PALETTE ? .palette : (colorType & PNG_COLOR_MASK_COLOR) != 0 ? .rgb : .grey
        return .success(DecodedImage(
            raster: PixelRaster(width: width, height: height, channels: channels, pixels: pixels),
            format: .png, originalWidth: width, originalHeight: height, exifOrientation: orientation,
            colorModel: colorModel, sourceBitDepth: Int(header.bit_depth),
            hadAlpha: (colorType & PNG_COLOR_MASK_ALPHA) != 0 || header.has_trns != 0,
            reducedToGrey: false))
    }

    private func message(_ reader: UnsafeMutablePointer<chs_png_reader>) -> String {
        withUnsafeBytes(of: reader.pointee.message) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return bytes.isEmpty ? "unknown libpng error" : String(decoding: bytes, as: UTF8.self)
        }
    }
}
