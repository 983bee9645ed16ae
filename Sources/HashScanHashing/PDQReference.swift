import HashScanCore

/// A slow, deliberately literal PDQ: plain arrays, strided loops and a triple-loop DCT, written to be
/// checked line by line against the reference description. Tests compare `PDQHasher` with it; it is
/// never used for scanning.
package enum PDQReference {
    /// Every intermediate the reference's debug dump holds, so a test can say which stage drifts.
    package struct Stages: Sendable {
        package var width: Int
        package var height: Int
        package var windowAlongRows: Int
        package var windowAlongCols: Int
        /// 64x64 post-filter buffer, row-major (empty when the image is too small to hash).
        package var buffer64: [Float]
        /// 16x16 DCT, row = vertical frequency (empty when the image is too small to hash).
        package var dct16: [Float]
        package var median: Float
        package var quality: Int
        /// All eight variants in reference order; element 0 is the hash.
        package var dihedral: [Digest]
        package var hash: Digest { dihedral[0] }
    }

    /// The float luma plane the reference hashes for `raster` under `preScale` (row-major).
    package static func luma(_ raster: PixelRaster, preScale: PDQPreScale) -> (luma: [Float], width: Int, height: Int) {
        var width = raster.width, height = raster.height
        var columns = Array(0..<width), rows = Array(0..<height)
        let side = PDQPreScale.referenceSide
        if preScale == .reference, width > side || height > side {
            columns = (0..<side).map { PDQMath.nearestSource($0, inSide: raster.width, outSide: side) }
            rows = (0..<side).map { PDQMath.nearestSource($0, inSide: raster.height, outSide: side) }
            width = side
            height = side
        }
        var luma = [Float](repeating: 0, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                let p = (rows[y] * raster.width + columns[x]) * raster.channels
                if raster.channels == 1 {
                    luma[y * width + x] = Float(raster.pixels[p])
                } else {
                    luma[y * width + x] = PDQMath.luma(raster.pixels[p], raster.pixels[p + 1], raster.pixels[p + 2])
                }
            }
        }
        return (luma, width, height)
    }

    /// One box pass over `n` samples at `stride`, the reference's four-phase running sum: add-only,
    /// add and write, add-subtract-write, subtract and write; always divide by the sample count.
    package static func box1D(_ input: [Float], _ inputStart: Int, _ output: inout [Float], _ outputStart: Int, n: Int, stride: Int, window w: Int) {
        let hw = (w + 2) / 2
        var sum: Float = 0
        for k in 0..<(hw - 1) {
            sum += input[inputStart + k * stride]
        }
        var i = 0
        while i <= w - hw {
            sum += input[inputStart + (i + hw - 1) * stride]
            output[outputStart + i * stride] = sum / Float(i + hw)
            i += 1
        }
        while i <= n - hw {
            sum += input[inputStart + (i + hw - 1) * stride]
            sum -= input[inputStart + (i - (w - hw) - 1) * stride]
            output[outputStart + i * stride] = sum / Float(w)
            i += 1
        }
        while i < n {
            sum -= input[inputStart + (i - (w - hw) - 1) * stride]
            output[outputStart + i * stride] = sum / Float(n - i + w - hw)
            i += 1
        }
    }

    /// Luma to all stages.
    package static func stages(luma: [Float], width: Int, height: Int) -> Stages {
        precondition(luma.count == width * height)
        let windowAlongRows = PDQMath.jaroszWindow(side: width)
        let windowAlongCols = PDQMath.jaroszWindow(side: height)
        guard width >= PDQMath.minimumHashableSide, height >= PDQMath.minimumHashableSide else {
            return Stages(
                width: width, height: height, windowAlongRows: windowAlongRows, windowAlongCols: windowAlongCols,
                buffer64: [], dct16: [], median: 0, quality: 0,
                dihedral: Array(repeating: PDQMath.zeroDigest, count: 8))
        }

        var buffer64 = [Float](repeating: 0, count: 64 * 64)
        if width == 64 && height == 64 {
            // The reference's "already 64x64" shortcut: no filter at all.
            buffer64 = luma
        } else {
            var buffer1 = luma
            var buffer2 = [Float](repeating: 0, count: luma.count)
            for _ in 0..<PDQMath.jaroszPasses {
                for row in 0..<height {
                    box1D(buffer1, row * width, &buffer2, row * width, n: width, stride: 1, window: windowAlongRows)
                }
                for column in 0..<width {
                    box1D(buffer2, column, &buffer1, column, n: height, stride: width, window: windowAlongCols)
                }
            }
            for i in 0..<64 {
                for j in 0..<64 {
                    let y = PDQMath.decimationIndex(i, side: height)
                    let x = PDQMath.decimationIndex(j, side: width)
                    buffer64[i * 64 + j] = buffer1[y * width + x]
                }
            }
        }
        let quality = buffer64.withUnsafeBufferPointer(PDQMath.quality)

        // T = D * A, then B = T * D^T, each entry a sequential float sum in k order.
        let d = PDQMath.dctMatrix
        var t = [Float](repeating: 0, count: 16 * 64)
        for i in 0..<16 {
            for j in 0..<64 {
                var sum: Float = 0
                for k in 0..<64 {
                    sum += d[i * 64 + k] * buffer64[k * 64 + j]
                }
                t[i * 64 + j] = sum
            }
        }
        var dct16 = [Float](repeating: 0, count: 256)
        for i in 0..<16 {
            for j in 0..<16 {
                var sum: Float = 0
                for k in 0..<64 {
                    sum += t[i * 64 + k] * d[j * 64 + k]
                }
                dct16[i * 16 + j] = sum
            }
        }

        var dihedral: [Digest] = []
        var median: Float = 0
        var variant = [Float](repeating: 0, count: 256)
        for kind in PDQDihedralVariant.allCases {
            dct16.withUnsafeBufferPointer { a in
                variant.withUnsafeMutableBufferPointer { PDQMath.dihedral(kind, a, into: $0) }
            }
            // Lower median by sorting: obviously the 128th smallest.
            let threshold = variant.sorted()[127]
            if kind == .original { median = threshold }
            dihedral.append(variant.withUnsafeBufferPointer { PDQMath.digest($0, threshold: threshold) })
        }
        return Stages(
            width: width, height: height, windowAlongRows: windowAlongRows, windowAlongCols: windowAlongCols,
            buffer64: buffer64, dct16: dct16, median: median, quality: quality, dihedral: dihedral)
    }

    /// Raster to all stages under `preScale`.
    package static func stages(_ raster: PixelRaster, preScale: PDQPreScale) -> Stages {
        let plane = luma(raster, preScale: preScale)
        return stages(luma: plane.luma, width: plane.width, height: plane.height)
    }
}
