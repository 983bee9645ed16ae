import CHashScanJPEG
import HashScanCore
import Testing

@testable import HashScanImaging

/// Truncated, bit-flipped, empty, oversized and padded inputs for every format: each gives the
/// documented result, and nothing crashes, hangs or allocates for the claimed size.
@Suite struct HostileInputTests {
    static let formats: [ImageFormat] = [.jpeg, .png, .gif, .webp, .bmp]
    static let width = 48
    static let height = 32

    /// A valid image of each format, generated in memory.
    static func sample(_ format: ImageFormat) -> [UInt8] {
        let rgb = TestPatterns.rgb(width: width, height: height)
        switch format {
        case .jpeg:
            return TestEncoders.jpeg(rgb, width: width, height: height, subsampling: TJSAMP_420, quality: 90)
        case .png:
            return TestEncoders.png(width: width, height: height, colorType: 2, bitDepth: 8, samples: rgb.map(UInt16.init))
        case .gif:
            let palette: [(UInt8, UInt8, UInt8)] = (0..<64).map { (i: Int) -> (UInt8, UInt8, UInt8) in (UInt8(i * 4), UInt8(255 - i * 4), UInt8(i)) }
            let indices = (0..<(width * height)).map { UInt8(($0 * 3 + $0 / width) % 64) }
            return TestEncoders.gif(screenWidth: width, screenHeight: height, palette: palette,
                                    frameWidth: width, frameHeight: height, indices: indices)
        case .webp:
            return TestEncoders.webp(rgb: rgb, width: width, height: height, lossless: false)
        case .bmp:
            return TestEncoders.bmp(width: width, height: height, pixels: .rgb24(rgb))
        case .heif, .avif:
            return []
        }
    }

    static let allowedFailures: Set<ScanError.Code> = [.corruptImage, .unsupportedFormat, .tooLarge]

    @Test(arguments: formats) func zeroBytesAreNotAnImage(format: ImageFormat) {
        #expect(Decode.sniff([]) == nil)
        #expect(Decode.errorCode([]) == .unsupportedFormat)
        #expect(Decode.errorCode([], as: format) == .corruptImage)
    }

    /// Every prefix (sampled) of a valid file is `corrupt_image`: nothing is hashed from grey fill.
    /// The one documented exception: a GIF missing only its trailer byte still has a complete first frame.
    @Test(arguments: formats) func truncatedFilesAreCorrupt(format: ImageFormat) throws {
        let decoder = ImageDecoder()
        let valid = Self.sample(format)
        let reference = try Decode.result(valid, decoder).get()
        let step = max(1, valid.count / 400)
        var cuts = Array(stride(from: 0, to: valid.count, by: step))
        cuts += (max(0, valid.count - 24)..<valid.count)
        var checked = 0
        for cut in Set(cuts) {
            let prefix = Array(valid[..<cut])
            let result = Decode.result(prefix, as: format, decoder)
            if format == .gif, cut == valid.count - 1 {
                #expect((try? result.get())?.raster.pixels == reference.raster.pixels)
                continue
            }
            guard case .failure(let error) = result else {
                Issue.record("\(format) cut to \(cut) of \(valid.count) bytes decoded")
                continue
            }
            #expect(error.code == .corruptImage, "\(format) cut to \(cut): \(error)")
            checked += 1
        }
        print("\(format): \(checked) truncations of a \(valid.count)-byte file, all corrupt_image")
        // The decoder is still usable after all those failures.
        #expect(try Decode.result(valid, decoder).get().raster.pixels == reference.raster.pixels)
    }

    /// JPEG data cut short but closed with an EOI marker: structure looks complete, libjpeg only
    /// warns and would fill grey. That warning is not benign, so it is `corrupt_image`.
    @Test func jpegWithMissingScanDataAndAnEOIIsCorrupt() {
        let valid = Self.sample(.jpeg)
        for fraction in [0.3, 0.5, 0.7, 0.9] {
            let cut = Int(Double(valid.count) * fraction)
            var patched = Array(valid[..<cut])
            if patched.last == 0xFF { patched.removeLast() }
            patched += [0xFF, 0xD9]
            #expect(Decode.errorCode(patched) == .corruptImage, "cut at \(fraction)")
        }
    }

    @Test(arguments: formats) func bitFlippedFilesFailCleanlyOrDecode(format: ImageFormat) {
        let decoder = ImageDecoder()
        let valid = Self.sample(format)
        var random = TestPatterns.Random(state: 0xC0FF_EE00 ^ UInt32(valid.count))
        var outcomes: [String: Int] = [:]
        for _ in 0..<400 {
            var flipped = valid
            for _ in 0..<Int(1 + random.next() % 3) {
                let position = Int(random.next() % UInt32(valid.count))
                flipped[position] ^= UInt8(1 << (random.next() % 8))
            }
            switch Decode.result(flipped, as: format, decoder) {
            case .success(let image):
                outcomes["decoded", default: 0] += 1
                #expect(image.width * image.height <= ImageLimits.standard.maxPixels)
                #expect(image.raster.pixels.count == image.width * image.height * image.channels)
            case .failure(let error):
                outcomes[error.code.rawValue, default: 0] += 1
                #expect(Self.allowedFailures.contains(error.code), "\(format): \(error)")
            }
        }
        print("\(format) bit flips: \(outcomes.sorted { $0.key < $1.key })")
    }

    /// A valid magic number followed by noise.
    @Test(arguments: formats) func noiseAfterAValidSignatureFailsCleanly(format: ImageFormat) {
        let decoder = ImageDecoder()
        let valid = Self.sample(format)
        let keep = format == .bmp ? 18 : format == .webp ? 12 : 8
        var random = TestPatterns.Random(state: 0x5EED_0000 | UInt32(keep))
        for length in [0, 1, 7, 64, 1000, 5000] {
            let noise = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let bytes = Array(valid.prefix(keep)) + noise
            switch Decode.result(bytes, as: format, decoder) {
            case .failure(let error):
                #expect(Self.allowedFailures.contains(error.code), "\(format) signature + \(length) noise bytes: \(error)")
            case .success(let image):
                Issue.record("\(format) signature + \(length) noise bytes decoded to a \(image.width)x\(image.height) image")
            }
        }
    }

    /// Valid images followed by garbage decode to the same pixels (documented: trailing data is
    /// accepted, as vendor trailers and appended archives are common; digests still cover it).
    @Test(arguments: formats) func trailingGarbageIsAccepted(format: ImageFormat) throws {
        let valid = Self.sample(format)
        let reference = try Decode.image(valid)
        var random = TestPatterns.Random(state: 0xBAD5_EED5)
        let garbage = (0..<997).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        for suffix in [garbage, [0xFF, 0xD8, 0xFF, 0xE0] + garbage, valid] {
            let image = try Decode.image(valid + suffix)
            #expect(image.width == reference.width && image.height == reference.height)
            #expect(image.raster.pixels == reference.raster.pixels)
        }
    }

    // MARK: Headers claiming enormous images

    @Test func jpegClaiming65535SquareIsTooLarge() throws {
        var jpeg = Self.sample(.jpeg)
        let sof = try #require((2..<(jpeg.count - 1)).first { jpeg[$0] == 0xFF && (jpeg[$0 + 1] == 0xC0 || jpeg[$0 + 1] == 0xC2) })
        jpeg.replaceSubrange((sof + 5)..<(sof + 9), with: [0xFF, 0xFF, 0xFF, 0xFF])  // height, width
        #expect(Decode.errorCode(jpeg) == .tooLarge)
    }

    static let hugePNGSizes: [(UInt32, UInt32)] = [(1_000_000, 1_000_000), (65535, 65535), (0x7FFF_FFFF, 1)]

    @Test(arguments: hugePNGSizes) func pngClaimingAHugeSizeIsTooLarge(size: (UInt32, UInt32)) {
        let png = TestEncoders.png(width: 1, height: 1, colorType: 2, bitDepth: 8, samples: [1, 2, 3])
        let ihdr = TestEncoders.be32(size.0) + TestEncoders.be32(size.1) + [8, 2, 0, 0, 0]
        let patched = Array(png[..<8]) + TestEncoders.chunk("IHDR", ihdr) + png[33...]
        #expect(Decode.errorCode(patched) == .tooLarge)
    }

    @Test func gifClaimingAHugeScreenOrFrameIsTooLarge() {
        let gif = Self.sample(.gif)
        var screen = gif
        screen.replaceSubrange(6..<10, with: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(Decode.errorCode(screen) == .tooLarge)
        // The frame descriptor follows the 13-byte header and the 64-entry (192-byte) global table.
        var frame = gif
        #expect(frame[13 + 192] == 0x2C)
        frame.replaceSubrange((13 + 192 + 5)..<(13 + 192 + 9), with: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(Decode.errorCode(frame) == .tooLarge)
    }

    @Test func webPClaimingAHugeSizeIsTooLarge() {
        // Lossless: VP8L header after the signature byte 0x2F holds 14-bit width-1 and height-1.
        var lossless = TestEncoders.webp(rgb: TestPatterns.rgb(width: 8, height: 8), width: 8, height: 8, lossless: true)
        #expect(lossless[12..<16] == Array("VP8L".utf8)[...] && lossless[20] == 0x2F)
        var bits = UInt32(lossless[21]) | UInt32(lossless[22]) << 8 | UInt32(lossless[23]) << 16 | UInt32(lossless[24]) << 24
        bits = bits & ~0x0FFF_FFFF | 0x3FFF | 0x3FFF << 14
        lossless.replaceSubrange(21..<25, with: TestEncoders.le32(bits))
        #expect(Decode.errorCode(lossless) == .tooLarge)

        // Lossy: the VP8 frame header holds 14-bit width and height after the start code.
        var lossy = Self.sample(.webp)
        #expect(lossy[12..<16] == Array("VP8 ".utf8)[...] && lossy[23..<26] == [0x9D, 0x01, 0x2A])
        lossy.replaceSubrange(26..<30, with: [0xFF, 0x3F, 0xFF, 0x3F])
        #expect(Decode.errorCode(lossy) == .tooLarge)

        // Extended and animated: a 60000 x 60000 canvas in VP8X (libwebp itself refuses areas >= 2^32).
        let side: [UInt8] = [UInt8(59_999 & 0xFF), UInt8(59_999 >> 8 & 0xFF), 0]
        let vp8x: [UInt8] = Array("VP8X".utf8) + TestEncoders.le32(10) + [0x02, 0, 0, 0] + side + side
        let anim: [UInt8] = Array("ANIM".utf8) + TestEncoders.le32(6) + [0, 0, 0, 0, 0, 0]
        let body = Array("WEBP".utf8) + vp8x + anim
        let animated = Array("RIFF".utf8) + TestEncoders.le32(UInt32(body.count)) + body
        #expect(Decode.errorCode(animated) == .tooLarge)
    }

    static let hugeBMPSizes: [(Int32, Int32)] = [(1_000_000, 1_000_000), (1_000_000, -1_000_000), (65535, 65535), (Int32.max, 2)]

    @Test(arguments: hugeBMPSizes) func bmpClaimingAHugeSizeIsTooLarge(size: (Int32, Int32)) {
        var bmp = Self.sample(.bmp)
        bmp.replaceSubrange(18..<26, with: TestEncoders.le32(UInt32(bitPattern: size.0)) + TestEncoders.le32(UInt32(bitPattern: size.1)))
        #expect(Decode.errorCode(bmp) == .tooLarge)
    }

    @Test func bmpWithImpossibleHeadersIsCorruptOrUnsupported() {
        let bmp = Self.sample(.bmp)
        var zeroWidth = bmp
        zeroWidth.replaceSubrange(18..<22, with: [0, 0, 0, 0])
        #expect(Decode.errorCode(zeroWidth) == .corruptImage)
        var minHeight = bmp
        minHeight.replaceSubrange(22..<26, with: TestEncoders.le32(0x8000_0000))
        #expect(Decode.errorCode(minHeight) == .corruptImage)
        var rle = bmp
        rle.replaceSubrange(30..<34, with: TestEncoders.le32(1))
        #expect(Decode.errorCode(rle) == .unsupportedFormat)
        var pixelOffsetPastEnd = bmp
        pixelOffsetPastEnd.replaceSubrange(10..<14, with: TestEncoders.le32(0xFFFF_FFF0))
        #expect(Decode.errorCode(pixelOffsetPastEnd) == .corruptImage)
    }

    // MARK: Configurable limits

    @Test(arguments: formats) func limitsAreConfigurable(format: ImageFormat) {
        let valid = Self.sample(format)
        #expect(Decode.errorCode(valid, ImageDecoder(limits: ImageLimits(maxPixels: Self.width * Self.height - 1))) == .tooLarge)
        #expect(Decode.errorCode(valid, ImageDecoder(limits: ImageLimits(maxFileBytes: valid.count - 1))) == .tooLarge)
        #expect(Decode.errorCode(valid, ImageDecoder(limits: ImageLimits(maxPixels: Self.width * Self.height))) == nil)
    }
}
