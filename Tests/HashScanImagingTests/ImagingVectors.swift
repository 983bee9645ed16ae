import Foundation
import Testing

/// The ThreatExchange vectors kept in the repository, `Tests/Fixtures/threatexchange` (see its PROVENANCE.md).
/// Missing vectors fail the test with the path that was looked at; they never pass silently.
enum ImagingVectors {
    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    static var root: URL {
        get throws {
            let directory = URL(fileURLWithPath: #filePath)
                .deletingLastPathComponent()  // HashScanImagingTests
                .deletingLastPathComponent()  // Tests
                .appendingPathComponent("Fixtures/threatexchange").standardizedFileURL
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue
            else {
                throw Missing(description: "ThreatExchange vectors not found at \(directory.path)")
            }
            return directory
        }
    }

    /// The bytes of a file under the vectors root, e.g. `repo/pdq/data/misc-images/wee.jpg`.
    static func bytes(_ relativePath: String) throws -> [UInt8] {
        let url = try root.appendingPathComponent(relativePath)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw Missing(description: "missing vector file \(url.path)")
        }
        return [UInt8](data)
    }

    /// `derived/cpp_reference_pdq.csv`: repository path -> (width, height) the reference decoded.
    static func referenceSizes() throws -> [(path: String, width: Int, height: Int)] {
        let text = String(decoding: try bytes("derived/cpp_reference_pdq.csv"), as: UTF8.self)
        var lines = text.split(whereSeparator: \.isNewline).map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let header = lines.removeFirst().map(String.init)
        guard let path = header.firstIndex(of: "path"), let width = header.firstIndex(of: "width"),
            let height = header.firstIndex(of: "height")
        else { throw Missing(description: "cpp_reference_pdq.csv lacks path/width/height columns") }
        return lines.compactMap { fields in
            guard fields.count == header.count, let w = Int(fields[width]), let h = Int(fields[height]) else { return nil }
            return (String(fields[path]), w, h)
        }
    }
}

/// A binary PGM (P5) or PPM (P6) with maxval 255: the rasters the PDQ reference hashed.
struct PNMImage {
    var width: Int
    var height: Int
    var channels: Int
    var pixels: [UInt8]

    init(_ bytes: [UInt8]) throws {
        struct Malformed: Error {}
        var position = 0
        func token() throws -> String {
            while position < bytes.count {
                if bytes[position] == UInt8(ascii: "#") {
                    while position < bytes.count, bytes[position] != 0x0A { position += 1 }
                } else if [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) {
                    position += 1
                } else {
                    break
                }
            }
            let start = position
            while position < bytes.count, ![0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
            guard position > start else { throw Malformed() }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }
        let magic = try token()
        guard magic == "P5" || magic == "P6", let w = Int(try token()), let h = Int(try token()),
            try token() == "255"
        else { throw Malformed() }
        position += 1  // the single whitespace byte before the samples
        width = w
        height = h
        channels = magic == "P5" ? 1 : 3
        guard bytes.count - position >= w * h * channels else { throw Malformed() }
        pixels = Array(bytes[position..<(position + w * h * channels)])
    }
}
