/// The hash algorithms hashscan computes and matches, by their fixed output names.
public enum HashAlgorithm: String, Sendable, CaseIterable, Codable, Comparable {
    case md5
    case sha1
    case sha256
    case pdq
    case phash
    case dhash
    case ahash
    /// Video: the PDQ hash of sampled frames (`FileHashes.vpdq`); each frame is a 256-bit PDQ hash.
    case vpdq

    /// Cryptographic digests, in the order records list them.
    public static let cryptographic: [HashAlgorithm] = [.md5, .sha1, .sha256]

    /// Digest length in bytes.
    public var byteCount: Int {
        switch self {
        case .md5: 16
        case .sha1: 20
        case .sha256: 32
        case .pdq, .vpdq: 32
        case .phash, .dhash, .ahash: 8
        }
    }

    /// Whether matches are exact byte equality (digests) rather than within a Hamming distance.
    public var isCryptographic: Bool {
        switch self {
        case .md5, .sha1, .sha256: true
        case .pdq, .phash, .dhash, .ahash, .vpdq: false
        }
    }

    /// Parses a comma-separated list such as `md5,sha256`, rejecting unknown names.
    public static func parseList(_ text: String) throws(ParseFailure) -> [HashAlgorithm] {
        var result: [HashAlgorithm] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: true) {
            let name = part.trimmingASCIIWhitespace.lowercased()
            guard let algorithm = HashAlgorithm(rawValue: name) else {
                throw ParseFailure("unknown algorithm '\(name)' (known: \(allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if !result.contains(algorithm) { result.append(algorithm) }
        }
        guard !result.isEmpty else { throw ParseFailure("no algorithm named") }
        return result.sorted()
    }

    public static func < (lhs: HashAlgorithm, rhs: HashAlgorithm) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A parse failure with a human-readable reason; callers add the location.
public struct ParseFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and line ends (Core stays free of Foundation).
    package var trimmingASCIIWhitespace: Substring {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" || first == "\r" || first == "\n" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" || last == "\r" || last == "\n" { slice.removeLast() }
        return slice
    }
}
