import Foundation
import HashScanCore
import HashScanHashing
import HashScanTestSupport
import Testing

@testable import HashScanImaging

/// HEIC and AVIF: files made by libheif's own encoder (`heif-enc`, x265 and libaom) from pictures drawn
/// here, decoded by hashscan and compared with libheif's reference decode (`heif-convert` to PNG, read by
/// the PNG path): the same pixels, so PDQ within 2 bits (the issue's bound) and in practice equal.
@Suite struct HEIFDecodeTests {
    /// A picture with edges, curves and texture in every channel, so PDQ has something to say (quality ≥ 50).
    static func scene(width: Int, height: Int, seed: Int = 1) -> [UInt8] {
        var pixels: [UInt8] = []
        pixels.reserveCapacity(width * height * 3)
        let cx = Double(width) * (0.3 + 0.1 * Double(seed % 3)), cy = Double(height) * 0.55
        for y in 0..<height {
            for x in 0..<width {
                let fx = Double(x), fy = Double(y)
                let ring = sin(hypot(fx - cx, fy - cy) / (6 + Double(seed))) * 60
                let inBox = x > width / 6 && x < width / 2 && y > height / 5 && y < height / 2
                let r = 110 + ring + (inBox ? 70 : 0) + 40 * sin(fx / 23)
                let g = 90 + 0.5 * Double((x * 7 + y * 3 + seed * 11) % 97) + (inBox ? -50 : 20)
                let b = 60 + 120 * fy / Double(height) - ring / 2
                pixels += [r, g, b].map { UInt8(max(0, min(255, $0.rounded()))) }
            }
        }
        return pixels
    }

    /// A folder of its own for each test, removed afterwards.
    final class Workspace {
        let url: URL
        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent("hashscan-heif-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(at: url) }
        func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    }

    static func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

    /// Encodes `rgb` (or RGBA) as a PNG, then as HEIC or AVIF with `heif-enc`; returns the file's bytes and
    /// libheif's reference decode of it through `heif-convert`, decoded by the PNG path.
    static func encode(_ samples: [UInt8], width: Int, height: Int, alpha: Bool = false, as suffix: String,
                       options: [String] = ["-q", "85"], in workspace: Workspace) throws -> (file: [UInt8], reference: DecodedImage)
    {
        let png = TestEncoders.png(width: width, height: height, colorType: alpha ? 6 : 2, bitDepth: 8, samples: samples.map(UInt16.init))
        let source = workspace.path("source.png"), encoded = workspace.path("picture.\(suffix)"), decoded = workspace.path("reference.png")
        try Data(png).write(to: URL(fileURLWithPath: source))
        try LibheifTools.run("heif-enc", options + [source, "-o", encoded], in: workspace.url)
        try LibheifTools.run("heif-convert", [encoded, decoded], in: workspace.url)
        return (try bytes(encoded), try Decode.image(try bytes(decoded)))
    }

    static let formats: [(suffix: String, format: ImageFormat)] = [("heic", .heif), ("avif", .avif)]

    @Test(arguments: formats)
    func decodesAsLibheifsOwnConverter(suffix: String, format: ImageFormat) throws {
        let workspace = try Workspace()
        let hasher = PDQHasher()
        // Even and odd sizes: odd ones are coded padded to 4:2:0 and cropped back by a `clap` box.
        for (width, height) in [(320, 240), (257, 191), (64, 640)] {
            let rgb = Self.scene(width: width, height: height)
            let (file, reference) = try Self.encode(rgb, width: width, height: height, as: suffix, in: workspace)
            #expect(Decode.sniff(file) == format)
            let image = try Decode.image(file)
            #expect(image.format == format && image.width == width && image.height == height, "\(suffix) \(width)x\(height)")
            #expect(image.orientation == 1 && !image.hadAlpha && image.sourceBitDepth == 8)
            #expect(image.raster.channels == reference.raster.channels)
            let ours = hasher.hash(image.raster), theirs = hasher.hash(reference.raster)
            let distance = ours.hash.hammingDistance(to: theirs.hash)
            let mean = Decode.meanAbsoluteDifference(image.raster.pixels, reference.raster.pixels)
            print("\(suffix) \(width)x\(height): PDQ distance \(distance) from heif-convert's decode, mean pixel difference \(mean), quality \(ours.quality)")
            #expect(distance <= 2, "\(suffix) \(width)x\(height): PDQ distance \(distance)")
            #expect(ours.quality >= 50)
            // The lossy codec moved pixels away from the drawing, not the hash far from it.
            let drawn = PixelRaster(width: width, height: height, channels: 3, pixels: rgb)
            #expect(ours.hash.hammingDistance(to: hasher.hash(drawn).hash) <= 31)
        }
    }

    @Test(arguments: formats)
    func alphaIsDroppedAndThePrimaryImageIsHashedNotTheThumbnail(suffix: String, format: ImageFormat) throws {
        let workspace = try Workspace()
        let (width, height) = (200, 150)
        let rgb = Self.scene(width: width, height: height, seed: 2)
        var rgba: [UInt8] = []
        for index in 0..<(width * height) {
            rgba += rgb[(index * 3)..<(index * 3 + 3)]
            rgba.append(UInt8(index % width < width / 2 ? 255 : 40))
        }
        let (file, reference) = try Self.encode(rgba, width: width, height: height, alpha: true, as: suffix,
                                                options: ["-q", "85", "-t", "32"], in: workspace)
        let image = try Decode.image(file)
        #expect(image.hadAlpha && image.raster.channels == 3 && image.width == width && image.height == height)
        // heif-convert keeps the alpha in its PNG; the PNG path drops it too, so the colour planes compare.
        #expect(reference.hadAlpha)
        let hasher = PDQHasher()
        #expect(hasher.hash(image.raster).hash.hammingDistance(to: hasher.hash(reference.raster).hash) <= 2)
    }

    @Test func greyPicturesReduceToOneChannelLikeOtherFormats() throws {
        let workspace = try Workspace()
        let (width, height) = (128, 96)
        let grey = Self.scene(width: width, height: height).enumerated().map { $0.offset % 3 == 0 ? $0.element : 0 }
        var rgb: [UInt8] = []
        for index in 0..<(width * height) { rgb += [UInt8](repeating: grey[index * 3], count: 3) }
        let (file, _) = try Self.encode(rgb, width: width, height: height, as: "heic", options: ["-L"], in: workspace)
        let image = try Decode.image(file)
        // Lossless HEVC of a grey picture decodes grey again: one channel, as ImageMagick and the PDQ reference see it.
        #expect(image.raster.channels == 1 && image.reducedToGrey)
    }

    // MARK: hostile files

    static func sample(_ suffix: String) throws -> [UInt8] {
        let workspace = try Workspace()
        return try encode(scene(width: 96, height: 64), width: 96, height: 64, as: suffix, in: workspace).file
    }

    static let allowedFailures: Set<ScanError.Code> = [.corruptImage, .unsupportedFormat, .tooLarge]

    @Test(arguments: formats)
    func truncatedFilesAreErrors(suffix: String, format: ImageFormat) throws {
        let valid = try Self.sample(suffix)
        let decoder = ImageDecoder()
        var decodedPrefixes = 0
        for cut in stride(from: 0, to: valid.count, by: max(1, valid.count / 150)) {
            switch Decode.result(Array(valid[..<cut]), as: format, decoder) {
            case .success: decodedPrefixes += 1
            case .failure(let error): #expect(Self.allowedFailures.contains(error.code), "\(suffix) cut to \(cut): \(error)")
            }
        }
        #expect(decodedPrefixes == 0, "\(suffix): \(decodedPrefixes) truncated files decoded as whole pictures")
        #expect(try Decode.result(valid, decoder).get().width == 96)
    }

    @Test(arguments: formats)
    func bitFlipsNeverCrash(suffix: String, format: ImageFormat) throws {
        let valid = try Self.sample(suffix)
        let decoder = ImageDecoder()
        var random = TestPatterns.Random(state: 0x5EED_0000 | UInt32(valid.count))
        var outcomes: [String: Int] = [:]
        for _ in 0..<300 {
            var damaged = valid
            for _ in 0..<(1 + Int(random.next() % 4)) {
                let at = Int(random.next() % UInt32(damaged.count))
                damaged[at] ^= UInt8(1 << (random.next() % 8))
            }
            switch Decode.result(damaged, as: format, decoder) {
            case .success(let image): outcomes["decoded", default: 0] += 1; #expect(image.width * image.height <= 96 * 64 * 4)
            case .failure(let error):
                outcomes[error.code.rawValue, default: 0] += 1
                #expect(Self.allowedFailures.contains(error.code), "\(error)")
            }
        }
        print("\(suffix): 300 bit-flipped copies: \(outcomes.sorted { $0.key < $1.key })")
    }

    /// The `ispe` property (the image's declared size) patched to huge values: refused from the header.
    @Test(arguments: formats)
    func hugeDeclaredDimensionsAreTooLarge(suffix: String, format: ImageFormat) throws {
        let valid = try Self.sample(suffix)
        let marker = Array("ispe".utf8)
        let positions = (0..<(valid.count - 16)).filter { Array(valid[$0..<($0 + 4)]) == marker }
        #expect(!positions.isEmpty)
        for (width, height) in [(60_000, 60_000), (1 << 30, 2), (200_000, 200_000)] {
            var patched = valid
            for at in positions {
                // box type, then version and flags (4 bytes), then width and height as big-endian 32-bit.
                patched.replaceSubrange((at + 8)..<(at + 16), with: TestEncoders.be32(UInt32(width)) + TestEncoders.be32(UInt32(height)))
            }
            let code = Decode.errorCode(patched, as: format)
            #expect(code == .tooLarge || code == .corruptImage, "\(suffix) \(width)x\(height): \(String(describing: code))")
        }
    }

    @Test func anFtypBoxAloneIsCorrupt() {
        for brands in [("heic", ["mif1"]), ("avif", ["mif1"])] {
            #expect(Decode.errorCode(SniffAndEXIFTests.ftyp(brands.0, brands.1)) == .corruptImage)
        }
        #expect(Decode.errorCode([], as: .heif) == .corruptImage)
    }

    /// Found by the `heif` fuzz target (Fuzz/Regressions/heif, mutated from a seed made by heif-enc): 932 bytes whose
    /// overlay item declares a canvas of tens of thousands of pixels a side while its `ispe` is small. libheif
    /// 1.15 allocated that canvas (3 GB) before anything compared the two; it is now refused from the container.
    @Test func anOverlayCanvasPastThePixelLimitIsRefusedBeforeDecoding() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let bytes = [UInt8](try Data(contentsOf: root.appendingPathComponent("Fuzz/Regressions/heif/overlay-canvas-3gb.heic")))
        let items = bytes.withUnsafeBytes { HEIFItems.read($0) }
        let overlay = try #require(items.canvases.first { $0.itemType == "iovl" }, "\(items)")
        #expect(overlay.width * overlay.height > ImageLimits.standard.maxPixels, "\(overlay)")
        let result = Decode.result(bytes, as: .heif)
        guard case .failure(let error) = result else {
            Issue.record("decoded")
            return
        }
        #expect(error.code == .tooLarge, "\(error)")
        #expect(error.message.contains("iovl canvas"), "\(error)")
    }

    /// Also from the fuzzer: an identity-derived image (`iden`) made from an item of an unknown type ("hvc2").
    /// libheif 1.15 asserts on it (`imginfo` in decode_image_planar_tracked) and Debian's build aborts the process.
    @Test func aDerivedImageOfANonImageIsRefusedBeforeDecoding() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let bytes = [UInt8](try Data(contentsOf: root.appendingPathComponent("Fuzz/Regressions/heif/overlay-of-a-missing-image.heic")))
        let items = bytes.withUnsafeBytes { HEIFItems.read($0) }
        #expect(items.types == [1: "hvc2", 2: "iden"])
        #expect(items.problem == "derived image 2 (iden) is made from item 1, which is a 'hvc2' item, not an image")
        #expect(Decode.errorCode(bytes, as: .heif) == .corruptImage)
    }

    /// The container reader on files libheif itself wrote: coded items of the right codec, no problem, and any
    /// grid's canvas the picture's own size (heif-enc writes a small HEVC picture as a grid of one tile).
    @Test(arguments: formats) func itemsOfFilesLibheifWrote(suffix: String, format: ImageFormat) throws {
        let samples = (0..<(40 * 30 * 3)).map { UInt16(($0 * 7) % 256) }
        let encoded = try LibheifTools.encode(TestEncoders.png(width: 40, height: 30, colorType: 2, bitDepth: 8, samples: samples), as: suffix)
        let items = encoded.withUnsafeBytes { HEIFItems.read($0) }
        #expect(items.problem == nil)
        #expect(items.canvases.allSatisfy { $0.width == 40 && $0.height == 30 }, "\(items.canvases)")
        #expect(items.types.values.contains(suffix == "avif" ? "av01" : "hvc1"), "\(items.types)")
        #expect(items.usesAV1 == (suffix == "avif"))
    }

    /// Also from the fuzzer, after the canvas check: an overlay whose `iloc` entry this reader cannot follow
    /// (a fuzzed index size) but libheif could, allocating 3 GB. A grid or overlay without a readable
    /// description is now refused before libheif decodes.
    @Test func anOverlayWhoseDescriptionCannotBeReadIsRefused() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let bytes = [UInt8](try Data(contentsOf: root.appendingPathComponent("Fuzz/Regressions/heif/overlay-with-an-unreadable-location.heic")))
        let items = bytes.withUnsafeBytes { HEIFItems.read($0) }
        #expect(items.types[1] == "iovl")
        #expect(items.problem == "the iovl item 1 has no description that can be read")
        #expect(Decode.errorCode(bytes, as: .heif) == .corruptImage)
    }
}
