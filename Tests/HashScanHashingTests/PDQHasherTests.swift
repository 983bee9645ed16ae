import HashScanCore
@testable import HashScanHashing
import Testing

/// Pre-scale, degenerate sizes and fast-versus-reference checks on generated rasters.
@Suite("PDQHasher behaviour")
struct PDQHasherTests {
    /// The reference C++ CLI resizes anything with a side over 512 to exactly 512x512 with CImg's
    /// nearest neighbour, output index i reading source floor(i * size / 512) (pdq.md 1.0 step 2).
    /// Built here independently of the hasher's own mapping.
    static func nearestNeighbour512(_ raster: PixelRaster) -> PixelRaster {
        var pixels = [UInt8](repeating: 0, count: 512 * 512 * raster.channels)
        for y in 0..<512 {
            let sy = Int((Double(y) * Double(raster.height) / 512).rounded(.down))
            for x in 0..<512 {
                let sx = Int((Double(x) * Double(raster.width) / 512).rounded(.down))
                for c in 0..<raster.channels {
                    pixels[(y * 512 + x) * raster.channels + c] = raster.pixels[(sy * raster.width + sx) * raster.channels + c]
                }
            }
        }
        return PixelRaster(width: 512, height: 512, channels: raster.channels, pixels: pixels)
    }

    @Test("CImg mapping: known source indices")
    func nearestMapping() {
        // 1600 -> 512 advances by 3.125: 0, 3, 6, 9, 12, 15, 18, 21, 25...
        #expect((0..<9).map { PDQMath.nearestSource($0, inSide: 1600, outSide: 512) } == [0, 3, 6, 9, 12, 15, 18, 21, 25])
        #expect(PDQMath.nearestSource(511, inSide: 1600, outSide: 512) == 1596)
        // 300 -> 512 is an upsample: repeats, top-left aligned.
        #expect((0..<6).map { PDQMath.nearestSource($0, inSide: 300, outSide: 512) } == [0, 0, 1, 1, 2, 2])
        #expect(PDQMath.nearestSource(511, inSide: 300, outSide: 512) == 299)
    }

    @Test("reference pre-scale equals hashing an explicit 512x512 nearest-neighbour resize",
          arguments: [(1600, 1004, 3), (2000, 300, 3), (513, 40, 1), (40, 700, 1), (777, 777, 3)])
    func referencePreScale(width: Int, height: Int, channels: Int) {
        let raster = SyntheticImages.randomRaster(width: width, height: height, channels: channels, seed: UInt32(width * 7 + height))
        let hasher = PDQHasher()
        let scaled = hasher.hash(raster, preScale: .reference, dihedral: true)
        let explicit = hasher.hash(Self.nearestNeighbour512(raster), preScale: .full, dihedral: true)
        #expect(scaled == explicit)
        #expect(PDQReference.stages(raster, preScale: .reference).dihedral == Array(scaled.dihedral!))
        // The same raster at full resolution goes through a different (but valid) path.
        let full = hasher.hash(raster, preScale: .full, dihedral: true)
        #expect(PDQReference.stages(raster, preScale: .full).dihedral == Array(full.dihedral!))
    }

    @Test("luma-plane entry point pre-scales the same way")
    func lumaPlanePreScale() {
        let raster = SyntheticImages.randomRaster(width: 900, height: 520, channels: 3, seed: 11)
        let hasher = PDQHasher()
        let fromPlane = hasher.hash(luma: Luma.pdq(raster), width: 900, height: 520, preScale: .reference, dihedral: true)
        #expect(fromPlane == hasher.hash(raster, preScale: .reference, dihedral: true))
    }

    @Test("images under 5 pixels on a side: all-zero hash, quality 0, all-zero variants",
          arguments: [(4, 100), (100, 4), (1, 1), (4, 4), (0, 0)])
    func tooSmall(width: Int, height: Int) {
        let raster = PixelRaster(width: width, height: height, channels: 3, pixels: [UInt8](repeating: 200, count: width * height * 3))
        let result = PDQHasher().hash(raster, dihedral: true)
        let zero = String(repeating: "0", count: 64)
        #expect(result.hash.hex == zero)
        #expect(result.quality == 0)
        #expect(result.dihedral.map { $0.allSatisfy { $0.hex == zero } } == true)
        #expect(PDQReference.stages(raster, preScale: .reference).hash.hex == zero)
    }

    @Test("5x5 is hashable")
    func smallestHashable() {
        let raster = SyntheticImages.randomRaster(width: 5, height: 5, channels: 1, seed: 5)
        let result = PDQHasher().hash(raster, dihedral: true)
        #expect(result.hash.hex != String(repeating: "0", count: 64))
        #expect(result.dihedral.map(Array.init) == PDQReference.stages(raster, preScale: .reference).dihedral)
    }

    @Test("exactly 64x64 skips the filter: the buffer is the luma plane")
    func sixtyFourShortcut() {
        let raster = SyntheticImages.randomRaster(width: 64, height: 64, channels: 3, seed: 64)
        let hasher = PDQHasher()
        let result = hasher.hash(raster, dihedral: true)
        #expect(hasher.lastBuffer64 == Luma.pdq(raster))
        let stages = PDQReference.stages(raster, preScale: .reference)
        #expect(stages.buffer64 == Luma.pdq(raster))
        #expect(Array(result.dihedral!) == stages.dihedral && result.quality == stages.quality)
    }

    @Test("fast path equals the reference path bit for bit on random rasters",
          arguments: [(5, 5, 1), (7, 300, 3), (63, 65, 1), (100, 37, 3), (128, 129, 3), (129, 128, 1),
                      (255, 256, 3), (300, 200, 1), (511, 512, 3), (512, 512, 1), (1000, 20, 3)])
    func fastEqualsReference(width: Int, height: Int, channels: Int) {
        let hasher = PDQHasher()
        for seed in UInt32(1)...3 {
            let raster = SyntheticImages.randomRaster(width: width, height: height, channels: channels, seed: seed &* 7919 &+ UInt32(width))
            for preScale in PDQPreScale.allCases {
                let fast = hasher.hash(raster, preScale: preScale, dihedral: true)
                let slow = PDQReference.stages(raster, preScale: preScale)
                #expect(hasher.lastBuffer64 == slow.buffer64, "buffer \(width)x\(height) seed \(seed) \(preScale)")
                #expect(hasher.lastCoefficients == slow.dct16, "DCT \(width)x\(height) seed \(seed) \(preScale)")
                #expect(fast.quality == slow.quality)
                #expect(Array(fast.dihedral!) == slow.dihedral)
            }
        }
    }

    @Test("one hasher reused across sizes gives the same results as fresh ones")
    func reuseAcrossSizes() {
        let shared = PDQHasher()
        for (index, size) in [(300, 300), (20, 600), (1200, 900), (64, 64), (90, 45), (300, 300)].enumerated() {
            let raster = SyntheticImages.randomRaster(width: size.0, height: size.1, channels: 3, seed: UInt32(index + 100))
            #expect(shared.hash(raster, dihedral: true) == PDQHasher().hash(raster, dihedral: true))
        }
    }

    @Test("lower median by selection equals the 128th smallest, with and without ties")
    func lowerMedian() {
        var rng = XorShift32(seed: 42)
        var scratch = [Float](repeating: 0, count: 256)
        for trial in 0..<200 {
            let values: [Float] = (0..<256).map { _ in
                trial % 3 == 0 ? Float(rng.next() % 5) : Float(Int32(bitPattern: rng.next())) / 1e6
            }
            let selected = values.withUnsafeBufferPointer { v in
                scratch.withUnsafeMutableBufferPointer { PDQMath.lowerMedian(v, scratch: $0) }
            }
            #expect(selected == values.sorted()[127])
        }
        let ascending = (0..<256).map(Float.init)
        let picked = ascending.withUnsafeBufferPointer { v in scratch.withUnsafeMutableBufferPointer { PDQMath.lowerMedian(v, scratch: $0) } }
        #expect(picked == 127)
    }

    @Test("bit layout: coefficient (i, j) is bit j of word i, word 15 printed first")
    func bitLayout() {
        // Only coefficient (0, 0) above the threshold -> last hex digit 1; only (15, 15) -> first digit 8.
        var coefficients = [Float](repeating: 0, count: 256)
        coefficients[0] = 1
        #expect(coefficients.withUnsafeBufferPointer { PDQMath.digest($0, threshold: 0) }.hex == String(repeating: "0", count: 63) + "1")
        coefficients[0] = 0
        coefficients[255] = 1
        #expect(coefficients.withUnsafeBufferPointer { PDQMath.digest($0, threshold: 0) }.hex == "8" + String(repeating: "0", count: 63))
        // Strictly greater: equal to the threshold is 0.
        #expect(coefficients.withUnsafeBufferPointer { PDQMath.digest($0, threshold: 1) }.hex == String(repeating: "0", count: 64))
    }

    @Test("variant names and order follow the reference --pdqdih output")
    func variantOrder() {
        #expect(PDQDihedralVariant.allCases.map(\.name) == ["orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1", "flipminus1"])
    }
}
