import HashScanCore

/// Hash-type names and hex parsing shared by the importers.
enum ImportDigest {
    /// The algorithm a column, field or signal-type name stands for (`MD5`, `sha-1`, `SHA256`, `pdq`...).
    static func algorithm(named name: some StringProtocol) -> HashAlgorithm? {
        let key = String(name).lowercased().filter { $0 != "-" && $0 != "_" && $0 != " " }
        switch key {
        case "md5": return .md5
        case "sha1": return .sha1
        case "sha256", "sha2256": return .sha256
        case "pdq": return .pdq
        case "phash": return .phash
        case "dhash": return .dhash
        case "ahash": return .ahash
        case "vpdq": return .vpdq
        default: return nil
        }
    }

    /// Parses hex of exactly the algorithm's length, any case, surrounding spaces allowed.
    static func parse(_ text: some StringProtocol, as algorithm: HashAlgorithm) -> Result<Digest, ParseFailure> {
        let hex = text.trimmingASCIIWhitespace
        let expected = algorithm.byteCount * 2
        guard hex.utf8.allSatisfy({ Hex.nibble($0) != nil }) else {
            return .failure(ParseFailure("\(algorithm.rawValue) value '\(hex.prefix(80))' is not hex"))
        }
        guard hex.utf8.count == expected, let digest = Digest(hex: hex) else {
            return .failure(ParseFailure("\(algorithm.rawValue) needs \(expected) hex digits, found \(hex.utf8.count)"))
        }
        return .success(digest)
    }

    /// The cryptographic algorithm a bare hex digest of this many digits belongs to (PDQ is never inferred).
    static func inferred(hexDigits: Int) -> HashAlgorithm? {
        switch hexDigits {
        case 32: .md5
        case 40: .sha1
        case 64: .sha256
        default: nil
        }
    }

    /// Whether text is one or more hex digits.
    static func isHex(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { Hex.nibble($0) != nil }
    }

    /// Lenient boolean: JSON booleans arrive as `true`, `"true"`, `"True"`, `1` or `"1"` depending on the writer.
    static func bool(_ text: some StringProtocol) -> Bool? {
        switch text.trimmingASCIIWhitespace.lowercased() {
        case "true", "1", "yes", "y": true
        case "false", "0", "no", "n", "": false
        default: nil
        }
    }
}
