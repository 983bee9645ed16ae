import Foundation

/// One `derived/intermediates/*.txt` dump of the C++ reference: key=value lines, then the 64x64
/// post-filter buffer and the 16x16 DCT as `%.9g` floats (which round-trip float32 exactly).
struct PDQIntermediateDump {
    var values: [String: String] = [:]
    var buffer64: [Float] = []
    var dct16: [Float] = []

    init(contentsOf url: URL) throws {
        var matrix: String?
        for line in try String(contentsOf: url, encoding: .utf8).split(whereSeparator: \.isNewline) {
            if line.hasPrefix("#") { continue }
            if line.hasSuffix("=") {
                matrix = String(line.dropLast())
                continue
            }
            if let matrix, line.first.map({ $0.isNumber || $0 == "-" }) == true {
                let numbers = try line.split(separator: ",").map { text in
                    guard let value = Float(text) else { throw ThreatExchangeVectors.Missing(description: "bad float \(text) in \(url.lastPathComponent)") }
                    return value
                }
                if matrix == "buffer64x64" { buffer64 += numbers } else if matrix == "dct16x16" { dct16 += numbers }
                continue
            }
            if let equals = line.firstIndex(of: "=") {
                values[String(line[..<equals])] = String(line[line.index(after: equals)...])
            }
        }
    }

    func int(_ key: String) -> Int? { values[key].flatMap { Int($0) } }
}
