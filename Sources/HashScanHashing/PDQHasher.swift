import HashScanCore

/// Computes PDQ hashes bit-exactly with Meta's C++ reference, reusing its scratch buffers.
///
/// Not thread-safe: create one per worker thread. After the first image of a given size, hashing
/// performs no heap allocation of its own (buffers only grow, to the largest image seen).
///
/// Speed without changing a single rounding: the box filter's running sums are sequential along
/// the filtered axis, so instead of walking one row at a time we run many rows or columns side by
/// side. Vertical passes keep one running sum per column and stream whole rows. Horizontal passes
/// take 16 rows at a time, transpose them into a small x-major strip that stays in L1, and run 16
/// sums side by side. Every sample still sees exactly the reference's sequence of float additions,
/// subtractions and divisions. The second pair of passes only computes what the 64x64 decimation
/// samples.
public final class PDQHasher {
    private static let stripRows = 16

    /// Two row-major planes (`height` rows of `pitch(width)` floats).
    private var planeCapacity = 0
    private var planeA: UnsafeMutablePointer<Float>
    private var planeB: UnsafeMutablePointer<Float>
    /// Per-column running sums, the x-major input and output strips (`width` x 16) and the source
    /// row/column maps (identity, or the 512 pre-scale).
    private var sideCapacity = 0
    private var sums: UnsafeMutablePointer<Float>
    private var strip: UnsafeMutablePointer<Float>
    private var stripOut: UnsafeMutablePointer<Float>
    private var sourceRows: UnsafeMutablePointer<Int>
    private var sourceColumns: UnsafeMutablePointer<Int>
    /// Second horizontal pass at the 64 sampled columns only: `height` x 64.
    private var sampledCapacity = 0
    private var sampledColumns: UnsafeMutablePointer<Float>
    private let sampledStrip = UnsafeMutablePointer<Float>.allocate(capacity: 64 * 16)
    private let buffer64 = UnsafeMutablePointer<Float>.allocate(capacity: 64 * 64)
    private let dct16x64 = UnsafeMutablePointer<Float>.allocate(capacity: 16 * 64)
    private let dct16 = UnsafeMutablePointer<Float>.allocate(capacity: 256)
    private let variant = UnsafeMutablePointer<Float>.allocate(capacity: 256)
    private let medianScratch = UnsafeMutablePointer<Float>.allocate(capacity: 256)
    /// The DCT matrix (16x64) and its transpose (64x16), so both products stream contiguous rows.
    private let matrix = UnsafeMutablePointer<Float>.allocate(capacity: 16 * 64)
    private let matrixTransposed = UnsafeMutablePointer<Float>.allocate(capacity: 64 * 16)
    private let rowSamples = UnsafeMutablePointer<Int>.allocate(capacity: 64)
    private let columnSamples = UnsafeMutablePointer<Int>.allocate(capacity: 64)
    /// `0.299f*v`, `0.587f*v`, `0.114f*v` for v in 0...255: the very products the reference rounds,
    /// looked up instead of converted and multiplied per pixel.
    private let lumaProducts = UnsafeMutablePointer<Float>.allocate(capacity: 3 * 256)

    public init() {
        for v in 0..<256 {
            let value = Float(v)
            lumaProducts[v] = 0.299 * value
            lumaProducts[256 + v] = 0.587 * value
            lumaProducts[512 + v] = 0.114 * value
        }
        planeA = .allocate(capacity: 1)
        planeB = .allocate(capacity: 1)
        sums = .allocate(capacity: 1)
        strip = .allocate(capacity: 1)
        stripOut = .allocate(capacity: 1)
        sourceRows = .allocate(capacity: 1)
        sourceColumns = .allocate(capacity: 1)
        sampledColumns = .allocate(capacity: 1)
        for i in 0..<16 {
            for j in 0..<64 {
                let value = PDQMath.dctMatrix[i * 64 + j]
                matrix[i * 64 + j] = value
                matrixTransposed[j * 16 + i] = value
            }
        }
    }

    deinit {
        for pointer in [planeA, planeB, sums, strip, stripOut, sampledColumns, sampledStrip, buffer64, dct16x64, dct16,
                        variant, medianScratch, matrix, matrixTransposed, lumaProducts] {
            pointer.deallocate()
        }
        for pointer in [sourceRows, sourceColumns, rowSamples, columnSamples] {
            pointer.deallocate()
        }
    }

    // MARK: Public entry points

    /// Hashes decoded pixels under a pre-scale convention.
    /// - Parameters:
    ///   - raster: grey (luma = value) or RGB (BT.601 float luma) pixels.
    ///   - preScale: `.reference` for parity with the C++ reference, `.full` for no pre-scale.
    ///   - dihedral: also compute the 8 dihedral variants (cheap: DCT-domain sign flips).
    public func hash(_ raster: PixelRaster, preScale: PDQPreScale = .reference, dihedral: Bool = false) -> PDQResult {
        raster.pixels.withUnsafeBufferPointer { pixels in
            guard let base = pixels.baseAddress, let (w, h) = prepare(width: raster.width, height: raster.height, preScale: preScale) else {
                return Self.unhashable(dihedral: dihedral)
            }
            let rowBytes = raster.width * raster.channels
            if raster.channels == 1 {
                run(width: w, height: h) { y, x in Float(base[y &* rowBytes &+ x]) }
            } else {
                let red = lumaProducts, green = lumaProducts + 256, blue = lumaProducts + 512
                run(width: w, height: h) { y, x in
                    let p = base + (y &* rowBytes &+ 3 &* x)
                    // (0.299f*R + 0.587f*G) + 0.114f*B, the reference's order.
                    return (red[Int(p[0])] + green[Int(p[1])]) + blue[Int(p[2])]
                }
            }
            return finish(dihedral: dihedral)
        }
    }

    /// Hashes a ready luma plane (row-major, `width * height` floats on the 0-255 scale), e.g. a
    /// JPEG's decoded Y plane. The pre-scale, when it applies, samples the plane by nearest neighbour.
    public func hash(luma: [Float], width: Int, height: Int, preScale: PDQPreScale = .reference, dihedral: Bool = false) -> PDQResult {
        luma.withUnsafeBufferPointer { hash(luma: $0, width: width, height: height, preScale: preScale, dihedral: dihedral) }
    }

    /// As `hash(luma:width:height:preScale:dihedral:)`, reading caller-owned memory without copying it.
    public func hash(luma: UnsafeBufferPointer<Float>, width: Int, height: Int, preScale: PDQPreScale = .reference, dihedral: Bool = false) -> PDQResult {
        precondition(width >= 0 && height >= 0 && luma.count >= width * height, "luma plane smaller than width x height")
        guard let base = luma.baseAddress, let (w, h) = prepare(width: width, height: height, preScale: preScale) else {
            return Self.unhashable(dihedral: dihedral)
        }
        if w == width && h == height {
            run(width: w, height: h, rows: base, pitch: width)
        } else {
            run(width: w, height: h) { y, x in base[y &* width &+ x] }
        }
        return finish(dihedral: dihedral)
    }

    /// The 64x64 post-filter buffer of the last hashed image (row-major), for stage-by-stage tests.
    package var lastBuffer64: [Float] { Array(UnsafeBufferPointer(start: buffer64, count: 4096)) }

    /// The 16x16 DCT of the last hashed image (row = vertical frequency), for stage-by-stage tests.
    package var lastCoefficients: [Float] { Array(UnsafeBufferPointer(start: dct16, count: 256)) }

    // MARK: Sizes and buffers

    /// Returns the size the core hashes (nil when a side is under 5 pixels), fills the source row
    /// and column maps (identity, or the reference's 512x512 nearest neighbour, aspect ratio not
    /// kept) and the decimation samples, and makes sure every buffer is large enough.
    private func prepare(width: Int, height: Int, preScale: PDQPreScale) -> (Int, Int)? {
        guard width >= PDQMath.minimumHashableSide, height >= PDQMath.minimumHashableSide else { return nil }
        let side = PDQPreScale.referenceSide
        let resample = preScale == .reference && (width > side || height > side)
        let w = resample ? side : width, h = resample ? side : height

        let longest = max(w, h, 64)
        if longest > sideCapacity {
            for pointer in [sums, strip, stripOut] { pointer.deallocate() }
            for pointer in [sourceRows, sourceColumns] { pointer.deallocate() }
            sideCapacity = longest
            sums = .allocate(capacity: longest)
            strip = .allocate(capacity: longest * Self.stripRows)
            stripOut = .allocate(capacity: longest * Self.stripRows)
            sourceRows = .allocate(capacity: longest)
            sourceColumns = .allocate(capacity: longest)
        }
        let planeFloats = h * Self.pitch(w)
        if planeFloats > planeCapacity {
            planeA.deallocate()
            planeB.deallocate()
            planeCapacity = planeFloats
            planeA = .allocate(capacity: planeFloats)
            planeB = .allocate(capacity: planeFloats)
        }
        if h * 64 > sampledCapacity {
            sampledColumns.deallocate()
            sampledCapacity = h * 64
            sampledColumns = .allocate(capacity: sampledCapacity)
        }
        for y in 0..<h { sourceRows[y] = resample ? PDQMath.nearestSource(y, inSide: height, outSide: side) : y }
        for x in 0..<w { sourceColumns[x] = resample ? PDQMath.nearestSource(x, inSide: width, outSide: side) : x }
        for i in 0..<64 {
            rowSamples[i] = PDQMath.decimationIndex(i, side: h)
            columnSamples[i] = PDQMath.decimationIndex(i, side: w)
        }
        return (w, h)
    }

    /// Row pitch in floats: whole 64-byte lines, an odd number of them (spreads rows over cache sets).
    @inline(__always)
    private static func pitch(_ count: Int) -> Int {
        let rounded = (count + 15) & ~15
        return (rounded / 16) & 1 == 0 ? rounded + 16 : rounded
    }

    // MARK: Luma to the 64x64 buffer

    /// Filters and decimates the image whose luma at (row y, column x) of the *source* is
    /// `luma(y, x)`, read through the row/column maps, into `buffer64`.
    @inline(__always)
    private func run(width w: Int, height h: Int, _ luma: (Int, Int) -> Float) {
        if w == 64 && h == 64 {
            // The reference copies a 64x64 input straight into the buffer, with no filter.
            for y in 0..<64 {
                let sy = sourceRows[y]
                for x in 0..<64 { buffer64[y &* 64 &+ x] = luma(sy, sourceColumns[x]) }
            }
            return
        }
        let strip = self.strip, rows = self.stripOut
        filter(width: w, height: h) { first, count in
            // Luma rows written contiguously into the (not yet used) output strip, then transposed
            // into the x-major input strip: strided scalar stores were the bottleneck.
            for r in 0..<count {
                let sy = sourceRows[first &+ r]
                let row = rows + r &* w
                for x in 0..<w { row[x] = luma(sy, sourceColumns[x]) }
            }
            Self.transpose(rows, pitch: w, rows: count, columns: w, into: strip, outputPitch: 16)
        }
    }

    /// As above for a row-major plane hashed at its own size (no maps needed).
    private func run(width w: Int, height h: Int, rows: UnsafePointer<Float>, pitch: Int) {
        if w == 64 && h == 64 {
            for y in 0..<64 { (buffer64 + y &* 64).update(from: rows + y &* pitch, count: 64) }
            return
        }
        let strip = self.strip
        filter(width: w, height: h) { first, count in
            Self.transpose(rows + first &* pitch, pitch: pitch, rows: count, columns: w, into: strip, outputPitch: 16)
        }
    }

    /// The Jarosz filter (horizontal, vertical, horizontal, vertical box passes) and the 64x64
    /// decimation. `loadStrip(first, count)` must fill `strip` (x-major, 16 lanes) with luma rows
    /// first..<first+count.
    @inline(__always)
    private func filter(width w: Int, height h: Int, loadStrip: (Int, Int) -> Void) {
        let alongRows = PDQMath.jaroszWindow(side: w)
        let alongColumns = PDQMath.jaroszWindow(side: h)
        let rowPitch = Self.pitch(w)
        let strip = self.strip, stripOut = self.stripOut

        // Pass 1, horizontal: luma strips -> plane B (row-major).
        var first = 0
        while first < h {
            let count = min(Self.stripRows, h - first)
            loadStrip(first, count)
            Self.boxAlongStrip(strip, count: w, window: alongRows) { x, sum in
                UnsafeMutableRawPointer(stripOut + x &* 16).storeBytes(of: sum, as: SIMD16<Float>.self)
            }
            Self.transpose(stripOut, pitch: 16, rows: w, columns: count, into: planeB + first &* rowPitch, outputPitch: rowPitch)
            first &+= count
        }

        // Pass 1, vertical: plane B -> plane A.
        boxDownFull(planeB, planeA, pitch: rowPitch, rows: h, columns: w, window: alongColumns)

        // Pass 2, horizontal, kept only at the 64 sampled columns: plane A -> height x 64.
        let sampledStrip = self.sampledStrip, columnSamples = self.columnSamples
        first = 0
        while first < h {
            let count = min(Self.stripRows, h - first)
            Self.transpose(planeA + first &* rowPitch, pitch: rowPitch, rows: count, columns: w, into: strip, outputPitch: 16)
            var s = 0
            Self.boxAlongStrip(strip, count: w, window: alongRows) { x, sum in
                while s < 64 && columnSamples[s] == x {
                    UnsafeMutableRawPointer(sampledStrip + s &* 16).storeBytes(of: sum, as: SIMD16<Float>.self)
                    s &+= 1
                }
            }
            Self.transpose(sampledStrip, pitch: 16, rows: 64, columns: count, into: sampledColumns + first &* 64, outputPitch: 64)
            first &+= count
        }

        // Pass 2, vertical, kept only at the 64 sampled rows: height x 64 -> buffer64.
        let buffer64 = self.buffer64, rowSamples = self.rowSamples
        var s = 0
        boxDown(sampledColumns, pitch: 64, rows: h, columns: 64, window: alongColumns) { y, sums, count in
            while s < 64 && rowSamples[s] == y {
                let row = buffer64 + s &* 64
                for c in 0..<64 { row[c] = sums[c] / count }
                s &+= 1
            }
        }
    }

    /// The reference's four-phase running box sum (add-only, add+emit, add+subtract+emit,
    /// subtract+emit; mean = sum / samples in window) along `count` x-major positions of a strip,
    /// 16 rows side by side. `emit(x, mean)` receives each output position in order.
    @inline(__always)
    private static func boxAlongStrip(_ strip: UnsafePointer<Float>, count n: Int, window w: Int, emit: (Int, SIMD16<Float>) -> Void) {
        let half = (w + 2) / 2, back = w - half
        @inline(__always) func at(_ x: Int) -> SIMD16<Float> {
            UnsafeRawPointer(strip + x &* 16).loadUnaligned(as: SIMD16<Float>.self)
        }
        var sum = SIMD16<Float>(repeating: 0)
        for k in 0..<(half - 1) { sum += at(k) }
        var i = 0
        while i <= back {
            sum += at(i &+ half &- 1)
            emit(i, sum / Float(i + half))
            i &+= 1
        }
        let full = Float(w)
        if let reciprocal = exactReciprocal(full) {
            while i <= n - half {
                sum += at(i &+ half &- 1)
                sum -= at(i &- back &- 1)
                emit(i, sum * reciprocal)
                i &+= 1
            }
        } else {
            while i <= n - half {
                sum += at(i &+ half &- 1)
                sum -= at(i &- back &- 1)
                emit(i, sum / full)
                i &+= 1
            }
        }
        while i < n {
            sum -= at(i &- back &- 1)
            emit(i, sum / Float(n - i + back))
            i &+= 1
        }
    }

    /// The same running sum down `rows` rows of a row-major plane, one sum per column;
    /// `emit(row, sums, count)` sees the window sums of each output row (mean = sum / count).
    @inline(__always)
    private func boxDown(_ input: UnsafePointer<Float>, pitch: Int, rows n: Int, columns m: Int, window w: Int,
                         emit: (Int, UnsafeMutablePointer<Float>, Float) -> Void) {
        let sums = self.sums
        let half = (w + 2) / 2, back = w - half
        sums.update(repeating: 0, count: m)
        for k in 0..<(half - 1) {
            let row = input + k &* pitch
            for c in 0..<m { sums[c] += row[c] }
        }
        var i = 0
        while i <= back {
            let add = input + (i &+ half &- 1) &* pitch
            for c in 0..<m { sums[c] += add[c] }
            emit(i, sums, Float(i + half))
            i &+= 1
        }
        let full = Float(w)
        while i <= n - half {
            let add = input + (i &+ half &- 1) &* pitch
            let remove = input + (i &- back &- 1) &* pitch
            // Two roundings, add then subtract, as the reference does.
            for c in 0..<m { sums[c] = (sums[c] + add[c]) - remove[c] }
            emit(i, sums, full)
            i &+= 1
        }
        while i < n {
            let remove = input + (i &- back &- 1) &* pitch
            for c in 0..<m { sums[c] -= remove[c] }
            emit(i, sums, Float(n - i + back))
            i &+= 1
        }
    }

    /// `boxDown` for a whole plane, with the steady-state rows updating the sums and writing the
    /// means in one sweep (same operations per column, one fewer pass over the sums).
    private func boxDownFull(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, pitch: Int, rows n: Int, columns m: Int, window w: Int) {
        let sums = self.sums
        let half = (w + 2) / 2, back = w - half
        @inline(__always) func write(_ i: Int, _ count: Float) {
            let row = output + i &* pitch
            for c in 0..<m { row[c] = sums[c] / count }
        }
        sums.update(repeating: 0, count: m)
        for k in 0..<(half - 1) {
            let row = input + k &* pitch
            for c in 0..<m { sums[c] += row[c] }
        }
        var i = 0
        while i <= back {
            let add = input + (i &+ half &- 1) &* pitch
            for c in 0..<m { sums[c] += add[c] }
            write(i, Float(i + half))
            i &+= 1
        }
        let full = Float(w)
        let reciprocal = Self.exactReciprocal(full)
        while i <= n - half {
            let add = input + (i &+ half &- 1) &* pitch
            let remove = input + (i &- back &- 1) &* pitch
            let row = output + i &* pitch
            // Two roundings, add then subtract, as the reference does.
            if let reciprocal {
                for c in 0..<m {
                    let sum = (sums[c] + add[c]) - remove[c]
                    sums[c] = sum
                    row[c] = sum * reciprocal
                }
            } else {
                for c in 0..<m {
                    let sum = (sums[c] + add[c]) - remove[c]
                    sums[c] = sum
                    row[c] = sum / full
                }
            }
            i &+= 1
        }
        while i < n {
            let remove = input + (i &- back &- 1) &* pitch
            for c in 0..<m { sums[c] -= remove[c] }
            write(i, Float(n - i + back))
            i &+= 1
        }
    }

    /// 1/count when that is exact (count a power of two): then `x * (1/count)` and `x / count` are the
    /// same correctly rounded value, and a multiply is several times cheaper than a divide.
    @inline(__always)
    private static func exactReciprocal(_ count: Float) -> Float? {
        count.significandBitPattern == 0 && count.exponent >= 0 && count.exponent < 64 ? 1 / count : nil
    }

    /// output[c * outputPitch + r] = input[r * pitch + c] for r < rows, c < columns, in 4x4 blocks
    /// held in SIMD registers (pure data movement: no rounding involved).
    private static func transpose(_ input: UnsafePointer<Float>, pitch: Int, rows: Int, columns m: Int,
                                  into output: UnsafeMutablePointer<Float>, outputPitch: Int) {
        let blockRows = rows & ~3, blockColumns = m & ~3
        var r = 0
        while r < blockRows {
            let row0 = UnsafeRawPointer(input + r &* pitch)
            let row1 = UnsafeRawPointer(input + (r &+ 1) &* pitch)
            let row2 = UnsafeRawPointer(input + (r &+ 2) &* pitch)
            let row3 = UnsafeRawPointer(input + (r &+ 3) &* pitch)
            var c = 0
            while c < blockColumns {
                let offset = c &* 4
                let a = row0.loadUnaligned(fromByteOffset: offset, as: SIMD4<Float>.self)
                let b = row1.loadUnaligned(fromByteOffset: offset, as: SIMD4<Float>.self)
                let d = row2.loadUnaligned(fromByteOffset: offset, as: SIMD4<Float>.self)
                let e = row3.loadUnaligned(fromByteOffset: offset, as: SIMD4<Float>.self)
                let ab0 = SIMD4(a[0], b[0], a[1], b[1]), ab1 = SIMD4(a[2], b[2], a[3], b[3])
                let de0 = SIMD4(d[0], e[0], d[1], e[1]), de1 = SIMD4(d[2], e[2], d[3], e[3])
                let destination = UnsafeMutableRawPointer(output + (c &* outputPitch &+ r))
                let step = outputPitch &* 4
                destination.storeBytes(of: SIMD4(ab0[0], ab0[1], de0[0], de0[1]), as: SIMD4<Float>.self)
                destination.storeBytes(of: SIMD4(ab0[2], ab0[3], de0[2], de0[3]), toByteOffset: step, as: SIMD4<Float>.self)
                destination.storeBytes(of: SIMD4(ab1[0], ab1[1], de1[0], de1[1]), toByteOffset: 2 &* step, as: SIMD4<Float>.self)
                destination.storeBytes(of: SIMD4(ab1[2], ab1[3], de1[2], de1[3]), toByteOffset: 3 &* step, as: SIMD4<Float>.self)
                c &+= 4
            }
            r &+= 4
        }
        // Ragged edges, element by element.
        for r in 0..<rows {
            let start = r < blockRows ? blockColumns : 0
            for c in start..<m { output[c &* outputPitch &+ r] = input[r &* pitch &+ c] }
        }
    }

    // MARK: Quality, DCT, thresholds

    private func finish(dihedral: Bool) -> PDQResult {
        let quality = PDQMath.quality(UnsafeBufferPointer(start: buffer64, count: 4096))
        // T = D * A: row i of T accumulates D[i][k] * row k of A, k ascending (the reference's order).
        for i in 0..<16 {
            let t = dct16x64 + i * 64
            t.update(repeating: 0, count: 64)
            for k in 0..<64 {
                let d = matrix[i * 64 + k]
                let a = buffer64 + k * 64
                for j in 0..<64 { t[j] += d * a[j] }
            }
        }
        // B = T * D^T: row i of B accumulates T[i][k] * D^T[k][...], k ascending.
        for i in 0..<16 {
            let b = dct16 + i * 16
            b.update(repeating: 0, count: 16)
            for k in 0..<64 {
                let t = dct16x64[i * 64 + k]
                let d = matrixTransposed + k * 16
                for j in 0..<16 { b[j] += t * d[j] }
            }
        }
        let coefficients = UnsafeBufferPointer(start: dct16, count: 256)
        let scratch = UnsafeMutableBufferPointer(start: medianScratch, count: 256)
        let hash = PDQMath.digest(coefficients, threshold: PDQMath.lowerMedian(coefficients, scratch: scratch))
        guard dihedral else { return PDQResult(hash: hash, quality: quality) }
        var variants = PDQDihedralHashes(repeating: hash)
        let transformed = UnsafeMutableBufferPointer(start: variant, count: 256)
        for kind in PDQDihedralVariant.allCases where kind != .original {
            PDQMath.dihedral(kind, coefficients, into: transformed)
            let values = UnsafeBufferPointer(transformed)
            // Negation changes the distribution, so each variant gets its own median.
            variants[kind] = PDQMath.digest(values, threshold: PDQMath.lowerMedian(values, scratch: scratch))
        }
        return PDQResult(hash: hash, quality: quality, dihedral: variants)
    }

    private static func unhashable(dihedral: Bool) -> PDQResult {
        PDQResult(hash: PDQMath.zeroDigest, quality: 0, dihedral: dihedral ? PDQDihedralHashes(repeating: PDQMath.zeroDigest) : nil)
    }
}
