import HashScanCore

/// Grey conversions of a `PixelRaster`, one per hash family, because peers disagree on luma.
package enum Luma {
    /// Pillow's `convert("L")`, which `imagehash` uses: ITU-R 601-2 weights in 16-bit fixed point with
    /// rounding, `(R*19595 + G*38470 + B*7471 + 0x8000) >> 16` (= R*299/1000 + G*587/1000 + B*114/1000,
    /// rounded). Grey rasters are copied unchanged.
    package static func pillowL(_ raster: PixelRaster, into output: UnsafeMutablePointer<UInt8>) {
        let count = raster.width * raster.height
        raster.pixels.withUnsafeBufferPointer { pixels in
            guard let p = pixels.baseAddress else { return }
            if raster.channels == 1 {
                output.update(from: p, count: count)
                return
            }
            for i in 0..<count {
                let r = UInt32(p[3 * i]), g = UInt32(p[3 * i + 1]), b = UInt32(p[3 * i + 2])
                output[i] = UInt8(truncatingIfNeeded: (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16)
            }
        }
    }

    /// PDQ's float luma plane (row-major, no pre-scale): `0.299f*R + 0.587f*G + 0.114f*B` in float,
    /// left to right; grey is `Y = v`. For callers that want the plane itself (the hasher fuses this).
    package static func pdq(_ raster: PixelRaster) -> [Float] {
        var plane = [Float](repeating: 0, count: raster.width * raster.height)
        for i in plane.indices {
            if raster.channels == 1 {
                plane[i] = Float(raster.pixels[i])
            } else {
                plane[i] = PDQMath.luma(raster.pixels[3 * i], raster.pixels[3 * i + 1], raster.pixels[3 * i + 2])
            }
        }
        return plane
    }
}
