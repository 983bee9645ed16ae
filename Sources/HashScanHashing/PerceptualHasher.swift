#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HashScanCore

/// pHash, dHash and aHash (64 bits each) as the Python `imagehash` library (4.3) defines them with
/// default sizes, on the same grey pixels: Pillow `convert("L")`, then Pillow LANCZOS resize.
///
/// - aHash: 8x8, bit = pixel > mean of the 64 pixels (double).
/// - dHash: 9 wide x 8 high, bit = pixel > its left neighbour (horizontal gradient).
/// - pHash: 32x32, unnormalised DCT-II (scipy `fftpack.dct`) along columns then rows, top-left 8x8
///   (DC included), bit = coefficient > median of the 64 (mean of the two middle values).
///
/// Bits are row-major, first decision most significant: the digest hex equals `str(hash)`.
/// Not thread-safe: one per worker (scratch buffers are reused).
package final class PerceptualHasher {
    private var grey: [UInt8] = []
    private var small = [UInt8](repeating: 0, count: 32 * 32)
    private var resampler = Resampler()
    /// cos(pi * u * (2n + 1) / 64) for u in 0..<8, n in 0..<32, row-major by u.
    private let cosines: [Double]
    private var coefficients = [Double](repeating: 0, count: 64)
    private var sorted = [Double](repeating: 0, count: 64)
    private var partial = [Double](repeating: 0, count: 8 * 32)

    package init() {
        var table = [Double](repeating: 0, count: 8 * 32)
        for u in 0..<8 {
            for n in 0..<32 {
                table[u * 32 + n] = cos(Double.pi * Double(u) * Double(2 * n + 1) / 64.0)
            }
        }
        cosines = table
    }

    /// The requested perceptual hashes of `raster`, sharing one grey conversion.
    package func hashes(_ raster: PixelRaster, algorithms: some Sequence<HashAlgorithm>) -> [HashAlgorithm: Digest] {
        var result: [HashAlgorithm: Digest] = [:]
        var converted = false
        for algorithm in algorithms {
            switch algorithm {
            case .phash, .dhash, .ahash:
                if !converted {
                    convert(raster)
                    converted = true
                }
                result[algorithm] = hashConverted(algorithm, width: raster.width, height: raster.height)
            default:
                continue
            }
        }
        return result
    }

    package func pHash(_ raster: PixelRaster) -> Digest { single(.phash, raster) }
    package func dHash(_ raster: PixelRaster) -> Digest { single(.dhash, raster) }
    package func aHash(_ raster: PixelRaster) -> Digest { single(.ahash, raster) }

    /// The Pillow-resized grey pixels a hash is computed from (for tests and debugging).
    package func resizedGrey(_ raster: PixelRaster, width outWidth: Int, height outHeight: Int) -> [UInt8] {
        convert(raster)
        resize(width: raster.width, height: raster.height, outWidth: outWidth, outHeight: outHeight)
        return Array(small[0..<(outWidth * outHeight)])
    }

    private func single(_ algorithm: HashAlgorithm, _ raster: PixelRaster) -> Digest {
        convert(raster)
        return hashConverted(algorithm, width: raster.width, height: raster.height)
    }

    private func convert(_ raster: PixelRaster) {
        let count = raster.width * raster.height
        if grey.count < count { grey = [UInt8](repeating: 0, count: count) }
        grey.withUnsafeMutableBufferPointer { Luma.pillowL(raster, into: $0.baseAddress!) }
    }

    private func resize(width: Int, height: Int, outWidth: Int, outHeight: Int) {
        grey.withUnsafeBufferPointer { input in
            small.withUnsafeMutableBufferPointer { output in
                resampler.lanczos(input.baseAddress!, width: width, height: height, outWidth: outWidth, outHeight: outHeight, into: output.baseAddress!)
            }
        }
    }

    private func hashConverted(_ algorithm: HashAlgorithm, width: Int, height: Int) -> Digest {
        var bits = Hash64()
        switch algorithm {
        case .ahash:
            resize(width: width, height: height, outWidth: 8, outHeight: 8)
            // numpy.mean of 64 bytes is exact in double: sum / 64.
            var total = 0
            for i in 0..<64 { total += Int(small[i]) }
            let mean = Double(total) / 64
            for i in 0..<64 { bits.append(Double(small[i]) > mean) }
        case .dhash:
            resize(width: width, height: height, outWidth: 9, outHeight: 8)
            for y in 0..<8 {
                for x in 0..<8 { bits.append(small[y * 9 + x + 1] > small[y * 9 + x]) }
            }
        default:
            resize(width: width, height: height, outWidth: 32, outHeight: 32)
            discreteCosineTransform()
            for i in 0..<64 { sorted[i] = coefficients[i] }
            sorted.sort()
            let median = (sorted[31] + sorted[32]) / 2
            for i in 0..<64 { bits.append(coefficients[i] > median) }
        }
        return bits.digest
    }

    /// scipy's unnormalised DCT-II, `2 * sum x[n] cos(pi k (2n+1) / 2N)`, first along columns (axis 0)
    /// then along rows, keeping only the 8x8 lowest frequencies. Sums are plain double loops, whereas
    /// scipy uses an FFT: results agree to ~1e-12, which only matters for exact ties at the median.
    private func discreteCosineTransform() {
        // partial[u][x] = DCT along y of column x, frequency u.
        for u in 0..<8 {
            for x in 0..<32 {
                var sum = 0.0
                for y in 0..<32 { sum += Double(small[y * 32 + x]) * cosines[u * 32 + y] }
                partial[u * 32 + x] = 2 * sum
            }
        }
        for u in 0..<8 {
            for v in 0..<8 {
                var sum = 0.0
                for x in 0..<32 { sum += partial[u * 32 + x] * cosines[v * 32 + x] }
                coefficients[u * 8 + v] = 2 * sum
            }
        }
    }
}
