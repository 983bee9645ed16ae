#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Pillow's `Image.resize(size, Image.LANCZOS)` for 8-bit grey images, reproduced to the byte.
///
/// Pillow (`libImaging/Resample.c`) resamples separably: a horizontal pass into an 8-bit temporary,
/// then a vertical pass, each skipped when that side keeps its size. Per output sample the Lanczos-3
/// window is widened by the scale factor when shrinking, weights are normalised in double, turned
/// into 22-bit fixed point (rounded half away from zero), summed in integers from a 0.5 bias and
/// clamped to 0...255. Integer sums are exact, so the order of summation does not matter.
package struct Resampler {
    /// Fixed-point fraction bits (Pillow's `PRECISION_BITS = 32 - 8 - 2`).
    private static let precisionBits = 22
    private static let support = 3.0

    private var horizontalBounds: [Int] = []
    private var horizontalWeights: [Int32] = []
    private var horizontalTaps = 0
    private var verticalBounds: [Int] = []
    private var verticalWeights: [Int32] = []
    private var verticalTaps = 0
    private var temporary: [UInt8] = []

    package init() {}

    /// Resizes `input` (`width` x `height`, row-major grey) to `outWidth` x `outHeight` into `output`.
    package mutating func lanczos(_ input: UnsafePointer<UInt8>, width: Int, height: Int, outWidth: Int, outHeight: Int, into output: UnsafeMutablePointer<UInt8>) {
        precondition(width > 0 && height > 0 && outWidth > 0 && outHeight > 0)
        let needHorizontal = outWidth != width
        let needVertical = outHeight != height
        if !needHorizontal && !needVertical {
            output.update(from: input, count: width * height)
            return
        }
        horizontalTaps = Self.coefficients(inSize: width, outSize: outWidth, bounds: &horizontalBounds, weights: &horizontalWeights)
        verticalTaps = Self.coefficients(inSize: height, outSize: outHeight, bounds: &verticalBounds, weights: &verticalWeights)

        guard needHorizontal else {
            vertical(input, width: width, firstRow: 0, outHeight: outHeight, into: output)
            return
        }
        // Like Pillow, the horizontal pass only covers the source rows the vertical pass reads.
        let firstRow = verticalBounds[0]
        let lastRow = verticalBounds[2 * (outHeight - 1)] + verticalBounds[2 * (outHeight - 1) + 1]
        let rows = lastRow - firstRow
        if !needVertical {
            horizontal(input, width: width, firstRow: firstRow, rows: rows, outWidth: outWidth, into: output)
            return
        }
        // Moved out while in use, so the passes can read `self` (no copy: the buffer is unique).
        var buffer = temporary
        temporary = []
        if buffer.count < rows * outWidth {
            buffer = [UInt8](repeating: 0, count: rows * outWidth)
        }
        buffer.withUnsafeMutableBufferPointer { temp in
            horizontal(input, width: width, firstRow: firstRow, rows: rows, outWidth: outWidth, into: temp.baseAddress!)
            vertical(temp.baseAddress!, width: outWidth, firstRow: firstRow, outHeight: outHeight, into: output)
        }
        temporary = buffer
    }

    private func horizontal(_ input: UnsafePointer<UInt8>, width: Int, firstRow: Int, rows: Int, outWidth: Int, into output: UnsafeMutablePointer<UInt8>) {
        let taps = horizontalTaps
        horizontalBounds.withUnsafeBufferPointer { bounds in
            horizontalWeights.withUnsafeBufferPointer { weights in
                for y in 0..<rows {
                    let row = input + (y + firstRow) * width
                    for x in 0..<outWidth {
                        let start = bounds[2 * x], count = bounds[2 * x + 1]
                        let k = weights.baseAddress! + x * taps
                        var sum: Int32 = 1 << Int32(Self.precisionBits - 1)
                        for t in 0..<count { sum &+= Int32(row[start + t]) &* k[t] }
                        output[y * outWidth + x] = Self.clip(sum)
                    }
                }
            }
        }
    }

    /// `firstRow` is the source row that `input`'s row 0 holds (Pillow shifts the bounds the same way).
    private func vertical(_ input: UnsafePointer<UInt8>, width: Int, firstRow: Int, outHeight: Int, into output: UnsafeMutablePointer<UInt8>) {
        let taps = verticalTaps
        verticalBounds.withUnsafeBufferPointer { bounds in
            verticalWeights.withUnsafeBufferPointer { weights in
                for y in 0..<outHeight {
                    let start = bounds[2 * y] - firstRow, count = bounds[2 * y + 1]
                    let k = weights.baseAddress! + y * taps
                    for x in 0..<width {
                        var sum: Int32 = 1 << Int32(Self.precisionBits - 1)
                        for t in 0..<count { sum &+= Int32(input[(start + t) * width + x]) &* k[t] }
                        output[y * width + x] = Self.clip(sum)
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func clip(_ sum: Int32) -> UInt8 {
        let value = sum >> Int32(precisionBits)
        return value < 0 ? 0 : value > 255 ? 255 : UInt8(value)
    }

    /// Pillow's `precompute_coeffs` + `normalize_coeffs_8bpc` for the whole-image box: per output
    /// sample the first source index and tap count (`bounds`) and `taps` fixed-point weights.
    private static func coefficients(inSize: Int, outSize: Int, bounds: inout [Int], weights: inout [Int32]) -> Int {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = Self.support * filterScale
        let taps = Int(support.rounded(.up)) * 2 + 1
        bounds.removeAll(keepingCapacity: true)
        weights.removeAll(keepingCapacity: true)
        var row = [Double](repeating: 0, count: taps)
        for index in 0..<outSize {
            let center = (Double(index) + 0.5) * scale
            let inverse = 1.0 / filterScale
            let low = max(0, Int(center - support + 0.5))
            let high = min(inSize, Int(center + support + 0.5))
            let count = high - low
            var total = 0.0
            for t in 0..<count {
                let w = lanczos((Double(t + low) - center + 0.5) * inverse)
                row[t] = w
                total += w
            }
            for t in 0..<taps {
                var w = t < count ? row[t] : 0
                if t < count && total != 0 { w /= total }
                let fixed = w * Double(1 << precisionBits)
                weights.append(Int32(w < 0 ? fixed - 0.5 : fixed + 0.5))
            }
            bounds.append(low)
            bounds.append(count)
        }
        return taps
    }

    private static func lanczos(_ x: Double) -> Double {
        guard -support <= x && x < support else { return 0 }
        return sinc(x) * sinc(x / 3)
    }

    private static func sinc(_ x: Double) -> Double {
        if x == 0 { return 1 }
        let scaled = x * Double.pi
        return sin(scaled) / scaled
    }
}
