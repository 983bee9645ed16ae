import Foundation
import HashScanCore
@testable import HashScanHashing
import Testing

/// PDQ against PyPI `pdqhash` 0.2.8 (Meta's C++ `pdqhashing.cpp`, vendored) on synthetic grey images
/// of sizes the ThreatExchange vectors do not reach: box windows 3 to 16, sides over 512 in both
/// conventions, non-square images forced to 512x512, the 5x5 minimum and the 64x64 shortcut.
///
/// Expected values: Fixtures/pdqhash_reference.csv, written by Fixtures/pdqhash_reference.py (which
/// documents why grey input makes pdqhash's luma identical to the reference's). `grey(...)` below
/// mirrors that script's integer pixel formula. Exact equality is required.
@Suite("PDQ against PyPI pdqhash (C++ core)")
struct PDQPeerTests {
    static var fixture: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/pdqhash_reference.csv")
    }

    static let names = ["grey-300x200", "grey-700x500", "grey-1600x1004", "grey-2000x300", "grey-40x700", "grey-5x5",
                        "grey-64x64", "grey-129x130", "grey-1000x40", "grey-650x650"]

    static func mix(_ x: Int, _ y: Int, _ seed: Int) -> UInt32 {
        var h = UInt32(truncatingIfNeeded: x) &* 0x9E37_79B1 &+ UInt32(truncatingIfNeeded: y) &* 0x85EB_CA77
            &+ UInt32(truncatingIfNeeded: seed) &* 0xC2B2_AE3D
        h ^= h >> 15
        h = h &* 0x2C1B_3C6D
        h ^= h >> 12
        return h
    }

    static func grey(width: Int, height: Int, seed: Int) -> PixelRaster {
        var pixels = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let ramp = x * 255 / max(1, width - 1)
                let checks = ((x / 23 + y / 17) % 2) * 60
                let noise = Int(mix(x, y, seed) >> 26)
                let dx = x - width / 3, dy = y - height / 2
                let rings = ((dx * dx + dy * dy) / ((width + height) * 2)) % 40
                pixels[y * width + x] = UInt8(min(255, ramp / 2 + checks + noise + rings))
            }
        }
        return PixelRaster(width: width, height: height, channels: 1, pixels: pixels)
    }

    @Test("fixture lists exactly the images we rebuild")
    func fixtureCoversImages() throws {
        let rows = ThreatExchangeVectors.rows(of: try String(contentsOf: Self.fixture, encoding: .utf8))
        #expect(rows.compactMap { $0["name"] } == Self.names)
    }

    @Test("hash, quality and dihedral hashes equal pdqhash under both conventions", arguments: names)
    func matchesPeer(name: String) throws {
        let rows = ThreatExchangeVectors.rows(of: try String(contentsOf: Self.fixture, encoding: .utf8))
        let row = try #require(rows.first { $0["name"] == name })
        let width = try #require(row["width"].flatMap { Int($0) })
        let height = try #require(row["height"].flatMap { Int($0) })
        let seed = try #require(row["seed"].flatMap { Int($0) })
        let raster = Self.grey(width: width, height: height, seed: seed)
        let hasher = PDQHasher()
        for (preScale, prefix) in [(PDQPreScale.full, "full"), (.reference, "reference")] {
            let expected = try #require(row["\(prefix)_dihedral"]).split(separator: ";").map(String.init)
            let quality = try #require(row["\(prefix)_quality"].flatMap { Int($0) })
            let result = hasher.hash(raster, preScale: preScale, dihedral: true)
            #expect(result.hash.hex == expected.first, "\(name) [\(preScale)] hash")
            #expect(result.quality == quality, "\(name) [\(preScale)] quality")
            #expect(result.dihedral.map { $0.map(\.hex) } == expected, "\(name) [\(preScale)] dihedral")
            // The literal reference path must agree with the peer too.
            #expect(PDQReference.stages(raster, preScale: preScale).dihedral.map(\.hex) == expected, "\(name) [\(preScale)] slow path")
        }
    }
}
