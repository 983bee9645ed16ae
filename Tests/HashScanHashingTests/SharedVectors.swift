import Foundation

/// Locates the shared ThreatExchange vectors: `<package root>/../shared/vectors/threatexchange`
/// (CI checks `shared/` out beside the clone). Missing vectors are an error, never a silent pass.
enum SharedVectors {
    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    static var directory: URL {
        get throws {
            let root = URL(fileURLWithPath: #filePath)
                .deletingLastPathComponent()  // HashScanHashingTests
                .deletingLastPathComponent()  // Tests
                .deletingLastPathComponent()  // package root
            let directory = root.deletingLastPathComponent().appendingPathComponent("shared/vectors/threatexchange")
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw Missing(description: "PDQ reference vectors not found at \(directory.standardizedFileURL.path): place the shared/ folder beside the package checkout")
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
