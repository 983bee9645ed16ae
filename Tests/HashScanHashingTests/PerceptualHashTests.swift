import Foundation
import HashScanCore
@testable import HashScanHashing
import Testing

/// pHash, dHash and aHash against the Python `imagehash` peer.
///
/// Expected values: Fixtures/imagehash_reference.csv, written by Fixtures/imagehash_reference.py
/// (imagehash 4.3.2, Pillow 13.0.0, scipy 1.17.1; the CSV's first line records the versions). The
/// script defines each synthetic image by integer formulas and xorshift32; SyntheticImages.swift
/// rebuilds the same pixels here. Tolerance: exact for aHash and dHash and for the Pillow-resized
/// pixels (the resampler reproduces Pillow's fixed-point LANCZOS); pHash exact as well on these
/// images, though in general a coefficient within ~1e-12 of the median may flip (scipy's FFT-based
/// DCT rounds differently from our direct sums).
@Suite("Perceptual hashes against imagehash")
struct PerceptualHashTests {
    static var fixture: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/imagehash_reference.csv")
    }

    static func rows() throws -> [[String: String]] {
        ThreatExchangeVectors.rows(of: try String(contentsOf: fixture, encoding: .utf8))
    }

    static let names = ["gradient-rgb", "shapes-rgb", "noise-grey", "blocks-rgb", "rings-grey", "tiny-rgb",
                        "noise-grey-9x8", "large-rgb", "checker-grey", "wide-rgb"]

    @Test("fixture lists exactly the synthetic images we can rebuild")
    func fixtureCoversImages() throws {
        #expect(try Self.rows().compactMap { $0["name"] } == Self.names)
    }

    @Test("aHash, dHash, pHash and resized pixels equal imagehash", arguments: names)
    func matchesImagehash(name: String) throws {
        let row = try #require(try Self.rows().first { $0["name"] == name })
        let raster = try #require(SyntheticImages.raster(named: name))
        #expect(String(raster.width) == row["width"] && String(raster.height) == row["height"] && String(raster.channels) == row["channels"])
        let hasher = PerceptualHasher()
        #expect(Hex.encode(hasher.resizedGrey(raster, width: 8, height: 8)) == row["ahash_pixels_8x8"], "Pillow 8x8 LANCZOS pixels")
        #expect(Hex.encode(hasher.resizedGrey(raster, width: 9, height: 8)) == row["dhash_pixels_9x8"], "Pillow 9x8 LANCZOS pixels")
        #expect(hasher.aHash(raster).hex == row["ahash"], "aHash")
        #expect(hasher.dHash(raster).hex == row["dhash"], "dHash")
        #expect(hasher.pHash(raster).hex == row["phash"], "pHash")
        let all = hasher.hashes(raster, algorithms: [.phash, .dhash, .ahash, .md5])
        #expect(all[.phash]?.hex == row["phash"] && all[.dhash]?.hex == row["dhash"] && all[.ahash]?.hex == row["ahash"])
        #expect(all[.md5] == nil && all[.ahash]?.byteCount == 8)
    }

    @Test("Pillow convert(\"L\") fixed point: known values")
    func pillowLuma() {
        // (R*19595 + G*38470 + B*7471 + 0x8000) >> 16, e.g. pure red 76, green 150, blue 29, white 255.
        let raster = PixelRaster(width: 5, height: 1, channels: 3, pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 10, 20, 30])
        var out = [UInt8](repeating: 0, count: 5)
        out.withUnsafeMutableBufferPointer { Luma.pillowL(raster, into: $0.baseAddress!) }
        #expect(out == [76, 150, 29, 255, 18])
    }

    @Test("Hash64 puts the first decision in the most significant bit")
    func hash64Order() {
        var bits = Hash64()
        bits.append(true)
        for _ in 1..<63 { bits.append(false) }
        bits.append(true)
        #expect(bits.digest.hex == "8000000000000001")  // by construction: the first and the 64th decision set
    }
}
