import Foundation
import HashScanCore
@testable import HashScanLists

/// Paths and helpers shared by the import tests.
enum ImportTestSupport {
    /// hashlists/examples in this checkout.
    static let examples: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("hashlists/examples").path
    }()

    static func example(_ name: String) -> String { examples + "/" + name }

    /// Digests of the made-up strings the examples hash (hashlists/examples/make-examples.py writes them with
    /// Python's hashlib; the "PDQ" values are SHA-256 of "example pdq N", not image hashes). Each one checked with
    /// `printf %s 'STRING' | md5sum` (or sha1sum, sha256sum), GNU coreutils 9.1; the string is beside it.
    enum Known {
        static let md5Example1 = "e93b3fa481be3932aa08bd68c3deee70"  // md5 "example 1"
        static let sha1Example1 = "f1f0188d7e74ce2e9b395726ee39848bcd92e869"  // sha1 "example 1"
        static let sha256Example1 = "8ee89711330c1ccf39a2e65ad12bbd7df4a4a2ee857f53b4823f00fecb7bd252"  // sha256 "example 1"
        static let md5Example2 = "a6b23ee7f9c084154997ea3bf5b4c1e3"  // md5 "example 2"
        static let sha1Example2 = "d92d43a269b89a3e6a10cecd829c3b7d4f6170a5"  // sha1 "example 2"
        static let sha256Example2 = "553295e4b848bee781c30a0c86a5b731330806eaaca214de195e48761b8a61ee"  // sha256 "example 2"
        static let md5Example3 = "d376eaa7e7aecf81dcbdd6081fae63a9"  // md5 "example 3"
        static let sha1Example3 = "347483f6dc78ac4ca9a8f254b46a602c1f905de4"  // sha1 "example 3"
        static let md5Example4 = "4aea863c087aa212286b14c7e0da99d1"  // md5 "example 4"
        static let sha256Example4 = "c03a8b8fb97996492099484e49f1ebe4cb6f10cd2ca37ae70920e70c1a14c0d3"  // sha256 "example 4"
        static let md5Video1 = "e9d9c4cb8ff9990078a44c0483ea115b"  // md5 "example video 1"
        static let pdq1 = "dce4b060a1031bf54b3bd6b2ce1bca5d24b7f219a238d656d09cf1e451c92656"  // sha256 "example pdq 1"
        static let pdq2 = "a371851ef1b4cb9cb58210175d2adf29b2550cdc4ec48053c9cc7ff45ef1d47d"  // sha256 "example pdq 2"
    }

    /// The fields a test asserts on, in a form that prints readably when it fails.
    struct Row: Equatable, CustomStringConvertible {
        var algorithm: HashAlgorithm
        var hex: String
        var id: String?
        var category: String?

        init(_ algorithm: HashAlgorithm, _ hex: String, _ id: String?, _ category: String? = nil) {
            self.algorithm = algorithm
            self.hex = hex
            self.id = id
            self.category = category
        }

        var description: String { "\(algorithm):\(hex) id=\(id ?? "nil") category=\(category ?? "nil")" }
    }

    static func rows(_ list: ImportedList) -> [Row] {
        list.entries.map { Row($0.algorithm, $0.hash.hex, $0.entryID, $0.category) }
    }

    static func importText(_ text: String, format: ListFormat? = nil, strict: Bool = false, file: String = "t") throws(ListParseError) -> ImportedList {
        try ListImporter.importList(bytes: Array(text.utf8), file: file, options: ListImportOptions(format: format, strict: strict))
    }

    /// A fresh path in the temporary directory.
    static func temporaryPath(_ suffix: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("hashscan-import-\(UUID().uuidString)\(suffix)").path
    }
}
