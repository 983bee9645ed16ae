import Foundation
import HashScanCore

/// Minimal binary PNM reader (P5 grey, P6 RGB, maxval 255) for the reference's hashed rasters.
struct PNMImage {
    let raster: PixelRaster

    struct FormatError: Error, CustomStringConvertible {
        let description: String
    }

    init(contentsOf url: URL) throws {
        let bytes = [UInt8](try Data(contentsOf: url))
        var index = 0
        func token() throws -> String {
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "#") {
                    while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
                } else if [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) {
                    index += 1
                } else {
                    break
                }
            }
            let start = index
            while index < bytes.count && ![0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
            guard index > start else { throw FormatError(description: "\(url.lastPathComponent): truncated header") }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }
        let magic = try token()
        guard magic == "P5" || magic == "P6" else { throw FormatError(description: "\(url.lastPathComponent): not P5/P6 (\(magic))") }
        guard let width = Int(try token()), let height = Int(try token()), let maxval = Int(try token()), maxval == 255 else {
            throw FormatError(description: "\(url.lastPathComponent): bad header")
        }
        index += 1  // exactly one whitespace byte before the samples
        let channels = magic == "P5" ? 1 : 3
        let count = width * height * channels
        guard bytes.count - index >= count else { throw FormatError(description: "\(url.lastPathComponent): truncated samples") }
        raster = PixelRaster(width: width, height: height, channels: channels, pixels: Array(bytes[index..<(index + count)]))
    }
}
