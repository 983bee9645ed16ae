import Foundation

/// The ThreatExchange reference vectors in the repository, `Tests/Fixtures/threatexchange` (provenance in
/// its PROVENANCE.md). A missing file is an error, never a silent pass.
enum ThreatExchangeVectors {
    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    static var directory: URL {
        get throws {
            let directory = URL(fileURLWithPath: #filePath)
                .deletingLastPathComponent()  // HashScanHashingTests
                .deletingLastPathComponent()  // Tests
                .appendingPathComponent("Fixtures/threatexchange")
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw Missing(description: "PDQ reference vectors not found at \(directory.standardizedFileURL.path)")
            }
            return directory
        }
    }

    static func file(_ relativePath: String) throws -> URL {
        let url = try directory.appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw Missing(description: "missing reference vector file \(url.path)")
        }
        return url
    }

    /// A header-first CSV (no quoted fields in these files) as dictionaries keyed by column name.
    static func csv(_ relativePath: String) throws -> [[String: String]] {
        try rows(of: String(contentsOf: file(relativePath), encoding: .utf8))
    }

    static func rows(of text: String) -> [[String: String]] {
        let lines = text.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("#") }
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init) else { return [] }
        return lines.dropFirst().map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return Dictionary(uniqueKeysWithValues: zip(header, fields))
        }
    }
}
