import HashScanCore

/// Computes PDQ hashes bit-exactly with Meta's C++ reference, reusing its scratch buffers.
///
/// Not thread-safe: create one per worker thread. After the first image of a given size, hashing
/// performs no heap allocation of its own (buffers only grow, to the largest image seen).
///
/// Speed without changing a single rounding: the box filter's running sums are sequential along
/// the filtered axis, so instead of walking one row or column at a time we run many of them side by
/// side in SIMD lanes (`PDQKernels`). Horizontal passes transpose a strip of 32 rows so that each
/// row's sum has a lane; vertical passes keep one sum per column. The image flows through in strips
/// of 32 rows (horizontal, vertical, horizontal again), so the intermediate data stays in cache.
/// Every sample still sees exactly the reference's sequence of float additions, subtractions and
/// divisions. The second pair of passes only computes what the 64x64 decimation samples.
public final class PDQHasher {
    /// A strip of rows held x-major (`x * stripRows + row`), for the horizontal passes, and the
    /// output of the first one; `width` x `stripRows` floats each.
    private var stripCapacity = 0
    private var strip: UnsafeMutablePointer<Float>
    private var stripOut: UnsafeMutablePointer<Float>
    /// The last rows of the first horizontal pass (row-major, `ringRows` rows of `pitch(width)`),
    /// as many as the vertical pass still needs, and the vertical pass's output strip.
    private var ringCapacity = 0
    private var ring: UnsafeMutablePointer<Float>
    private var rowsCapacity = 0
    private var rows: UnsafeMutablePointer<Float>
    private var down: PDQKernels.DownPass
    private var downCapacity = 0
    /// The source row/column maps (identity, or the 512 pre-scale).
    private var sideCapacity = 0
    private var sourceRows: UnsafeMutablePointer<Int>
    private var sourceColumns: UnsafeMutablePointer<Int>
    /// The second horizontal pass at the 64 sampled columns: one strip (64 x `stripRows`), then all rows
    /// (`height` x 64).
    private let sampledStrip = PDQHasher.allocateFloats(64 * PDQKernels.stripRows)
    private var sampledCapacity = 0
    private var sampled: UnsafeMutablePointer<Float>
    private let buffer64 = PDQHasher.allocateFloats(64 * 64)
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
        strip = Self.allocateFloats(0)
        stripOut = Self.allocateFloats(0)
        ring = Self.allocateFloats(0)
        rows = Self.allocateFloats(0)
        down = PDQKernels.DownPass(columns: 0)
        sourceRows = .allocate(capacity: 1)
        sourceColumns = .allocate(capacity: 1)
        sampled = Self.allocateFloats(0)
        for i in 0..<16 {
            for j in 0..<64 {
                let value = PDQMath.dctMatrix[i * 64 + j]
                matrix[i * 64 + j] = value
                matrixTransposed[j * 16 + i] = value
            }
        }
    }

    deinit {
        for pointer in [strip, stripOut, ring, rows, sampledStrip, sampled, buffer64, dct16x64, dct16, variant, medianScratch,
                        matrix, matrixTransposed, lumaProducts] {
            pointer.deallocate()
        }
        down.deallocate()
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
            if w == 64 && h == 64 {
                // The reference copies a 64x64 input straight into the buffer, with no filter.
                buffer64.update(from: base, count: 64 * 64)
            } else {
                let strip = self.strip
                filter(width: w, height: h) { first, count in
                    PDQKernels.transpose(base + first &* width, pitch: width, rows: count, columns: w, into: strip, outputPitch: PDQKernels.stripRows)
                }
            }
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

        let longest = max(w, h)
        if longest > sideCapacity {
            for pointer in [sourceRows, sourceColumns] { pointer.deallocate() }
            sideCapacity = longest
            sourceRows = .allocate(capacity: longest)
            sourceColumns = .allocate(capacity: longest)
        }
        // Zero-filled on allocation: lanes past the rows of a short strip, and columns past a row's
        // end up to its pitch, are computed but never used, and must hold ordinary finite values.
        let rowPitch = Self.pitch(w)
        if w * PDQKernels.stripRows > stripCapacity {
            for pointer in [strip, stripOut] { pointer.deallocate() }
            stripCapacity = w * PDQKernels.stripRows
            strip = Self.allocateFloats(stripCapacity)
            stripOut = Self.allocateFloats(stripCapacity)
        }
        let ringFloats = Self.ringRows(height: h) * rowPitch
        if ringFloats > ringCapacity {
            ring.deallocate()
            ringCapacity = ringFloats
            ring = Self.allocateFloats(ringFloats)
        }
        if PDQKernels.stripRows * rowPitch > rowsCapacity {
            rows.deallocate()
            rowsCapacity = PDQKernels.stripRows * rowPitch
            rows = Self.allocateFloats(rowsCapacity)
        }
        if rowPitch > downCapacity {
            down.deallocate()
            downCapacity = rowPitch
            down = PDQKernels.DownPass(columns: rowPitch)
        }
        if h * 64 > sampledCapacity {
            sampled.deallocate()
            sampledCapacity = h * 64
            sampled = Self.allocateFloats(sampledCapacity)
        }
        for y in 0..<h { sourceRows[y] = resample ? PDQMath.nearestSource(y, inSide: height, outSide: side) : y }
        for x in 0..<w { sourceColumns[x] = resample ? PDQMath.nearestSource(x, inSide: width, outSide: side) : x }
        for i in 0..<64 {
            rowSamples[i] = PDQMath.decimationIndex(i, side: h)
            columnSamples[i] = PDQMath.decimationIndex(i, side: w)
        }
        return (w, h)
    }

    /// Zero-filled, 64-byte aligned floats: the box kernels load whole aligned SSE registers.
    private static func allocateFloats(_ count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
            .initializeMemory(as: Float.self, repeating: 0, count: count)
    }

    /// Rows the ring keeps: the vertical window (`ceil(height / 128)`) plus two strips, whatever
    /// the strips' alignment with the window; a power of two, so a row's slot is a mask away.
    @inline(__always)
    private static func ringRows(height: Int) -> Int {
        var rows = 32
        while rows < PDQMath.jaroszWindow(side: height) + 2 * PDQKernels.stripRows { rows *= 2 }
        return rows
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
        let strip = self.strip, lumaRows = self.stripOut
        filter(width: w, height: h) { first, count in
            // Luma rows written contiguously into the (not yet used) output strip, then transposed.
            for r in 0..<count {
                let sy = sourceRows[first &+ r]
                let row = lumaRows + r &* w
                for x in 0..<w { row[x] = luma(sy, sourceColumns[x]) }
            }
            PDQKernels.transpose(lumaRows, pitch: w, rows: count, columns: w, into: strip, outputPitch: PDQKernels.stripRows)
        }
    }

    /// The Jarosz filter (horizontal, vertical, horizontal, vertical box passes) and the 64x64
    /// decimation, into `buffer64`. `loadStrip(first, count)` must fill `strip` (x-major, a lane per row)
    /// with luma rows `first..<first + count`.
    @inline(__always)
    private func filter(width w: Int, height h: Int, loadStrip: (Int, Int) -> Void) {
        let alongRows = PDQMath.jaroszWindow(side: w)
        let alongColumns = PDQMath.jaroszWindow(side: h)
        let rowPitch = Self.pitch(w), stripRows = PDQKernels.stripRows
        let strip = self.strip, stripOut = self.stripOut, rows = self.rows, sampledStrip = self.sampledStrip
        let ring = self.ring, mask = Self.ringRows(height: h) - 1
        // A nested function, not a closure value: a stored closure's context would be heap-allocated.
        func ringRow(_ k: Int) -> UnsafeMutablePointer<Float> { ring + (k & mask) &* rowPitch }

        // Pass 1, horizontal, a strip at a time into the ring, as far as the vertical pass needs.
        var produced = 0
        func produce(upTo needed: Int) {
            while produced < needed {
                let count = min(stripRows, h - produced)
                loadStrip(produced, count)
                PDQKernels.boxAlongStrip(strip, count: w, window: alongRows, into: stripOut)
                PDQKernels.transpose(stripOut, pitch: stripRows, rows: w, columns: count, into: ringRow(produced), outputPitch: rowPitch)
                produced &+= count
            }
        }
        let leading = (alongColumns + 2) / 2 - 1
        produce(upTo: min(h, leading))
        down.prime(columns: w, window: alongColumns) { UnsafePointer(ringRow($0)) }

        var first = 0
        while first < h {
            let count = min(stripRows, h - first)
            // Pass 1, vertical: this strip's rows.
            produce(upTo: min(h, first + count + leading))
            down.step(rows: h, columns: w, window: alongColumns, first: first, count: count, row: { UnsafePointer(ringRow($0)) },
                      into: rows, outputPitch: rowPitch)
            // Pass 2, horizontal, kept only at the 64 sampled columns: height x 64.
            PDQKernels.transpose(rows, pitch: rowPitch, rows: count, columns: w, into: strip, outputPitch: stripRows)
            PDQKernels.boxAlongStrip(strip, count: w, window: alongRows, samples: columnSamples, into: sampledStrip)
            PDQKernels.transpose(sampledStrip, pitch: stripRows, rows: 64, columns: count, into: sampled + first &* 64, outputPitch: 64)
            first &+= count
        }

        // Pass 2, vertical, kept only at the 64 sampled rows: the 64x64 buffer.
        PDQKernels.boxDownSampled(sampled, pitch: 64, rows: h, columns: 64, window: alongColumns, samples: rowSamples,
                                  into: buffer64, outputPitch: 64)
    }

    // MARK: Quality, DCT, thresholds

    private func finish(dihedral: Bool) -> PDQResult {
        let quality = PDQMath.fastQuality(buffer64)
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
