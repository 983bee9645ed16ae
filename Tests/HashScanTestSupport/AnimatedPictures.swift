import CHashScanGIF
import CHashScanWebP
import Foundation

/// Animated GIFs and WebPs built in memory from frames drawn here, for the tests of animation decoding and vPDQ.
/// The GIF comes from giflib's encoder; the WebP is assembled chunk by chunk (VP8X, ANIM, ANMF) around frames
/// from libwebp's still encoder, as the container specification lays it out. No picture file is committed.
public enum AnimatedPictures {
    /// A clip of `count` RGB frames: a scene that drifts a little every frame and changes every `sceneLength` frames.
    public static func clip(width: Int, height: Int, count: Int, sceneLength: Int = 10, seed: Int = 0) -> [[UInt8]] {
        (0..<count).map { index in
            frame(width: width, height: height, scene: seed * 1000 + index / sceneLength, drift: index % sceneLength)
        }
    }

    /// One picture of large shapes on a banded gradient (the low frequencies PDQ reads), different for every `scene`;
    /// `drift` pans it by a pixel a step. Its colours are those of the GIF palette below.
    public static func frame(width: Int, height: Int, scene: Int, drift: Int) -> [UInt8] {
        var state = UInt64(truncatingIfNeeded: scene) &* 0x9E37_79B9_7F4A_7C15 &+ 0x2545_F491_4F6C_DD1D
        func random() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let angle = random() * 2 * Double.pi
        let base = (random() * 200, random() * 200, random() * 200)
        struct Shape { var x, y, radius: Double; var round: Bool; var colour: (Double, Double, Double) }
        let side = Double(min(width, height))
        let shapes = (0..<5).map { _ in
            Shape(x: random() * Double(width), y: random() * Double(height), radius: side * (0.12 + 0.25 * random()),
                  round: random() < 0.5, colour: (random() * 255, random() * 255, random() * 255))
        }
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let fx = Double(x + drift), fy = Double(y)
                let ramp = ((fx * cos(angle) + fy * sin(angle)) / Double(width + height)) * 110
                var colour = (base.0 + ramp, base.1 - ramp / 2, base.2 + ramp / 3)
                for shape in shapes {
                    let dx = fx - shape.x, dy = fy - shape.y
                    let inside = shape.round ? dx * dx + dy * dy < shape.radius * shape.radius
                                             : abs(dx) < shape.radius && abs(dy) < shape.radius * 0.6
                    if inside { colour = shape.colour }
                }
                // Every colour on the GIF writer's 6x6x6 cube, so a GIF of the clip holds exactly the drawn pixels.
                for (channel, value) in [colour.0, colour.1, colour.2].enumerated() {
                    pixels[(y * width + x) * 3 + channel] = UInt8(max(0, min(5, (value / 51).rounded())) * 51)
                }
            }
        }
        return pixels
    }

    // MARK: GIF

    private final class Sink { var bytes: [UInt8] = [] }

    /// The bytes giflib's encoder writes while `body` fills the opened file (closed afterwards).
    public static func writeGIF(_ body: (UnsafeMutablePointer<GifFileType>) -> Void) -> [UInt8] {
        let sink = Sink()
        var error: Int32 = 0
        let file = EGifOpen(Unmanaged.passUnretained(sink).toOpaque(), { file, data, length in
            guard let file, let data, let user = file.pointee.UserData else { return 0 }
            Unmanaged<Sink>.fromOpaque(user).takeUnretainedValue().bytes += UnsafeBufferPointer(start: data, count: Int(length))
            return length
        }, &error)!
        body(file)
        precondition(EGifCloseFile(file, &error) == GIF_OK)
        return sink.bytes
    }

    /// An animated GIF (NETSCAPE loop extension, a graphic control block per frame) of RGB `frames`, each
    /// quantised to a 6x6x6 colour cube and shown `delay` hundredths of a second.
    public static func gif(_ frames: [[UInt8]], width: Int, height: Int, delay: Int = 10) -> [UInt8] {
        writeGIF { file in
            let map = GifMakeMapObject(256, nil)!
            defer { GifFreeMapObject(map) }
            for index in 0..<216 {
                map.pointee.Colors[index] = GifColorType(Red: UInt8(index / 36 * 51), Green: UInt8(index / 6 % 6 * 51), Blue: UInt8(index % 6 * 51))
            }
            EGifSetGifVersion(file, true)
            precondition(EGifPutScreenDesc(file, Int32(width), Int32(height), 8, 0, map) == GIF_OK)
            var loop: [UInt8] = Array("NETSCAPE2.0".utf8)
            var loopCount: [UInt8] = [1, 0, 0]
            precondition(EGifPutExtensionLeader(file, APPLICATION_EXT_FUNC_CODE) == GIF_OK)
            precondition(EGifPutExtensionBlock(file, Int32(loop.count), &loop) == GIF_OK)
            precondition(EGifPutExtensionBlock(file, Int32(loopCount.count), &loopCount) == GIF_OK)
            precondition(EGifPutExtensionTrailer(file) == GIF_OK)
            for frame in frames {
                var control: [UInt8] = [0x04, UInt8(delay & 0xFF), UInt8(delay >> 8), 0]  // disposal: leave in place
                precondition(EGifPutExtension(file, GRAPHICS_EXT_FUNC_CODE, 4, &control) == GIF_OK)
                precondition(EGifPutImageDesc(file, 0, 0, Int32(width), Int32(height), false, nil) == GIF_OK)
                for row in 0..<height {
                    var line = (0..<width).map { x -> UInt8 in
                        let at = (row * width + x) * 3
                        let level = { (value: UInt8) in (Int(value) + 25) / 51 }
                        return UInt8(level(frame[at]) * 36 + level(frame[at + 1]) * 6 + level(frame[at + 2]))
                    }
                    precondition(EGifPutLine(file, &line, Int32(width)) == GIF_OK)
                }
            }
        }
    }

    // MARK: WebP

    /// A still WebP from libwebp's simple encoders.
    public static func stillWebP(_ rgb: [UInt8], width: Int, height: Int, lossless: Bool, quality: Float = 90) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        let size = rgb.withUnsafeBufferPointer { source in
            lossless
                ? WebPEncodeLosslessRGB(source.baseAddress, Int32(width), Int32(height), Int32(width * 3), &output)
                : WebPEncodeRGB(source.baseAddress, Int32(width), Int32(height), Int32(width * 3), quality, &output)
        }
        precondition(size > 12, "WebP encoding failed")
        defer { WebPFree(output) }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }

    /// An animated WebP of RGB `frames`, each a full-canvas ANMF of `duration` milliseconds (lossy at `quality`,
    /// or lossless), no blending, disposal none.
    public static func webp(_ frames: [[UInt8]], width: Int, height: Int, duration: Int = 100, lossless: Bool = false,
                            quality: Float = 90) -> [UInt8] {
        func le24(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF)] }
        func le32(_ value: Int) -> [UInt8] { le24(value) + [UInt8(value >> 24 & 0xFF)] }
        func chunk(_ fourCC: String, _ payload: [UInt8]) -> [UInt8] {
            Array(fourCC.utf8) + le32(payload.count) + payload + (payload.count % 2 == 1 ? [0] : [])
        }
        var body: [UInt8] = Array("WEBP".utf8)
        body += chunk("VP8X", [0x02, 0, 0, 0] + le24(width - 1) + le24(height - 1))  // flags: animation
        body += chunk("ANIM", [0, 0, 0, 0, 0, 0])  // background transparent black, loop forever
        for frame in frames {
            // The still file's chunks after "RIFF size WEBP" (VP8 or VP8L) are the frame's data.
            let still = stillWebP(frame, width: width, height: height, lossless: lossless, quality: quality)
            let header = le24(0) + le24(0) + le24(width - 1) + le24(height - 1) + le24(duration) + [0x02]  // no blending
            body += chunk("ANMF", header + still[12...])
        }
        return Array("RIFF".utf8) + le32(body.count) + body
    }
}
