import CHashScanJPEG
import HashScanCore
import HashScanHashing
import Testing

@testable import HashScanImaging

/// The JPEG fast path is hashscan's default (issue #3) because its PDQ stays within the issue's bound of the
/// exact decode: at most 8 bits on any image, at most 2 bits at the median. The exact decode is tied to Meta's
/// reference by the vector tests; this suite ties the fast path to the exact decode, on large generated
/// photo-like JPEGs and on the repository's real 4032x3024 photos, under both pre-scale conventions.
/// Measured figures (48 generated JPEGs up to 6000x4000): docs/performance.md, "Images (issue #3)".
@Suite struct JPEGFastPathFidelityTests {
    /// The issue #3 rule for making the fast path the default.
    static let maximumDistance = 8
    static let medianDistance = 2

    /// The minimum sides the pipeline asks for (`ImageHashingOptions.jpegFastPathMinimumSide`).
    static func minimumSide(_ preScale: PDQPreScale) -> Int { preScale == .reference ? 512 : 1024 }

    /// Broad gradients, soft-edged shapes, texture and sensor noise: a photo's entropy and spectrum, roughly.
    static func photoLike(width: Int, height: Int, seed: UInt32, noise: Int) -> [UInt8] {
        var random = TestPatterns.Random(state: seed | 1)
        var plane = [Float](repeating: 0, count: width * height * 3)
        // A 5x4 grid of colours, interpolated bilinearly.
        let grid = (0..<(6 * 5 * 3)).map { _ in Float(random.next() % 200 + 28) }
        plane.withUnsafeMutableBufferPointer { out in
            for y in 0..<height {
                let gy = Float(y) / Float(height) * 3.999
                let row = Int(gy), fy = gy - Float(row)
                for x in 0..<width {
                    let gx = Float(x) / Float(width) * 4.999
                    let column = Int(gx), fx = gx - Float(column)
                    for c in 0..<3 {
                        let top = grid[(row * 6 + column) * 3 + c] * (1 - fx) + grid[(row * 6 + column + 1) * 3 + c] * fx
                        let bottom = grid[((row + 1) * 6 + column) * 3 + c] * (1 - fx) + grid[((row + 1) * 6 + column + 1) * 3 + c] * fx
                        out[(y * width + x) * 3 + c] = top * (1 - fy) + bottom * fy
                    }
                }
            }
            // Ellipses with a soft edge, each drawn over its bounding box only.
            for _ in 0..<14 {
                let cx = Float(random.next() % UInt32(width)), cy = Float(random.next() % UInt32(height))
                let rx = Float(random.next() % UInt32(width / 5) + UInt32(width / 40))
                let ry = Float(random.next() % UInt32(height / 5) + UInt32(height / 40))
                let colour = (0..<3).map { _ in Float(random.next() % 256) }
                let y0 = max(0, Int(cy - ry * 1.05)), y1 = min(height - 1, Int(cy + ry * 1.05))
                let x0 = max(0, Int(cx - rx * 1.05)), x1 = min(width - 1, Int(cx + rx * 1.05))
                guard y0 <= y1, x0 <= x1 else { continue }
                for y in y0...y1 {
                    let dy = (Float(y) - cy) / ry
                    for x in x0...x1 {
                        let dx = (Float(x) - cx) / rx
                        let d = dx * dx + dy * dy
                        guard d < 1.1 else { continue }
                        let alpha = min(1, (1.1 - d) * 10)
                        let offset = (y * width + x) * 3
                        for c in 0..<3 { out[offset + c] += (colour[c] - out[offset + c]) * alpha }
                    }
                }
            }
        }
        // Texture (a diagonal ripple) and noise (uniform, +-noise), then 8 bits.
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        pixels.withUnsafeMutableBufferPointer { out in
            plane.withUnsafeBufferPointer { source in
                for y in 0..<height {
                    for x in 0..<width {
                        let ripple = Float((x &* 7 &+ y &* 3) % 23) - 11
                        let grain = noise > 0 ? Float(Int(random.next() % UInt32(2 * noise + 1)) - noise) : 0
                        let offset = (y * width + x) * 3
                        for c in 0..<3 { out[offset + c] = UInt8(max(0, min(255, source[offset + c] + ripple * 0.6 + grain))) }
                    }
                }
            }
        }
        return pixels
    }

    static func hamming(_ a: PDQResult, _ b: PDQResult) -> Int {
        zip(a.hash.hex, b.hash.hex).reduce(0) { total, pair in
            total + (UInt8(String(pair.0), radix: 16)! ^ UInt8(String(pair.1), radix: 16)!).nonzeroBitCount
        }
    }

    /// Exact vs fast PDQ of one JPEG under a convention; checks that the fast path really scaled.
    static func distance(_ jpeg: [UInt8], _ preScale: PDQPreScale, name: String) throws -> Int {
        let decoder = ImageDecoder()
        let hasher = PDQHasher()
        let exact = try jpeg.withUnsafeBytes { try decoder.decode($0).get() }
        let fast = try jpeg.withUnsafeBytes {
            try decoder.decode($0, jpegFastPath: JPEGFastPath(minimumSide: minimumSide(preScale), lumaOnly: true)).get()
        }
        #expect(fast.width < exact.width && fast.channels == 1, "\(name): the fast path did not scale")
        #expect(min(fast.width, fast.height) >= minimumSide(preScale), "\(name)")
        let a = hasher.hash(exact.raster, preScale: preScale)
        let b = hasher.hash(fast.raster, preScale: preScale)
        #expect(abs(a.quality - b.quality) <= 5, "\(name): quality \(a.quality) vs \(b.quality)")
        return hamming(a, b)
    }

    static func checkRule(_ distances: [(String, Int)], _ label: String) {
        let sorted = distances.map(\.1).sorted()
        let median = sorted.count % 2 == 1 ? Double(sorted[sorted.count / 2])
            : Double(sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        print("JPEG fast path vs exact decode, \(label): \(distances.map { "\($0.0) \($0.1)" }.joined(separator: ", ")); median \(median)")
        for (name, distance) in distances {
            #expect(distance <= maximumDistance, "\(label): \(name) is \(distance) bits from the exact decode")
        }
        #expect(median <= Double(medianDistance), "\(label): median \(median) bits")
    }

    /// Sizes that exercise 1/4 (reference) and 1/2 (both) scales, both orientations, sides not multiples of 8.
    static let generated: [(width: Int, height: Int, quality: Int32, subsampling: TJSAMP, noise: Int)] = [
        (4000, 3000, 88, TJSAMP_420, 6),
        (2448, 3264, 92, TJSAMP_420, 3),
        (4001, 2999, 80, TJSAMP_422, 10),
    ]

    @Test func generatedLargeJPEGsStayWithinTheBound() throws {
        var distances: [PDQPreScale: [(String, Int)]] = [:]
        for (index, spec) in Self.generated.enumerated() {
            let pixels = Self.photoLike(width: spec.width, height: spec.height, seed: UInt32(1000 + index), noise: spec.noise)
            let jpeg = TestEncoders.jpeg(pixels, width: spec.width, height: spec.height, subsampling: spec.subsampling, quality: spec.quality)
            let name = "\(spec.width)x\(spec.height) q\(spec.quality)"
            for preScale in [PDQPreScale.reference, .full] {
                distances[preScale, default: []].append((name, try Self.distance(jpeg, preScale, name: name)))
            }
        }
        for (preScale, found) in distances.sorted(by: { $0.key.rawValue > $1.key.rawValue }) {
            Self.checkRule(found, "generated, \(preScale)")
        }
    }

    @Test(arguments: [PDQPreScale.reference, .full])
    func realPhotosStayWithinTheBound(_ preScale: PDQPreScale) throws {
        var distances: [(String, Int)] = []
        // The 4032x3024 phone photo of the vectors, and two crops of it re-encoded at other sizes and qualities
        // (each side at least twice the fast path's minimum, so that both conventions take the fast path).
        let photo = try ImagingVectors.bytes("repo/pdq/data/reg-test-input/exif-rotn/exif-rotn-6.jpg")
        distances.append(("exif-rotn-6", try Self.distance(photo, preScale, name: "exif-rotn-6")))
        let decoded = try photo.withUnsafeBytes { try ImageDecoder().decode($0).get() }
        #expect(decoded.channels == 3)
        for (width, height, quality) in [(3000, 2250, Int32(85)), (2400, 3000, Int32(93))] {
            let x0 = (decoded.width - width) / 2, y0 = (decoded.height - height) / 2
            var crop = [UInt8](); crop.reserveCapacity(width * height * 3)
            for y in y0..<(y0 + height) {
                let row = (y * decoded.width + x0) * 3
                crop.append(contentsOf: decoded.raster.pixels[row..<(row + width * 3)])
            }
            let name = "exif-rotn-6 crop \(width)x\(height) q\(quality)"
            let jpeg = TestEncoders.jpeg(crop, width: width, height: height, subsampling: TJSAMP_420, quality: quality)
            distances.append((name, try Self.distance(jpeg, preScale, name: name)))
        }
        Self.checkRule(distances, "photos, \(preScale)")
    }

    @Test func noScaleMeansTheExactDecode() throws {
        // 1600x1004: 1/2 would be 800x502, under 512, so the fast path must give the exact pixels (RGB, not Y).
        let jpeg = try ImagingVectors.bytes("repo/pdq/data/bridge-mods/sharpen-a-lot.jpg")
        let decoder = ImageDecoder()
        let exact = try jpeg.withUnsafeBytes { try decoder.decode($0).get() }
        let fast = try jpeg.withUnsafeBytes { try decoder.decode($0, jpegFastPath: JPEGFastPath(minimumSide: 512, lumaOnly: true)).get() }
        #expect(fast.raster.pixels == exact.raster.pixels && fast.channels == exact.channels)
        // A grey-looking RGB JPEG is reduced to grey on the fast path too, as decode(_:) does.
        let grey = TestPatterns.grey(width: 40, height: 30)
        let rgb = grey.flatMap { [$0, $0, $0] }
        let greyJPEG = TestEncoders.jpeg(rgb, width: 40, height: 30, subsampling: TJSAMP_444, quality: 100)
        let a = try greyJPEG.withUnsafeBytes { try decoder.decode($0).get() }
        let b = try greyJPEG.withUnsafeBytes { try decoder.decode($0, jpegFastPath: JPEGFastPath(minimumSide: 512, lumaOnly: false)).get() }
        #expect(a.raster.pixels == b.raster.pixels && a.channels == b.channels && a.reducedToGrey == b.reducedToGrey)
    }
}
