import CHashScanGIF
import CHashScanJPEG
import CHashScanWebP
import HashScanTestSupport

/// Small encoders that build test inputs in memory, so no image binaries live in git.
enum TestEncoders {
    // MARK: JPEG (TurboJPEG)

    /// `pixels` interleaved in `format` (TJPF_RGB, TJPF_GRAY or TJPF_CMYK).
    static func jpeg(_ pixels: [UInt8], width: Int, height: Int, format: TJPF = TJPF_RGB,
                     subsampling: TJSAMP = TJSAMP_444, quality: Int32 = 95, progressive: Bool = false) -> [UInt8] {
        let handle = tjInitCompress()!
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let flags = progressive ? TJFLAG_PROGRESSIVE : 0
        let status = pixels.withUnsafeBufferPointer { source in
            tjCompress2(handle, source.baseAddress, Int32(width), 0, Int32(height), Int32(format.rawValue),
                        &output, &size, Int32(subsampling.rawValue), quality, flags)
        }
        precondition(status == 0, "tjCompress2 failed")
        defer { tjFree(output) }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }

    /// Inserts an APP1 EXIF segment with the given Orientation right after SOI.
    static func withEXIFOrientation(_ jpeg: [UInt8], orientation: UInt16, bigEndian: Bool) -> [UInt8] {
        var tiff: [UInt8] = bigEndian ? [0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8] : [0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0]
        func u16(_ v: UInt16) -> [UInt8] { bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) -> [UInt8] {
            let b = [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
            return bigEndian ? b : b.reversed()
        }
        tiff += u16(2)  // two entries: an unrelated tag first, then Orientation
        tiff += u16(0x010F) + u16(2) + u32(4) + [0x41, 0x43, 0x4D, 0]  // Make "ACM"
        tiff += u16(0x0112) + u16(3) + u32(1) + u16(orientation) + [0, 0]
        tiff += u32(0)
        let payload: [UInt8] = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + jpeg[2...]
    }

    // MARK: PNG (hand-written: stored deflate blocks, any colour type, depth and interlace)

    /// `samples` has width*height*channels values at `bitDepth` (channels from the colour type).
    static func png(width: Int, height: Int, colorType: UInt8, bitDepth: UInt8, samples: [UInt16],
                    palette: [UInt8] = [], transparency: [UInt8]? = nil, interlaced: Bool = false,
                    extraChunks: [(String, [UInt8])] = []) -> [UInt8] {
        let channels = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][Int(colorType)]!
        func sample(_ x: Int, _ y: Int, _ c: Int) -> UInt16 { samples[(y * width + x) * channels + c] }
        func packRow(_ xs: [Int], _ y: Int) -> [UInt8] {
            var row: [UInt8] = [0]  // filter type None
            var accumulator = 0
            var bits = 0
            for x in xs {
                for c in 0..<channels {
                    let v = Int(sample(x, y, c))
                    switch bitDepth {
                    case 16: row += [UInt8(v >> 8), UInt8(v & 0xFF)]
                    case 8: row.append(UInt8(v))
                    default:
                        accumulator = accumulator << Int(bitDepth) | v
                        bits += Int(bitDepth)
                        if bits == 8 { row.append(UInt8(accumulator)); accumulator = 0; bits = 0 }
                    }
                }
            }
            if bits > 0 { row.append(UInt8(accumulator << (8 - bits))) }
            return row
        }
        var raw: [UInt8] = []
        if interlaced {
            let passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            for (x0, y0, dx, dy) in passes {
                let xs = Array(stride(from: x0, to: width, by: dx))
                guard !xs.isEmpty else { continue }
                for y in stride(from: y0, to: height, by: dy) { raw += packRow(xs, y) }
            }
        } else {
            for y in 0..<height { raw += packRow(Array(0..<width), y) }
        }
        var ihdr = be32(UInt32(width)) + be32(UInt32(height))
        ihdr += [bitDepth, colorType, 0, 0, interlaced ? 1 : 0]
        var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        file += chunk("IHDR", ihdr)
        for (type, data) in extraChunks { file += chunk(type, data) }
        if !palette.isEmpty { file += chunk("PLTE", palette) }
        if let transparency { file += chunk("tRNS", transparency) }
        file += chunk("IDAT", zlibStored(raw))
        file += chunk("IEND", [])
        return file
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return be32(UInt32(data.count)) + typeBytes + data + be32(crc32(typeBytes + data))
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func le32(_ v: UInt32) -> [UInt8] { be32(v).reversed() }
    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return ~crc
    }

    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let n = min(65535, data.count - offset)
            let final: UInt8 = offset + n == data.count ? 1 : 0
            out += [final] + le16(UInt16(n)) + le16(~UInt16(n)) + data[offset..<(offset + n)]
            offset += n
        } while offset < data.count
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return out + be32(b << 16 | a)
    }

    // MARK: GIF (giflib's encoder, writing to memory)

    /// One frame of palette `indices` (frameWidth x frameHeight) at (left, top) on a screen.
    static func gif(screenWidth: Int, screenHeight: Int, palette: [(UInt8, UInt8, UInt8)], background: Int = 0,
                    left: Int = 0, top: Int = 0, frameWidth: Int, frameHeight: Int, indices: [UInt8],
                    interlaced: Bool = false, transparentIndex: Int? = nil) -> [UInt8] {
        AnimatedPictures.writeGIF { file in
            var size = 2
            while size < palette.count { size *= 2 }
            let map = GifMakeMapObject(Int32(size), nil)!
            defer { GifFreeMapObject(map) }
            for (index, color) in palette.enumerated() {
                map.pointee.Colors[index] = GifColorType(Red: color.0, Green: color.1, Blue: color.2)
            }
            EGifSetGifVersion(file, true)
            precondition(EGifPutScreenDesc(file, Int32(screenWidth), Int32(screenHeight), 8, Int32(background), map) == GIF_OK)
            if let transparentIndex {
                var gce: [UInt8] = [0x01, 0, 0, UInt8(transparentIndex)]
                precondition(EGifPutExtension(file, GRAPHICS_EXT_FUNC_CODE, 4, &gce) == GIF_OK)
            }
            precondition(EGifPutImageDesc(file, Int32(left), Int32(top), Int32(frameWidth), Int32(frameHeight), interlaced, nil) == GIF_OK)
            let order: [Int] = interlaced
                ? [(0, 8), (4, 8), (2, 4), (1, 2)].flatMap { stride(from: $0.0, to: frameHeight, by: $0.1) }
                : Array(0..<frameHeight)
            for row in order {
                var line = Array(indices[(row * frameWidth)..<((row + 1) * frameWidth)])
                precondition(EGifPutLine(file, &line, Int32(frameWidth)) == GIF_OK)
            }
        }
    }

    // MARK: WebP (libwebp's simple encoder)

    static func webp(rgb: [UInt8], width: Int, height: Int, lossless: Bool, quality: Float = 90) -> [UInt8] {
        AnimatedPictures.stillWebP(rgb, width: width, height: height, lossless: lossless, quality: quality)
    }

    static func webpLosslessRGBA(_ rgba: [UInt8], width: Int, height: Int) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        let size = rgba.withUnsafeBufferPointer { source in
            WebPEncodeLosslessRGBA(source.baseAddress, Int32(width), Int32(height), Int32(width * 4), &output)
        }
        precondition(size > 0, "WebP encoding failed")
        defer { WebPFree(output) }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }

    // MARK: BMP (hand-written)

    enum BMPPixels {
        /// Palette indices at 1, 4 or 8 bits, with a palette of (r, g, b).
        case indexed(bits: Int, palette: [(UInt8, UInt8, UInt8)], indices: [UInt8])
        /// RGB triples written as 24-bit BGR.
        case rgb24([UInt8])
        /// RGB triples written as 32-bit BGRA with the given alpha.
        case rgb32([UInt8], alpha: UInt8)
        /// RGB triples reduced to 16-bit 5-6-5 with BI_BITFIELDS.
        case rgb565([UInt8])
    }

    static func bmp(width: Int, height: Int, pixels: BMPPixels, topDown: Bool = false, infoSize: Int = 40) -> [UInt8] {
        let bits: Int
        var palette: [UInt8] = []
        var masks: [UInt8] = []
        var compression: UInt32 = 0
        switch pixels {
        case .indexed(let b, let colours, _):
            bits = b
            for c in colours { palette += infoSize == 12 ? [c.2, c.1, c.0] : [c.2, c.1, c.0, 0] }
        case .rgb24: bits = 24
        case .rgb32: bits = 32
        case .rgb565:
            bits = 16
            compression = 3
            masks = le32(0xF800) + le32(0x07E0) + le32(0x001F)
        }
        let stride = (width * bits + 31) / 32 * 4
        var info: [UInt8]
        if infoSize == 12 {
            info = le32(12) + le16(UInt16(width)) + le16(UInt16(height)) + le16(1) + le16(UInt16(bits))
        } else {
            let h = topDown ? UInt32(bitPattern: Int32(-height)) : UInt32(height)
            info = le32(UInt32(infoSize)) + le32(UInt32(width)) + le32(h) + le16(1) + le16(UInt16(bits))
            info += le32(compression) + le32(UInt32(stride * height)) + le32(2835) + le32(2835)
            info += le32(UInt32(palette.count / 4)) + le32(0)
            if infoSize > 40 {
                // V4/V5: masks inside the header (alpha mask 0xFF000000 for 32-bit), then zeros.
                let inline = compression == 3 ? masks : [UInt8](repeating: 0, count: 12)
                info += inline + (bits == 32 ? le32(0xFF00_0000) : le32(0))
                info += [UInt8](repeating: 0, count: infoSize - info.count)
                masks = []
            }
        }
        var rows: [UInt8] = []
        for outRow in 0..<height {
            let y = topDown ? outRow : height - 1 - outRow
            var row: [UInt8] = []
            switch pixels {
            case .indexed(let b, _, let indices):
                var accumulator = 0
                var used = 0
                for x in 0..<width {
                    accumulator = accumulator << b | Int(indices[y * width + x])
                    used += b
                    if used == 8 { row.append(UInt8(accumulator)); accumulator = 0; used = 0 }
                }
                if used > 0 { row.append(UInt8(accumulator << (8 - used))) }
            case .rgb24(let rgb):
                for x in 0..<width { let o = (y * width + x) * 3; row += [rgb[o + 2], rgb[o + 1], rgb[o]] }
            case .rgb32(let rgb, let alpha):
                for x in 0..<width { let o = (y * width + x) * 3; row += [rgb[o + 2], rgb[o + 1], rgb[o], alpha] }
            case .rgb565(let rgb):
                for x in 0..<width {
                    let o = (y * width + x) * 3
                    let v = UInt16(rgb[o] >> 3) << 11 | UInt16(rgb[o + 1] >> 2) << 5 | UInt16(rgb[o + 2] >> 3)
                    row += le16(v)
                }
            }
            row += [UInt8](repeating: 0, count: stride - row.count)
            rows += row
        }
        let offset = 14 + info.count + masks.count + palette.count
        return Array("BM".utf8) + le32(UInt32(offset + rows.count)) + le32(0) + le32(UInt32(offset)) + info + masks + palette + rows
    }
}

/// Deterministic test pictures.
enum TestPatterns {
    /// A smooth RGB gradient with some texture: JPEG-friendly and different in every channel.
    static func rgb(width: Int, height: Int) -> [UInt8] {
        var pixels: [UInt8] = []
        pixels.reserveCapacity(width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                pixels.append(UInt8((x * 255) / max(1, width - 1)))
                pixels.append(UInt8((y * 255) / max(1, height - 1)))
                pixels.append(UInt8(((x + y) * 4) & 0xFF))
            }
        }
        return pixels
    }

    static func grey(width: Int, height: Int) -> [UInt8] {
        (0..<(width * height)).map { index in UInt8(((index % width) * 3 + (index / width) * 5) & 0xFF) }
    }

    /// xorshift32 bytes, for bit-flip positions and noise.
    struct Random {
        var state: UInt32
        mutating func next() -> UInt32 {
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            return state
        }
    }
}
