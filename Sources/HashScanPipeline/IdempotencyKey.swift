import Foundation
import HashScanCore
import HashScanHashing
import HashScanLists

/// Stable keys that let every sink deduplicate: a resumed scan or a retried delivery produces the same key for
/// the same (scan, file, list entry), so a consumer that keeps keys sees each match once (docs/output-format.md).
///
/// A key is the lowercase hex SHA-256 of its fields joined with NUL bytes behind a domain tag, so no field
/// can run into the next (paths are raw bytes and may hold anything but NUL).
package enum IdempotencyKey {
    /// The key of one hit: (scan, file, list, entry). The same entry hit through two digests has one key.
    package static func hit(scanID: String, path: RawPath, list: String, entry: String) -> String {
        sha256Hex(["hashscan-hit-v1".utf8.map { $0 }, Array(scanID.utf8), path.bytes, Array(list.utf8), Array(entry.utf8)])
    }

    /// The key of a whole match record: its scan, file and the set of its hit keys.
    package static func record(scanID: String, path: RawPath, hitKeys: [String]) -> String {
        let keys = Set(hitKeys).sorted().map { Array($0.utf8) }
        return sha256Hex(["hashscan-record-v1".utf8.map { $0 }, Array(scanID.utf8), path.bytes] + keys)
    }

    /// A new scan identifier: random, so two scans of the same tree never share keys.
    package static func newScanID() -> String { UUID().uuidString.lowercased() }

    private static func sha256Hex(_ fields: [[UInt8]]) -> String {
        var material: [UInt8] = []
        material.reserveCapacity(fields.reduce(0) { $0 + $1.count + 1 })
        for (index, field) in fields.enumerated() {
            if index > 0 { material.append(0) }
            material.append(contentsOf: field)
        }
        // One digester per thread: matches are rare next to files, but a scan of a hit-heavy batch should not
        // pay an OpenSSL fetch per record.
        let digester = Self.threadDigester()
        return material.withUnsafeBytes { digester.digests(of: $0)[.sha256]!.hex }
    }

    private static let digesterKey = "hashscan.idempotency-digester"

    private static func threadDigester() -> MultiDigester {
        if let existing = Thread.current.threadDictionary[digesterKey] as? MultiDigester { return existing }
        // SHA-256 is always in libcrypto; the scan would not have started without it.
        let digester = try! MultiDigester(algorithms: [.sha256])
        Thread.current.threadDictionary[digesterKey] = digester
        return digester
    }
}
