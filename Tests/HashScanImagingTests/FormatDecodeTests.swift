import CHashScanJPEG
import HashScanCore
import Testing

@testable import HashScanImaging

/// Every supported layout of every format, from inputs generated in memory, with exact pixels.
@Suite struct FormatDecodeTests {
    static let width = 37  // odd sizes exercise row padding and partial bytes
    static let height = 23

    // MARK: JPEG

    @Test func rgbJPEGDecodesCloseToItsSource() throws {
        let source = TestPatterns.rgb(width: Self.width, height: Self.height)
        let image = try Decode.image(TestEncoders.jpeg(source, width: Self.width, height: Self.height, quality: 100))
        #expect(image.format == .jpeg && image.colorModel == .rgb && image.channels == 3 && image.sourceBitDepth == 8)
        #expect(image.width == Self.width && image.height == Self.height && image.exifOrientation == nil)
        #expect(Decode.meanAbsoluteDifference(image.raster.pixels, source) < 2)
    }

    @Test func greyJPEGStaysOneChannel() throws {
        let source = TestPatterns.grey(width: Self.width, height: Self.height)
        let jpeg = TestEncoders.jpeg(source, width: Self.width, height: Self.height, format: TJPF_GRAY, subsampling: TJSAMP_GRAY, quality: 100)
        let image = try Decode.image(jpeg)
        #expect(image.colorModel == .grey && image.channels == 1 && !image.reducedToGrey)
        #expect(Decode.meanAbsoluteDifference(image.raster.pixels, source) < 1.5)
    }

    @Test func progressiveJPEGDecodesAndCountsItsScans() throws {
        let source = TestPatterns.rgb(width: 64, height: 48)
        let jpeg = TestEncoders.jpeg(source, width: 64, height: 48, subsampling: TJSAMP_420, quality: 90, progressive: true)
        let image = try Decode.image(jpeg)
        #expect(image.width == 64 && image.height == 48)
        #expect(Decode.meanAbsoluteDifference(image.raster.pixels, source) < 4)
        // The default limits allow it; a scan limit below its scan count refuses it as too_large.
        let strict = ImageDecoder(limits: ImageLimits(maxJPEGScans: 3))
        #expect(Decode.errorCode(jpeg, strict) == .tooLarge)
    }

    /// TurboJPEG writes CMYK input as an Adobe YCCK JPEG; the samples come back as stored and are
    /// converted with the inverted-CMYK rule R = C'K'/255.
    @Test func ycckJPEGConvertsWithTheInvertedCMYKRule() throws {
        var cmyk: [UInt8] = []
        for y in 0..<16 {
            for x in 0..<16 { cmyk += [UInt8(x * 16), UInt8(y * 16), 200, UInt8(255 - x * 8)] }
        }
        let jpeg = TestEncoders.jpeg(cmyk, width: 16, height: 16, format: TJPF_CMYK, quality: 100)
        let image = try Decode.image(jpeg)
        #expect(image.colorModel == .ycck && image.channels == 3)
        var expected: [UInt8] = []
        for pixel in stride(from: 0, to: cmyk.count, by: 4) {
            let k = Int(cmyk[pixel + 3])
            for c in 0..<3 { expected.append(UInt8((Int(cmyk[pixel + c]) * k + 127) / 255)) }
        }
        #expect(Decode.meanAbsoluteDifference(image.raster.pixels, expected) < 2)
    }

    @Test(arguments: 1...8) func jpegEXIFOrientationIsReadInBothByteOrders(orientation: Int) throws {
        let plain = TestEncoders.jpeg(TestPatterns.rgb(width: 16, height: 8), width: 16, height: 8)
        for bigEndian in [true, false] {
            let image = try Decode.image(TestEncoders.withEXIFOrientation(plain, orientation: UInt16(orientation), bigEndian: bigEndian))
            #expect(image.exifOrientation == orientation)
            #expect(image.width == 16 && image.height == 8)  // reported, not applied
        }
    }

    @Test func invalidEXIFOrientationValuesAreIgnored() throws {
        let plain = TestEncoders.jpeg(TestPatterns.rgb(width: 16, height: 8), width: 16, height: 8)
        for value: UInt16 in [0, 9, 0xFFFF] {
            let image = try Decode.image(TestEncoders.withEXIFOrientation(plain, orientation: value, bigEndian: true))
            #expect(image.exifOrientation == nil && image.orientation == 1)
        }
    }

    /// Stray bytes between segments only make libjpeg warn; no pixel is lost, so we accept them.
    @Test func extraneousBytesBetweenMarkersAreAccepted() throws {
        let plain = TestEncoders.jpeg(TestPatterns.rgb(width: 16, height: 16), width: 16, height: 16)
        // After SOI and the 18-byte APP0 (JFIF) segment, insert junk before the next marker.
        #expect(plain[2] == 0xFF && plain[3] == 0xE0)
        let app0End = 4 + (Int(plain[4]) << 8 | Int(plain[5]))
        let junk = Array(plain[..<app0End]) + [0x12, 0x34, 0x56] + plain[app0End...]
        let reference = try Decode.image(plain)
        let image = try Decode.image(junk)
        #expect(image.raster.pixels == reference.raster.pixels)
    }

    // MARK: PNG

    /// Samples for a test image at `bitDepth` with `channels` per pixel, covering the value range.
    static func samples(_ width: Int, _ height: Int, channels: Int, bitDepth: Int) -> [UInt16] {
        let maximum = (1 << bitDepth) - 1
        var random = TestPatterns.Random(state: 0x1234_5678)
        return (0..<(width * height * channels)).map { _ in UInt16(Int(random.next()) & maximum) }
    }

    /// What a PNG sample becomes at 8 bits: low depths replicate bits, 16-bit rounds v/257.
    static func eightBit(_ value: UInt16, bitDepth: Int) -> UInt8 {
        switch bitDepth {
        case 16: UInt8((UInt32(value) * 255 + 32767) / 65535)
        case 8: UInt8(value)
        default: UInt8(Int(value) * 255 / ((1 << bitDepth) - 1))
        }
    }

    static let pngCases: [(colorType: UInt8, bitDepth: UInt8)] = [
        (0, 1), (0, 2), (0, 4), (0, 8), (0, 16), (2, 8), (2, 16), (4, 8), (4, 16), (6, 8), (6, 16),
    ]

    @Test(arguments: pngCases, [false, true])
    func pngKeepsStoredSamplesAndDropsAlpha(layout: (colorType: UInt8, bitDepth: UInt8), interlaced: Bool) throws {
        let channels = [0: 1, 2: 3, 4: 2, 6: 4][Int(layout.colorType)]!
        let samples = Self.samples(Self.width, Self.height, channels: channels, bitDepth: Int(layout.bitDepth))
        let png = TestEncoders.png(width: Self.width, height: Self.height, colorType: layout.colorType,
                                   bitDepth: layout.bitDepth, samples: samples, interlaced: interlaced)
        let image = try ImageDecoder(reduceGreyRGB: false).decode(png)
        let colour = layout.colorType & 2 != 0
        let kept = colour ? 3 : 1
        var expected: [UInt8] = []
        for pixel in 0..<(Self.width * Self.height) {
            for c in 0..<kept { expected.append(Self.eightBit(samples[pixel * channels + c], bitDepth: Int(layout.bitDepth))) }
        }
        #expect(image.channels == kept && image.colorModel == (colour ? .rgb : .grey))
        #expect(image.sourceBitDepth == Int(layout.bitDepth) && image.hadAlpha == (layout.colorType & 4 != 0))
        #expect(image.raster.pixels == expected, "colour type \(layout.colorType), depth \(layout.bitDepth), interlaced \(interlaced)")
    }

    /// Every 16-bit value maps to round(v/257): the documented fix of the reference's low-byte bug.
    @Test func sixteenBitGreyRoundsEveryValue() throws {
        let samples = (0..<65536).map { UInt16($0) }
        let png = TestEncoders.png(width: 256, height: 256, colorType: 0, bitDepth: 16, samples: samples)
        let image = try Decode.image(png)
        #expect(image.channels == 1 && image.sourceBitDepth == 16)
        let expected = samples.map { v in UInt8((Double(v) / 257).rounded()) }
        #expect(image.raster.pixels == expected)
    }

    @Test(arguments: [UInt8(1), 2, 4, 8], [false, true])
    func palettePNGWithTransparencyMapsThroughThePalette(bitDepth: UInt8, interlaced: Bool) throws {
        let entries = 1 << Int(bitDepth)
        var palette: [UInt8] = []
        for index in 0..<entries { palette += [UInt8(index * 37 & 0xFF), UInt8(index * 91 & 0xFF), UInt8(255 - index)] }
        let samples = Self.samples(Self.width, Self.height, channels: 1, bitDepth: Int(bitDepth))
        let png = TestEncoders.png(width: Self.width, height: Self.height, colorType: 3, bitDepth: bitDepth,
                                   samples: samples, palette: palette, transparency: [0, 128], interlaced: interlaced)
        let image = try Decode.image(png)
        let expected = samples.flatMap { index in palette[(Int(index) * 3)..<(Int(index) * 3 + 3)] }
        #expect(image.colorModel == .palette && image.hadAlpha && image.channels == 3)
        #expect(image.raster.pixels == expected)  // transparent entries keep their palette RGB
    }

    /// gAMA and sRGB chunks must not change stored values (ImageMagick's PNM output does not).
    @Test func gammaChunksDoNotAlterStoredValues() throws {
        let samples = Self.samples(Self.width, Self.height, channels: 3, bitDepth: 8)
        let gamma = TestEncoders.be32(100_000)  // gamma 1.0: libpng would convert if asked to
        let png = TestEncoders.png(width: Self.width, height: Self.height, colorType: 2, bitDepth: 8, samples: samples,
                                   extraChunks: [("gAMA", gamma)])
        let image = try Decode.image(png)
        #expect(image.raster.pixels == samples.map { UInt8($0) })
    }

    @Test func pngEXIFChunkGivesTheOrientation() throws {
        let tiff: [UInt8] = [0x4D, 0x4D, 0, 0x2A, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]
        let samples = Self.samples(8, 8, channels: 3, bitDepth: 8)
        let png = TestEncoders.png(width: 8, height: 8, colorType: 2, bitDepth: 8, samples: samples, extraChunks: [("eXIf", tiff)])
        #expect(try Decode.image(png).exifOrientation == 6)
    }

    // MARK: GIF

    static let gifPalette: [(UInt8, UInt8, UInt8)] = (0..<16).map { (i: Int) -> (UInt8, UInt8, UInt8) in (UInt8(i * 16), UInt8(255 - i * 16), UInt8(i * 5)) }

    static func gifIndices(_ width: Int, _ height: Int) -> [UInt8] {
        (0..<(width * height)).map { UInt8(($0 * 7 + $0 / width) % 16) }
    }

    @Test(arguments: [false, true]) func gifFrameMapsThroughThePalette(interlaced: Bool) throws {
        let indices = Self.gifIndices(Self.width, Self.height)
        let gif = TestEncoders.gif(screenWidth: Self.width, screenHeight: Self.height, palette: Self.gifPalette,
                                   frameWidth: Self.width, frameHeight: Self.height, indices: indices, interlaced: interlaced)
        let image = try Decode.image(gif)
        let expected = indices.flatMap { i in [Self.gifPalette[Int(i)].0, Self.gifPalette[Int(i)].1, Self.gifPalette[Int(i)].2] }
        #expect(image.format == .gif && image.colorModel == .palette && !image.hadAlpha)
        #expect(image.raster.pixels == expected)
    }

    /// A frame smaller than the screen sits at its offset; the rest is the background colour, and
    /// the transparent index keeps its palette colour (no compositing).
    @Test func gifFrameIsPlacedOnTheLogicalScreen() throws {
        let indices = Self.gifIndices(5, 4)
        let gif = TestEncoders.gif(screenWidth: 12, screenHeight: 9, palette: Self.gifPalette, background: 3,
                                   left: 6, top: 2, frameWidth: 5, frameHeight: 4, indices: indices, transparentIndex: 7)
        let image = try Decode.image(gif)
        #expect(image.width == 12 && image.height == 9 && image.hadAlpha)
        func pixel(_ x: Int, _ y: Int) -> [UInt8] { Array(image.raster.pixels[((y * 12 + x) * 3)..<((y * 12 + x) * 3 + 3)]) }
        let background = Self.gifPalette[3]
        #expect(pixel(0, 0) == [background.0, background.1, background.2])
        #expect(pixel(11, 8) == [background.0, background.1, background.2])
        for y in 0..<4 {
            for x in 0..<5 {
                let c = Self.gifPalette[Int(indices[y * 5 + x])]
                #expect(pixel(6 + x, 2 + y) == [c.0, c.1, c.2])
            }
        }
    }

    @Test func greyPaletteGIFComesBackAsOneChannel() throws {
        let greys: [(UInt8, UInt8, UInt8)] = (0..<16).map { (i: Int) -> (UInt8, UInt8, UInt8) in let v = UInt8(i * 17); return (v, v, v) }
        let indices = Self.gifIndices(Self.width, Self.height)
        let gif = TestEncoders.gif(screenWidth: Self.width, screenHeight: Self.height, palette: greys,
                                   frameWidth: Self.width, frameHeight: Self.height, indices: indices)
        let image = try Decode.image(gif)
        #expect(image.channels == 1 && image.reducedToGrey)
        #expect(image.raster.pixels == indices.map { $0 * 17 })
    }

    // MARK: WebP

    @Test func losslessWebPIsExact() throws {
        let source = TestPatterns.rgb(width: Self.width, height: Self.height)
        let image = try Decode.image(TestEncoders.webp(rgb: source, width: Self.width, height: Self.height, lossless: true))
        #expect(image.format == .webp && image.channels == 3 && !image.hadAlpha)
        #expect(image.raster.pixels == source)
    }

    @Test func lossyWebPIsClose() throws {
        let source = TestPatterns.rgb(width: 64, height: 48)
        let image = try Decode.image(TestEncoders.webp(rgb: source, width: 64, height: 48, lossless: false, quality: 95))
        #expect(image.width == 64 && image.height == 48)
        #expect(Decode.meanAbsoluteDifference(image.raster.pixels, source) < 6)
    }

    @Test func webPAlphaIsDroppedWithoutCompositing() throws {
        let rgb = TestPatterns.rgb(width: 16, height: 16)
        var rgba: [UInt8] = []
        for pixel in 0..<256 { rgba += rgb[(pixel * 3)..<(pixel * 3 + 3)] + [UInt8(1 + pixel % 254)] }
        let image = try Decode.image(TestEncoders.webpLosslessRGBA(rgba, width: 16, height: 16))
        #expect(image.hadAlpha && image.channels == 3)
        #expect(image.raster.pixels == rgb)
    }

    // MARK: BMP

    static let bmpPalette: [(UInt8, UInt8, UInt8)] = (0..<256).map { (i: Int) -> (UInt8, UInt8, UInt8) in (UInt8(i), UInt8(255 - i), UInt8(i * 3 & 0xFF)) }

    @Test(arguments: [1, 4, 8], [12, 40, 124])
    func paletteBMPDecodes(bits: Int, infoSize: Int) throws {
        let entries = 1 << bits
        let palette = Array(Self.bmpPalette.prefix(entries))
        let indices = (0..<(Self.width * Self.height)).map { UInt8(($0 * 5 + $0 / Self.width) % entries) }
        let bmp = TestEncoders.bmp(width: Self.width, height: Self.height,
                                   pixels: .indexed(bits: bits, palette: palette, indices: indices), infoSize: infoSize)
        let image = try Decode.image(bmp)
        let expected = indices.flatMap { i in [palette[Int(i)].0, palette[Int(i)].1, palette[Int(i)].2] }
        #expect(image.format == .bmp && image.colorModel == .palette && image.sourceBitDepth == bits)
        #expect(image.raster.pixels == expected)
    }

    @Test(arguments: [false, true], [40, 108, 124])
    func trueColourBMPDecodes(topDown: Bool, infoSize: Int) throws {
        let source = TestPatterns.rgb(width: Self.width, height: Self.height)
        for pixels: TestEncoders.BMPPixels in [.rgb24(source), .rgb32(source, alpha: 0x80)] {
            let bmp = TestEncoders.bmp(width: Self.width, height: Self.height, pixels: pixels, topDown: topDown, infoSize: infoSize)
            let image = try Decode.image(bmp)
            #expect(image.colorModel == .rgb && image.channels == 3)
            #expect(image.raster.pixels == source)
        }
    }

    @Test func rgb565BMPScalesEachChannel() throws {
        let source = TestPatterns.rgb(width: Self.width, height: Self.height)
        let image = try Decode.image(TestEncoders.bmp(width: Self.width, height: Self.height, pixels: .rgb565(source)))
        var expected: [UInt8] = []
        for pixel in stride(from: 0, to: source.count, by: 3) {
            let r = Int(source[pixel] >> 3), g = Int(source[pixel + 1] >> 2), b = Int(source[pixel + 2] >> 3)
            expected += [UInt8((r * 255 + 15) / 31), UInt8((g * 255 + 31) / 63), UInt8((b * 255 + 15) / 31)]
        }
        #expect(image.raster.pixels == expected)
    }
}

extension ImageDecoder {
    /// Test convenience: decode an array, throwing the ScanError.
    func decode(_ bytes: [UInt8]) throws -> DecodedImage {
        try bytes.withUnsafeBytes { try decode($0).get() }
    }
}
