#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HashScanCore

/// Constants and small exact steps of the PDQ algorithm shared by the fast and the reference paths.
///
/// Everything here follows Meta's C++ reference (`pdqhashing.cpp`, `downscaling.cpp`) to the bit:
/// single-precision arithmetic, sequential sums, truncating conversions.
package enum PDQMath {
    /// Below this many pixels on either side the reference returns an all-zero hash with quality 0.
    package static let minimumHashableSide = 5
    /// Side of the post-filter buffer.
    package static let bufferSide = 64
    /// Side of the kept DCT block.
    package static let dctSide = 16
    /// Two horizontal-then-vertical box passes make the tent ("Jarosz") filter.
    package static let jaroszPasses = 2

    /// The 16x64 DCT-II matrix, row-major, frequencies 1...16 (the DC row is skipped), built as the
    /// reference does: float scale, double cosine, product rounded once to float.
    package static let dctMatrix: [Float] = {
        let scale = Float((2.0 / 64.0).squareRoot())
        let pi = 3.14159265358979323846
        var matrix = [Float](repeating: 0, count: 16 * 64)
        for i in 0..<16 {
            for j in 0..<64 {
                matrix[i * 64 + j] = Float(Double(scale) * cos((pi / 2.0 / 64.0) * Double(i + 1) * Double(2 * j + 1)))
            }
        }
        return matrix
    }()

    /// Box width for one pass: ceil(side / 128), half of a 64th of the side because two passes run.
    @inline(__always)
    package static func jaroszWindow(side: Int) -> Int {
        (side + 2 * bufferSide - 1) / (2 * bufferSide)
    }

    /// Source index sampled for output index `index` of the 64-wide decimation: the pixel centre,
    /// computed in double and truncated like the reference.
    @inline(__always)
    package static func decimationIndex(_ index: Int, side: Int) -> Int {
        Int(((Double(index) + 0.5) * Double(side)) / Double(bufferSide))
    }

    /// CImg's nearest-neighbour mapping (resize with interpolation 1): output `index` of `outSide`
    /// reads source `floor(index * inSide / outSide)`. Exact in integers (the reference's double
    /// division by 512 is exact too).
    @inline(__always)
    package static func nearestSource(_ index: Int, inSide: Int, outSide: Int) -> Int {
        index * inSide / outSide
    }

    /// BT.601 luma in float, constants and evaluation order as the reference (no fused multiply-add).
    @inline(__always)
    package static func luma(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Float {
        let red: Float = 0.299 * Float(r)
        let green: Float = 0.587 * Float(g)
        let blue: Float = 0.114 * Float(b)
        return red + green + blue
    }

    /// Gradient quality (0-100) of the 64x64 buffer: truncated per-difference scores summed in Int.
    package static func quality(_ buffer: UnsafeBufferPointer<Float>) -> Int {
        var gradientSum = 0
        for i in 0..<63 {
            for j in 0..<64 {
                let u = buffer[i * 64 + j], v = buffer[(i + 1) * 64 + j]
                gradientSum += abs(Int(((u - v) * 100) / 255))
            }
        }
        for i in 0..<64 {
            for j in 0..<63 {
                let u = buffer[i * 64 + j], v = buffer[i * 64 + j + 1]
                gradientSum += abs(Int(((u - v) * 100) / 255))
            }
        }
        return min(100, gradientSum / 90)
    }

    /// `quality` of a 64x64 buffer, 8 differences at a time. Each term |(int)d| is floor(|d|) for the
    /// same float d, taken exactly by rounding |d| <= 100 through 2^23 and stepping down where that
    /// rounded up; the terms are small integers, so their float sums are exact in any order.
    package static func fastQuality(_ buffer: UnsafePointer<Float>) -> Int {
        let base = UnsafeRawPointer(buffer)
        @inline(__always) func row(_ i: Int, _ j: Int) -> SIMD8<Float> {
            base.loadUnaligned(fromByteOffset: (i &* 64 &+ j) &* 4, as: SIMD8<Float>.self)
        }
        @inline(__always) func term(_ u: SIMD8<Float>, _ v: SIMD8<Float>) -> SIMD8<Float> {
            let d = ((u - v) * 100) / 255
            let magnitude = d.replacing(with: -d, where: d .< 0)
            let nearest = (magnitude + 8_388_608) - 8_388_608
            return nearest.replacing(with: nearest - 1, where: nearest .> magnitude)
        }
        var sums = SIMD8<Float>(repeating: 0)
        for i in 0..<63 {
            for j in stride(from: 0, to: 64, by: 8) { sums += term(row(i, j), row(i &+ 1, j)) }
        }
        var gradientSum = 0
        for i in 0..<64 {
            for j in stride(from: 0, to: 56, by: 8) { sums += term(row(i, j), row(i, j &+ 1)) }
            for j in 56..<63 {
                let u = buffer[i &* 64 &+ j], v = buffer[i &* 64 &+ j &+ 1]
                gradientSum += abs(Int(((u - v) * 100) / 255))
            }
        }
        for lane in 0..<8 { gradientSum += Int(sums[lane]) }
        return min(100, gradientSum / 90)
    }

    /// The 128th smallest of 256 values (the reference's Torben lower median), by quickselect on `scratch`.
    package static func lowerMedian(_ values: UnsafeBufferPointer<Float>, scratch: UnsafeMutableBufferPointer<Float>) -> Float {
        let count = values.count
        _ = scratch.initialize(from: values)
        let k = (count - 1) / 2
        var low = 0, high = count - 1
        while low < high {
            // Median-of-three pivot keeps adversarial (sorted, constant) inputs from going quadratic.
            let mid = (low + high) / 2
            let a = scratch[low], b = scratch[mid], c = scratch[high]
            let pivot = max(min(a, b), min(max(a, b), c))
            var i = low, j = high
            while i <= j {
                while scratch[i] < pivot { i += 1 }
                while scratch[j] > pivot { j -= 1 }
                if i <= j {
                    scratch.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j {
                high = j
            } else if k >= i {
                low = i
            } else {
                return scratch[k]
            }
        }
        return scratch[k]
    }

    /// Packs the 256 strict `> threshold` decisions into the reference layout: coefficient (i, j) is
    /// bit j of 16-bit word i, and the hex lists word 15 first, each word big-endian.
    package static func digest(_ coefficients: UnsafeBufferPointer<Float>, threshold: Float) -> Digest {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { bytes in
            for i in 0..<16 {
                var word: UInt16 = 0
                for j in 0..<16 where coefficients[i * 16 + j] > threshold {
                    word |= 1 << UInt16(j)
                }
                bytes[2 * (15 - i)] = UInt8(word >> 8)
                bytes[2 * (15 - i) + 1] = UInt8(word & 0xFF)
            }
            return Digest(UnsafeRawBufferPointer(bytes))
        }
    }

    /// The all-zero hash the reference returns for images under 5 pixels on a side.
    package static let zeroDigest = Digest(bytes: [UInt8](repeating: 0, count: 32))

    /// Writes the 16x16 coefficients of `variant` of `a` into `b` (sign flips and transposes of the
    /// reference's `pdqDihedralHash256esFromFloatLuma`).
    package static func dihedral(_ variant: PDQDihedralVariant, _ a: UnsafeBufferPointer<Float>, into b: UnsafeMutableBufferPointer<Float>) {
        for i in 0..<16 {
            for j in 0..<16 {
                let v = a[i * 16 + j]
                switch variant {
                case .original: b[i * 16 + j] = v
                case .rotate90: b[j * 16 + i] = j & 1 == 1 ? v : -v
                case .rotate180: b[i * 16 + j] = (i + j) & 1 == 1 ? -v : v
                case .rotate270: b[j * 16 + i] = i & 1 == 1 ? v : -v
                case .flipX: b[i * 16 + j] = i & 1 == 1 ? v : -v
                case .flipY: b[i * 16 + j] = j & 1 == 1 ? v : -v
                case .flipPlus1: b[j * 16 + i] = v
                case .flipMinus1: b[j * 16 + i] = (i + j) & 1 == 1 ? -v : v
                }
            }
        }
    }
}
