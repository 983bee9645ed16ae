internal import HashScanCore

extension ImageDecoder {
    /// Uncompressed and bit-field BMPs (1/4/8-bit palette, 16/24/32-bit, bottom-up or top-down)
    /// with our own parser: no C library has to see a hostile header.
    func decodeBMP(_ bytes: UnsafeRawBufferPointer) -> Result<DecodedImage, ScanError> {
        let view = ByteView(bytes)
        let header: BMPHeader
        switch BMPHeader.parse(view) {
        case .success(let parsed): header = parsed
        case .failure(let error): return .failure(error)
        }
        let width = header.width
        let height = header.height
        if let error = limits.check(width: width, height: height, format: .bmp) { return .failure(error) }
        guard let stride = header.rowStride else {
            return .failure(ScanError(.tooLarge, "BMP rows are too long"))
        }
        let (arrayBytes, overflow) = stride.multipliedReportingOverflow(by: height)
        guard !overflow, view.contains(header.pixelOffset, arrayBytes) else {
            return .failure(ScanError(.corruptImage, "BMP pixel data is truncated"))
        }

        // Always 256 entries, so any index is in range: entries past the palette read black.
        var palette = [UInt8](repeating: 0, count: 256 * 3)
        if header.paletteCount > 0 {
            let entry = header.paletteEntrySize
            guard view.contains(header.paletteOffset, header.paletteCount * entry) else {
                return .failure(ScanError(.corruptImage, "BMP palette is truncated"))
            }
            for index in 0..<header.paletteCount {
                let at = header.paletteOffset + index * entry
                palette[index * 3] = bytes[at + 2]  // stored blue, green, red
                palette[index * 3 + 1] = bytes[at + 1]
                palette[index * 3 + 2] = bytes[at]
            }
        }

        let pixels = Self.makePixels(count: width * height * 3) { out in
            palette.withUnsafeBufferPointer { palette in
                for row in 0..<height {
                    let sourceRow = header.topDown ? row : height - 1 - row
                    let source = header.pixelOffset + sourceRow * stride
                    Self.convertBMPRow(
                        UnsafeRawBufferPointer(rebasing: bytes[source..<(source + stride)]),
                        into: UnsafeMutableBufferPointer(rebasing: out[(row * width * 3)..<((row + 1) * width * 3)]),
                        width: width, header: header, palette: palette)
                }
            }
            return true
        }
        guard let pixels else { return .failure(ScanError(.corruptImage, "BMP could not be decoded")) }
        let palettized = header.bitsPerPixel <= 8
        return .success(DecodedImage(
            raster: PixelRaster(width: width, height: height, channels: 3, pixels: pixels),
            format: .bmp, originalWidth: width, originalHeight: height, exifOrientation: nil,
            colorModel: palettized ? .palette : .rgb, sourceBitDepth: palettized ? header.bitsPerPixel : 8,
            hadAlpha: !palettized && header.masks.3 != 0, reducedToGrey: false))
    }

    private static func convertBMPRow(
        _ row: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<UInt8>, width: Int,
        header: BMPHeader, palette: UnsafeBufferPointer<UInt8>
    ) {
        var target = 0
        switch header.bitsPerPixel {
        case 1, 4, 8:
            let bits = header.bitsPerPixel
            let perByte = 8 / bits
            let mask = (1 << bits) - 1
            for x in 0..<width {
                let byte = Int(row[x / perByte])
                let shift = 8 - bits * (x % perByte + 1)
                let index = (byte >> shift & mask) * 3
                out[target] = palette[index]
                out[target + 1] = palette[index + 1]
                out[target + 2] = palette[index + 2]
                target += 3
            }
        case 24:
            var source = 0
            for _ in 0..<width {
                out[target] = row[source + 2]
                out[target + 1] = row[source + 1]
                out[target + 2] = row[source]
                source += 3
                target += 3
            }
        default:  // 16 or 32 bits through the channel masks
            let red = MaskChannel(header.masks.0)
            let green = MaskChannel(header.masks.1)
            let blue = MaskChannel(header.masks.2)
            let bytesPerPixel = header.bitsPerPixel / 8
            var source = 0
            for _ in 0..<width {
                var value = UInt32(row[source]) | UInt32(row[source + 1]) << 8
                if bytesPerPixel == 4 { value |= UInt32(row[source + 2]) << 16 | UInt32(row[source + 3]) << 24 }
                out[target] = red.extract(value)
                out[target + 1] = green.extract(value)
                out[target + 2] = blue.extract(value)
                source += bytesPerPixel
                target += 3
            }
        }
    }
}
