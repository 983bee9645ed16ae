import HashScanCore
import HashScanTestSupport
import Testing

@testable import HashScanImaging

/// Animated WebP (libwebpdemux) and animated GIF (giflib) as images: the first frame is the picture, exactly as drawn
/// for lossless frames; every frame of a WebP comes out in order with its start time; damaged and oversized
/// animations are errors, never a crash or an allocation of the claimed size.
@Suite struct AnimationDecodeTests {
    static let width = 96, height = 64

    @Test func animatedWebPDecodesItsFirstFrame() throws {
        let frames = AnimatedPictures.clip(width: Self.width, height: Self.height, count: 5, sceneLength: 2)
        let file = AnimatedPictures.webp(frames, width: Self.width, height: Self.height, lossless: true)
        #expect(Decode.sniff(file) == .webp)
        #expect(file.withUnsafeBytes { WebPAnimation.sniff($0) })
        let image = try Decode.image(file)
        #expect(image.width == Self.width && image.height == Self.height && image.raster.channels == 3)
        #expect(image.raster.pixels == frames[0], "lossless first frame differs from the drawing")
        // A still WebP is not an animation.
        let still = TestEncoders.webp(rgb: frames[0], width: Self.width, height: Self.height, lossless: true)
        #expect(!still.withUnsafeBytes { WebPAnimation.sniff($0) })
    }

    @Test func everyWebPFrameComesOutInOrderWithItsStartTime() throws {
        let frames = AnimatedPictures.clip(width: Self.width, height: Self.height, count: 7, sceneLength: 3)
        let file = AnimatedPictures.webp(frames, width: Self.width, height: Self.height, duration: 250, lossless: true)
        var seen: [(Int, Double)] = []
        let facts = try file.withUnsafeBytes { bytes in
            try WebPAnimation.frames(bytes, limits: .standard, maxFrames: 100, budgetSeconds: 60, wanted: { index, _ in index % 2 == 0 }) {
                raster, index, start in
                #expect(raster.pixels == frames[index], "frame \(index)")
                seen.append((index, start))
                return true
            }.get()
        }
        #expect(facts == WebPAnimation.Facts(canvasWidth: Self.width, canvasHeight: Self.height, frameCount: 7, durationSeconds: 1.75))
        #expect(facts.frameRate == 4)
        #expect(seen.map(\.0) == [0, 2, 4, 6] && seen.map(\.1) == [0, 0.5, 1.0, 1.5])
    }

    @Test func animatedGIFDecodesItsFirstFrame() throws {
        let frames = AnimatedPictures.clip(width: Self.width, height: Self.height, count: 4, sceneLength: 1)
        let gif = AnimatedPictures.gif(frames, width: Self.width, height: Self.height)
        let image = try Decode.image(gif)
        #expect(image.format == .gif && image.width == Self.width)
        // The clip's colours are the GIF palette's: the first frame comes back exactly as drawn.
        #expect(image.raster.pixels == frames[0])
    }

    @Test func damagedAndOversizedAnimationsAreErrors() throws {
        let frames = AnimatedPictures.clip(width: Self.width, height: Self.height, count: 6)
        let file = AnimatedPictures.webp(frames, width: Self.width, height: Self.height)
        func run(_ bytes: [UInt8], maxFrames: Int = 100) -> ScanError? {
            bytes.withUnsafeBytes { raw in
                if case .failure(let error) = WebPAnimation.frames(raw, limits: .standard, maxFrames: maxFrames, budgetSeconds: 60,
                                                                   wanted: { _, _ in true }, body: { _, _, _ in true }) { return error }
                return nil
            }
        }
        #expect(run(file) == nil)
        #expect(run(file, maxFrames: 5)?.code == .tooLarge)
        // Cut short anywhere: an error (the RIFF size no longer fits), never a picture from a partial canvas.
        for cut in stride(from: 0, to: file.count, by: max(1, file.count / 60)) {
            let code = run(Array(file[..<cut]))?.code
            #expect(code == .corruptImage, "cut at \(cut): \(String(describing: code))")
            #expect(Decode.errorCode(Array(file[..<cut])) != nil, "still decoder, cut at \(cut)")
        }
        // A canvas of 20,000 x 20,000 pixels (400 MP) declared in VP8X: refused before libwebpdemux allocates it.
        var huge = file
        huge.replaceSubrange(24..<30, with: [0x1F, 0x4E, 0x00, 0x1F, 0x4E, 0x00])
        #expect(run(huge)?.code == .tooLarge)
        #expect(Decode.errorCode(huge) == .tooLarge)
        // Bit flips: errors or pictures, never a crash.
        var random = TestPatterns.Random(state: 0xA11_3A7E)
        for _ in 0..<200 {
            var damaged = file
            let at = 12 + Int(random.next() % UInt32(damaged.count - 12))
            damaged[at] ^= UInt8(1 << (random.next() % 8))
            if let error = run(damaged) { #expect([.corruptImage, .tooLarge, .unsupportedFormat].contains(error.code), "\(error)") }
        }
    }
}
