import HashScanCore

/// The synthetic rasters of Fixtures/imagehash_reference.py, rebuilt pixel for pixel from the same
/// integer formulas (no image files are committed).
enum SyntheticImages {
    static func raster(named name: String) -> PixelRaster? {
        switch name {
        case "gradient-rgb":
            return render(97, 61, 3, seed: 0) { x, y, w, h, _ in
                [x * 255 / (w - 1), y * 255 / (h - 1), (x + y) * 255 / (w + h - 2)]
            }
        case "shapes-rgb":
            return render(120, 90, 3, seed: 0) { x, y, _, _, _ in
                var colour = [30, 60, 90]
                if (70..<110).contains(x) && (50..<80).contains(y) { colour = [40, 200, 60] }
                if (x - 40) * (x - 40) + (y - 35) * (y - 35) <= 484 { colour = [220, 40, 40] }
                if (10..<45).contains(y) && x >= 75 && x - 75 <= y - 10 { colour = [250, 230, 30] }
                return colour
            }
        case "noise-grey":
            return render(64, 48, 1, seed: 1) { _, _, _, _, rng in [Int(rng.byte())] }
        case "blocks-rgb":
            var rng = XorShift32(seed: 2)
            var blocks: [[[Int]]] = []
            for _ in 0..<(150 / 10) {
                var row: [[Int]] = []
                for _ in 0..<(200 / 10) { row.append([Int(rng.byte()), Int(rng.byte()), Int(rng.byte())]) }
                blocks.append(row)
            }
            return render(200, 150, 3, seed: 0) { x, y, _, _, _ in
                blocks[y / 10][x / 10].map { min(255, $0 + (x + y) / 8) }
            }
        case "rings-grey":
            return render(33, 47, 1, seed: 0) { x, y, _, _, _ in
                let d2 = (x - 13) * (x - 13) + (y - 20) * (y - 20)
                return [20 + 200 * ((d2 / 37) % 2) + (x * y) % 17]
            }
        case "tiny-rgb":
            return render(7, 5, 3, seed: 3) { _, _, _, _, rng in [Int(rng.byte()), Int(rng.byte()), Int(rng.byte())] }
        case "noise-grey-9x8":
            return render(9, 8, 1, seed: 4) { _, _, _, _, rng in [Int(rng.byte())] }
        case "large-rgb":
            return render(640, 480, 3, seed: 5) { x, y, _, h, rng in [(x ^ y) & 0xFF, y * 255 / (h - 1), Int(rng.byte())] }
        case "checker-grey":
            return render(100, 100, 1, seed: 0) { x, y, _, _, _ in [((x / 13 + y / 7) % 2) * 255] }
        case "wide-rgb":
            return render(1000, 40, 3, seed: 0) { x, y, w, _, _ in [(x * 7 + y * 3) % 256, x * 255 / (w - 1), (x * y) % 251] }
        default:
            return nil
        }
    }

    /// Calls `pixel` in row-major order (the order the Python side draws random numbers in).
    private static func render(_ width: Int, _ height: Int, _ channels: Int, seed: UInt32, pixel: (Int, Int, Int, Int, inout XorShift32) -> [Int]) -> PixelRaster {
        var rng = XorShift32(seed: seed)
        var pixels: [UInt8] = []
        pixels.reserveCapacity(width * height * channels)
        for y in 0..<height {
            for x in 0..<width {
                let values = pixel(x, y, width, height, &rng)
                precondition(values.count == channels)
                pixels.append(contentsOf: values.map { UInt8($0) })
            }
        }
        return PixelRaster(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// A smooth random field plus noise, so PDQ hashes of it are far from degenerate.
    static func randomRaster(width: Int, height: Int, channels: Int, seed: UInt32) -> PixelRaster {
        var rng = XorShift32(seed: seed)
        let phases = (0..<6).map { _ in Int(rng.next() % 97) + 1 }
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels {
                    let wave = ((x * phases[c] / 7 + y * phases[c + 3] / 5) % 160)
                    let noise = Int(rng.byte() >> 2)
                    pixels[(y * width + x) * channels + c] = UInt8(min(255, wave + noise + 16 * c))
                }
            }
        }
        return PixelRaster(width: width, height: height, channels: channels, pixels: pixels)
    }
}
