import CHashScanJPEG
import Foundation
import HashScanCore
import Testing

@testable import HashScanImaging

/// The optional DCT-scaled / luma-only JPEG decode, and JPEG kinds libjpeg-turbo cannot decode.
@Suite struct JPEGFastPathTests {
    static func luma(_ image: DecodedImage) -> [Float] {
        let p = image.raster.pixels
        if image.channels == 1 { return p.map(Float.init) }
        return stride(from: 0, to: p.count, by: 3).map { 0.299 * Float(p[$0]) + 0.587 * Float(p[$0 + 1]) + 0.114 * Float(p[$0 + 2]) }
    }

    @Test func scaledLumaDecodeMatchesABoxFilteredFullDecode() throws {
        let bytes = try ImagingVectors.bytes("repo/pdq/data/reg-test-input/dih/bridge-1-original.jpg")
        let decoder = ImageDecoder()
        let full = try bytes.withUnsafeBytes { try decoder.decode($0).get() }
        let fast = try bytes.withUnsafeBytes {
            try decoder.decode($0, jpegFastPath: JPEGFastPath(minimumSide: 128, lumaOnly: true)).get()
        }
        // 1600x1004 at 1/8 would be 200x126 (< 128), so 1/4: 400x251.
        #expect(fast.width == 400 && fast.height == 251 && fast.channels == 1)
        #expect(fast.originalWidth == 1600 && fast.originalHeight == 1004)
        let fullLuma = Self.luma(full)
        var total: Float = 0
        for y in 0..<250 {
            for x in 0..<400 {
                var sum: Float = 0
                for dy in 0..<4 { for dx in 0..<4 { sum += fullLuma[(y * 4 + dy) * 1600 + x * 4 + dx] } }
                total += abs(sum / 16 - Float(fast.raster.pixels[y * 400 + x]))
            }
        }
        let mean = total / Float(400 * 250)
        print("1/4-scale luma decode vs 4x4 box of full-decode luma: mean abs diff \(mean)")
        #expect(mean < 2)
    }

    @Test func fastPathKeepsFullSizeWhenTheImageIsSmall() throws {
        let source = TestPatterns.rgb(width: 40, height: 30)
        let jpeg = TestEncoders.jpeg(source, width: 40, height: 30)
        let image = try jpeg.withUnsafeBytes {
            try ImageDecoder().decode($0, jpegFastPath: JPEGFastPath(minimumSide: 64, lumaOnly: false)).get()
        }
        #expect(image.width == 40 && image.height == 30 && image.channels == 3)
    }

    @Test func lossless12BitAndHierarchicalJPEGsAreUnsupported() {
        let jpeg = TestEncoders.jpeg(TestPatterns.rgb(width: 16, height: 16), width: 16, height: 16)
        guard let sof = (2..<(jpeg.count - 1)).first(where: { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 }) else {
            Issue.record("no SOF0 marker")
            return
        }
        var twelveBit = jpeg
        twelveBit[sof + 4] = 12
        #expect(Decode.errorCode(twelveBit) == .unsupportedFormat)
        var lossless = jpeg
        lossless[sof + 1] = 0xC3
        #expect(Decode.errorCode(lossless) == .unsupportedFormat)
    }
}
