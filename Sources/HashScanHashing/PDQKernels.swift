/// The float kernels of `PDQHasher`'s filter: the reference's running box sum with many independent
/// sums side by side in SIMD lanes, and the transposes that put those sums into lanes.
///
/// Every row or column is an independent running sum that sees exactly the reference's sequence of
/// float additions, subtractions and divisions; lanes only run several of them at once. Transposing
/// is pure data movement. Everything works on strips of 32 rows so that the intermediate data stays
/// in the L1/L2 caches: a whole 512x512 float plane does not fit in L2, and streaming planes through
/// L3 cost more than the arithmetic.
enum PDQKernels {
    /// Rows per strip: the lanes of the running sums along a strip (`StripLanes`: eight SSE
    /// registers, enough independent additions to hide their latency).
    static let stripRows = 32

    /// The divisor of one output position: `sum / count`, or `sum * (1 / count)` when that reciprocal
    /// is exact (count a power of two), which gives the same correctly rounded value far cheaper.
    struct Divisor {
        let count: Float
        let reciprocal: Float

        @inline(__always)
        init(_ count: Int) {
            self.count = Float(count)
            let exact = self.count.significandBitPattern == 0 && self.count.exponent >= 0 && self.count.exponent < 64
            reciprocal = exact ? 1 / self.count : 0
        }

        @inline(__always)
        init(count: Float, reciprocal: Float) {
            self.count = count
            self.reciprocal = reciprocal
        }

        @inline(__always)
        func mean<V: BoxLanes>(_ sum: V) -> V {
            reciprocal != 0 ? sum.times(reciprocal) : sum.dividedBy(count)
        }
    }

    /// The reference's four-phase running box sum over `n` positions (add only, add + emit,
    /// add + subtract + emit, subtract + emit), `load(k)` giving position k. `emit(i, sum, divisor)`
    /// sees the window sum of output i; the mean is `divisor.mean(sum)`, computed only where needed.
    @inline(__always)
    static func runningBox<V: BoxLanes>(count n: Int, window w: Int, load: (Int) -> V, emit: (Int, V, Divisor) -> Void) {
        let half = (w + 2) / 2, back = w - half
        var sum = V.zero
        for k in 0..<(half - 1) { sum = sum.plus(load(k)) }
        var i = 0
        while i <= back {
            sum = sum.plus(load(i &+ half &- 1))
            emit(i, sum, Divisor(i &+ half))
            i &+= 1
        }
        let full = Divisor(w)
        // Two copies of the steady state, so that the divide-or-multiply choice is made once.
        if full.reciprocal != 0 {
            let multiply = Divisor(count: full.count, reciprocal: full.reciprocal)
            while i <= n &- half {
                // Two roundings, add then subtract, as the reference does.
                sum = sum.plus(load(i &+ half &- 1))
                sum = sum.minus(load(i &- back &- 1))
                emit(i, sum, multiply)
                i &+= 1
            }
        } else {
            let divide = Divisor(count: full.count, reciprocal: 0)
            while i <= n &- half {
                sum = sum.plus(load(i &+ half &- 1))
                sum = sum.minus(load(i &- back &- 1))
                emit(i, sum, divide)
                i &+= 1
            }
        }
        while i < n {
            sum = sum.minus(load(i &- back &- 1))
            emit(i, sum, Divisor(n &- i &+ back))
            i &+= 1
        }
    }

    /// A horizontal pass over one strip held x-major (`strip[x * 32 + lane]`, lane = row): the 32
    /// rows' running sums side by side, every output written to `output` in the same layout.
    static func boxAlongStrip(_ strip: UnsafePointer<Float>, count n: Int, window w: Int, into output: UnsafeMutablePointer<Float>) {
        let source = UnsafeRawPointer(strip), destination = UnsafeMutableRawPointer(output)
        runningBox(count: n, window: w) { k in
            StripLanes.load(source, k &* 128)
        } emit: { i, sum, divisor in
            divisor.mean(sum).store(destination, i &* 128)
        }
    }

    /// As `boxAlongStrip`, keeping only the outputs at `samples[0..<64]` (ascending, repeats
    /// allowed): `output[s * 32 + lane]` is output `samples[s]`. Other positions only update the sums.
    static func boxAlongStrip(_ strip: UnsafePointer<Float>, count n: Int, window w: Int, samples: UnsafePointer<Int>,
                              into output: UnsafeMutablePointer<Float>) {
        let source = UnsafeRawPointer(strip), destination = UnsafeMutableRawPointer(output)
        var s = 0, next = samples[0]
        runningBox(count: n, window: w) { k in
            StripLanes.load(source, k &* 128)
        } emit: { i, sum, divisor in
            guard i == next else { return }
            let mean = divisor.mean(sum)
            repeat {
                mean.store(destination, s &* 128)
                s &+= 1
                next = s < 64 ? samples[s] : -1
            } while next == i
        }
    }

    /// The state of a vertical pass run a strip at a time: one running sum per column (`columns`
    /// rounded up to 16), and per output row of the current strip the rows entering and leaving its
    /// window and its divisor. Owned by the hasher, allocated once.
    struct DownPass {
        let sums: UnsafeMutablePointer<Float>
        let entering = UnsafeMutablePointer<UnsafeRawPointer?>.allocate(capacity: PDQKernels.stripRows)
        let leaving = UnsafeMutablePointer<UnsafeRawPointer?>.allocate(capacity: PDQKernels.stripRows)
        let divisors = UnsafeMutablePointer<Divisor>.allocate(capacity: PDQKernels.stripRows)

        init(columns: Int) {
            sums = UnsafeMutableRawPointer.allocate(byteCount: columns * MemoryLayout<Float>.stride, alignment: 64)
                .initializeMemory(as: Float.self, repeating: 0, count: columns)
        }

        func deallocate() {
            sums.deallocate()
            entering.deallocate()
            leaving.deallocate()
            divisors.deallocate()
        }

        /// Starts a pass: the sums are rows `0..<half - 1` added in order (the reference's first phase).
        func prime(columns m: Int, window w: Int, row: (Int) -> UnsafePointer<Float>) {
            let half = (w + 2) / 2, rounded = (m &+ 15) & ~15
            sums.update(repeating: 0, count: rounded)
            for k in 0..<(half - 1) {
                let input = row(k)
                for c in 0..<rounded { sums[c] += input[c] }
            }
        }

        /// Output rows `first..<first + count` (count <= `stripRows`) of the pass over `n` rows into `output`.
        /// `row(k)` is input row k; each output row adds its incoming row, then subtracts its
        /// outgoing one (when they exist), and divides by the rows in its window: exactly the
        /// reference's four phases, one row at a time.
        func step(rows n: Int, columns m: Int, window w: Int, first: Int, count: Int, row: (Int) -> UnsafePointer<Float>,
                  into output: UnsafeMutablePointer<Float>, outputPitch: Int) {
            let half = (w + 2) / 2, back = w - half
            for j in 0..<count {
                let i = first &+ j
                let incoming = i &+ half &- 1, outgoing = i &- back &- 1
                entering[j] = incoming < n ? UnsafeRawPointer(row(incoming)) : nil
                leaving[j] = outgoing >= 0 ? UnsafeRawPointer(row(outgoing)) : nil
                divisors[j] = Divisor(min(n &- 1, incoming) &- max(0, i &- back) &+ 1)
            }
            let destination = UnsafeMutableRawPointer(output), stride = outputPitch &* 4
            let state = UnsafeMutableRawPointer(sums)
            // 32 columns at a time (8 independent chains of add-then-subtract per row), then 16 if
            // the rounded width ends on an odd number of 16-column blocks.
            let end = ((m &+ 15) & ~15) &* 4
            var offset = 0
            while offset &+ 128 <= end {
                columnBlock(StripLanes.self, offset: offset, count: count, state: state, into: destination, stride: stride)
                offset &+= 128
            }
            if offset < end {
                columnBlock(SIMD16<Float>.self, offset: offset, count: count, state: state, into: destination, stride: stride)
            }
        }

        @inline(__always)
        private func columnBlock<V: BoxLanes>(_: V.Type, offset: Int, count: Int, state: UnsafeMutableRawPointer,
                                              into destination: UnsafeMutableRawPointer, stride: Int) {
            var sum = V.load(state, offset)
            for j in 0..<count {
                if let incoming = entering[j] { sum = sum.plus(V.load(incoming, offset)) }
                if let outgoing = leaving[j] { sum = sum.minus(V.load(outgoing, offset)) }
                divisors[j].mean(sum).store(destination, j &* stride &+ offset)
            }
            sum.store(state, offset)
        }
    }

    /// A whole vertical pass, keeping only the output rows `samples[0..<64]` (ascending, repeats
    /// allowed): output row s is the filtered input row `samples[s]`. `columns` is rounded up to 16.
    static func boxDownSampled(_ input: UnsafePointer<Float>, pitch: Int, rows n: Int, columns m: Int, window w: Int,
                               samples: UnsafePointer<Int>, into output: UnsafeMutablePointer<Float>, outputPitch: Int) {
        let stride = pitch &* 4, outputStride = outputPitch &* 4
        var column = 0
        while column < m {
            let source = UnsafeRawPointer(input + column), destination = UnsafeMutableRawPointer(output + column)
            var s = 0, next = samples[0]
            runningBox(count: n, window: w) { k in
                SIMD16<Float>.load(source, k &* stride)
            } emit: { i, sum, divisor in
                guard i == next else { return }
                let mean = divisor.mean(sum)
                repeat {
                    mean.store(destination, s &* outputStride)
                    s &+= 1
                    next = s < 64 ? samples[s] : -1
                } while next == i
            }
            column &+= 16
        }
    }

    /// output[c * outputPitch + r] = input[r * pitch + c] for r < rows, c < columns: 4x4 blocks in SSE
    /// registers, 16 input rows at a time so that each output row receives whole 64-byte lines.
    static func transpose(_ input: UnsafePointer<Float>, pitch: Int, rows: Int, columns: Int,
                          into output: UnsafeMutablePointer<Float>, outputPitch: Int) {
        let blockColumns = columns & ~3, stride = pitch &* 4, outputStride = outputPitch &* 4
        var r = 0
        while r &+ 16 <= rows {
            let source = UnsafeRawPointer(input + r &* pitch)
            var destination = UnsafeMutableRawPointer(output + r)
            var from = 0
            while from < blockColumns &* 4 {
                transpose4x4(source + from, stride: stride, into: destination, outputStride: outputStride)
                transpose4x4(source + (from &+ 4 &* stride), stride: stride, into: destination + 16, outputStride: outputStride)
                transpose4x4(source + (from &+ 8 &* stride), stride: stride, into: destination + 32, outputStride: outputStride)
                transpose4x4(source + (from &+ 12 &* stride), stride: stride, into: destination + 48, outputStride: outputStride)
                destination += 4 &* outputStride
                from &+= 16
            }
            r &+= 16
        }
        while r &+ 4 <= rows {
            let source = UnsafeRawPointer(input + r &* pitch)
            var destination = UnsafeMutableRawPointer(output + r)
            var from = 0
            while from < blockColumns &* 4 {
                transpose4x4(source + from, stride: stride, into: destination, outputStride: outputStride)
                destination += 4 &* outputStride
                from &+= 16
            }
            r &+= 4
        }
        // Ragged edges, element by element.
        if blockColumns < columns {
            for y in 0..<r {
                for c in blockColumns..<columns { output[c &* outputPitch &+ y] = input[y &* pitch &+ c] }
            }
        }
        for y in r..<rows {
            for c in 0..<columns { output[c &* outputPitch &+ y] = input[y &* pitch &+ c] }
        }
    }

    @inline(__always)
    private static func transpose4x4(_ source: UnsafeRawPointer, stride: Int, into destination: UnsafeMutableRawPointer, outputStride: Int) {
        let a = source.loadUnaligned(as: SIMD4<Float>.self)
        let b = source.loadUnaligned(fromByteOffset: stride, as: SIMD4<Float>.self)
        let d = source.loadUnaligned(fromByteOffset: 2 &* stride, as: SIMD4<Float>.self)
        let e = source.loadUnaligned(fromByteOffset: 3 &* stride, as: SIMD4<Float>.self)
        // Interleave pairs of rows, then move 64-bit halves: eight shuffles. (Written as float
        // shuffles only, the optimiser merges the two steps into twelve.)
        let ab0 = halves(SIMD4(a[0], b[0], a[1], b[1])), ab1 = halves(SIMD4(a[2], b[2], a[3], b[3]))
        let de0 = halves(SIMD4(d[0], e[0], d[1], e[1])), de1 = halves(SIMD4(d[2], e[2], d[3], e[3]))
        destination.storeBytes(of: SIMD2(ab0[0], de0[0]), as: SIMD2<Double>.self)
        destination.storeBytes(of: SIMD2(ab0[1], de0[1]), toByteOffset: outputStride, as: SIMD2<Double>.self)
        destination.storeBytes(of: SIMD2(ab1[0], de1[0]), toByteOffset: 2 &* outputStride, as: SIMD2<Double>.self)
        destination.storeBytes(of: SIMD2(ab1[1], de1[1]), toByteOffset: 3 &* outputStride, as: SIMD2<Double>.self)
    }

    /// The same 16 bytes seen as two 64-bit halves (each a pair of floats; bits unchanged).
    @inline(__always)
    private static func halves(_ pairs: SIMD4<Float>) -> SIMD2<Double> {
        unsafeBitCast(pairs, to: SIMD2<Double>.self)
    }
}

/// Lanes of independent running sums. Concrete types only: the generic `SIMD` operators work lane by
/// lane, which the optimiser does not turn back into vector instructions (`SIMD32<Float>` has no
/// concrete ones at all).
protocol BoxLanes {
    static var zero: Self { get }
    /// An aligned load: SSE folds only aligned loads into the add and subtract.
    static func load(_ base: UnsafeRawPointer, _ offset: Int) -> Self
    func store(_ base: UnsafeMutableRawPointer, _ offset: Int)
    func plus(_ other: Self) -> Self
    func minus(_ other: Self) -> Self
    func times(_ factor: Float) -> Self
    func dividedBy(_ divisor: Float) -> Self
}

extension SIMD16: BoxLanes where Scalar == Float {
    static var zero: Self { Self(repeating: 0) }
    @inline(__always) static func load(_ base: UnsafeRawPointer, _ offset: Int) -> Self { base.load(fromByteOffset: offset, as: Self.self) }
    @inline(__always) func store(_ base: UnsafeMutableRawPointer, _ offset: Int) { base.storeBytes(of: self, toByteOffset: offset, as: Self.self) }
    @inline(__always) func plus(_ other: Self) -> Self { self + other }
    @inline(__always) func minus(_ other: Self) -> Self { self - other }
    @inline(__always) func times(_ factor: Float) -> Self { self * factor }
    @inline(__always) func dividedBy(_ divisor: Float) -> Self { self / divisor }
}

/// The 32 lanes of a strip, as two `SIMD16`.
struct StripLanes: BoxLanes {
    var low: SIMD16<Float>
    var high: SIMD16<Float>

    static var zero: Self { Self(low: .zero, high: .zero) }
    @inline(__always) static func load(_ base: UnsafeRawPointer, _ offset: Int) -> Self {
        Self(low: .load(base, offset), high: .load(base, offset &+ 64))
    }
    @inline(__always) func store(_ base: UnsafeMutableRawPointer, _ offset: Int) {
        low.store(base, offset)
        high.store(base, offset &+ 64)
    }
    @inline(__always) func plus(_ other: Self) -> Self { Self(low: low + other.low, high: high + other.high) }
    @inline(__always) func minus(_ other: Self) -> Self { Self(low: low - other.low, high: high - other.high) }
    @inline(__always) func times(_ factor: Float) -> Self { Self(low: low * factor, high: high * factor) }
    @inline(__always) func dividedBy(_ divisor: Float) -> Self { Self(low: low / divisor, high: high / divisor) }
}
