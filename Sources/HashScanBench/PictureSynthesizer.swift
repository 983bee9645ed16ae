import HashScanCore

/// Generated RGB pictures whose encoded form costs what real ones do to decode: photo-like (broad colour
/// gradients, shapes, texture and sensor noise, so entropy decoding has real work) and graphic-like (gradients
/// and flat shapes, as screenshots and drawings, which compress well as PNG). Pixels never leave the process
/// except encoded into the synthetic corpus.
enum PictureSynthesizer {
    static func photo(width: Int, height: Int, random: inout SeededRandom) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        pixels.withUnsafeMutableBufferPointer { p in
            fillGradient(p, width: width, height: height, random: &random, textureCell: 24, textureAmplitude: 14)
            drawShapes(p, width: width, height: height, count: 12 + random.below(28), random: &random)
            addNoise(p, count: width * height, amplitude: 6, random: &random)
        }
        return pixels
    }

    static func graphic(width: Int, height: Int, random: inout SeededRandom) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        pixels.withUnsafeMutableBufferPointer { p in
            fillGradient(p, width: width, height: height, random: &random, textureCell: 0, textureAmplitude: 0)
            drawShapes(p, width: width, height: height, count: 8 + random.below(24), random: &random)
        }
        return pixels
    }

    /// A coarse grid of random colours, bilinearly interpolated, plus an optional finer grey texture grid.
    private static func fillGradient(_ p: UnsafeMutableBufferPointer<UInt8>, width: Int, height: Int, random: inout SeededRandom,
                                     textureCell: Int, textureAmplitude: Float) {
        let gx = 3 + random.below(4), gy = 3 + random.below(4)
        var grid = [Float](repeating: 0, count: (gx + 1) * (gy + 1) * 3)
        for i in grid.indices { grid[i] = 40 + 180 * random.unit() }
        let tx = textureCell > 0 ? width / textureCell + 2 : 1, ty = textureCell > 0 ? height / textureCell + 2 : 1
        var texture = [Float](repeating: 0, count: (tx + 1) * (ty + 1))
        if textureCell > 0 { for i in texture.indices { texture[i] = textureAmplitude * (2 * random.unit() - 1) } }
        var rowColours = [Float](repeating: 0, count: (gx + 1) * 3)
        var rowTexture = [Float](repeating: 0, count: tx + 1)
        let sx = Float(gx) / Float(max(1, width - 1)), sy = Float(gy) / Float(max(1, height - 1))
        let tsx = Float(tx - 1) / Float(max(1, width - 1)), tsy = Float(ty - 1) / Float(max(1, height - 1))
        for y in 0..<height {
            // Interpolate the two grid rows around y once, then only along x per pixel.
            let fy = Float(y) * sy
            let r0 = min(Int(fy), gy - 1), wy = fy - Float(r0)
            for c in 0...gx {
                for k in 0..<3 {
                    let a = grid[(r0 * (gx + 1) + c) * 3 + k], b = grid[((r0 + 1) * (gx + 1) + c) * 3 + k]
                    rowColours[c * 3 + k] = a + (b - a) * wy
                }
            }
            if textureCell > 0 {
                let ft = Float(y) * tsy
                let t0 = min(Int(ft), ty - 1), wt = ft - Float(t0)
                for c in 0...tx {
                    let a = texture[t0 * (tx + 1) + c], b = texture[(t0 + 1) * (tx + 1) + c]
                    rowTexture[c] = a + (b - a) * wt
                }
            }
            var offset = y * width * 3
            for x in 0..<width {
                let fx = Float(x) * sx
                let c0 = min(Int(fx), gx - 1), wx = fx - Float(c0)
                var grain: Float = 0
                if textureCell > 0 {
                    let ft = Float(x) * tsx
                    let t0 = min(Int(ft), tx - 1), wt = ft - Float(t0)
                    grain = rowTexture[t0] + (rowTexture[t0 + 1] - rowTexture[t0]) * wt
                }
                for k in 0..<3 {
                    let a = rowColours[c0 * 3 + k], b = rowColours[(c0 + 1) * 3 + k]
                    p[offset + k] = clamp(a + (b - a) * wx + grain)
                }
                offset += 3
            }
        }
    }

    /// Ellipses and rectangles, partly transparent, drawn over their bounding boxes only.
    private static func drawShapes(_ p: UnsafeMutableBufferPointer<UInt8>, width: Int, height: Int, count: Int, random: inout SeededRandom) {
        let scale = max(width, height)
        for _ in 0..<count {
            let colour = (Float(random.below(256)), Float(random.below(256)), Float(random.below(256)))
            let opacity = 0.5 + 0.5 * random.unit()
            let w = max(2, scale / 40 + random.below(max(1, scale / 3))), h = max(2, scale / 40 + random.below(max(1, scale / 3)))
            let x0 = random.below(width + w) - w / 2, y0 = random.below(height + h) - h / 2
            let ellipse = random.below(2) == 0
            let cx = Float(x0) + Float(w) / 2, cy = Float(y0) + Float(h) / 2
            let rx = Float(w) / 2, ry = Float(h) / 2
            let yStart = max(0, y0), yEnd = min(height, y0 + h)
            guard yStart < yEnd else { continue }  // entirely off the picture
            for y in yStart..<yEnd {
                let dy = (Float(y) + 0.5 - cy) / ry
                var xStart = max(0, x0), xEnd = min(width, x0 + w)
                if ellipse {
                    guard dy * dy < 1 else { continue }
                    let half = rx * (1 - dy * dy).squareRoot()
                    xStart = max(xStart, Int(cx - half)); xEnd = min(xEnd, Int(cx + half))
                }
                guard xStart < xEnd else { continue }
                for x in xStart..<xEnd {
                    let o = (y * width + x) * 3
                    p[o] = clamp(Float(p[o]) + (colour.0 - Float(p[o])) * opacity)
                    p[o + 1] = clamp(Float(p[o + 1]) + (colour.1 - Float(p[o + 1])) * opacity)
                    p[o + 2] = clamp(Float(p[o + 2]) + (colour.2 - Float(p[o + 2])) * opacity)
                }
            }
        }
    }

    /// Sensor-like noise: a triangular luma term of about ±`amplitude` and a small independent chroma term.
    private static func addNoise(_ p: UnsafeMutableBufferPointer<UInt8>, count: Int, amplitude: Int, random: inout SeededRandom) {
        for index in 0..<count {
            let bits = random.next()
            let luma = ((Int(bits & 0xFF) + Int(bits >> 8 & 0xFF) - 255) * amplitude) >> 7
            let o = index * 3
            for k in 0..<3 {
                let chroma = (Int(bits >> (16 + 8 * k) & 0xFF) - 128) >> 6
                p[o + k] = UInt8(clamping: Int(p[o + k]) + luma + chroma)
            }
        }
    }

    @inline(__always)
    private static func clamp(_ value: Float) -> UInt8 {
        value <= 0 ? 0 : value >= 254.5 ? 255 : UInt8(value + 0.5)
    }
}
