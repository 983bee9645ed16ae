import HashScanCore

/// The plain list format: one hex hash per line, `algorithm:` prefix optional, `,entry-id` optional.
///
/// Specified in hashlists/README.md. Without a prefix the algorithm follows from the length:
/// 32 hex digits MD5, 40 SHA-1, 64 SHA-256 (a PDQ hash, also 64 digits, always needs its `pdq:` prefix).
public enum PlainListFormat {
    /// At most this many problems are collected before parsing gives up.
    static let maxProblems = 20

    public static func parse(_ bytes: some Collection<UInt8>, file: String, name: String) throws(ListParseError) -> HashList {
        var entries: [ListEntry] = []
        var problems: [ListParseError.Problem] = []
        var lineNumber = 0
        var truncated = false
        for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            guard let text = String(validating: rawLine, as: UTF8.self) else {
                problems.append(.init(line: lineNumber, reason: "line is not valid UTF-8"))
                if problems.count >= maxProblems { truncated = true; break }
                continue
            }
            var line = lineNumber == 1 && text.hasPrefix("\u{FEFF}") ? Substring(text.dropFirst()) : Substring(text)
            line = line.trimmingASCIIWhitespace
            if line.isEmpty || line.hasPrefix("#") { continue }
            switch parseLine(line) {
            case .success(let parsed):
                entries.append(ListEntry(algorithm: parsed.0, hash: parsed.1, entryID: parsed.2, line: lineNumber))
            case .failure(let failure):
                problems.append(.init(line: lineNumber, reason: failure.reason))
                if problems.count >= maxProblems { truncated = true; break }
            }
        }
        guard problems.isEmpty else { throw ListParseError(file: file, problems: problems, truncated: truncated) }
        return HashList(name: name, entries: entries)
    }

    /// Parses one query hash, `[algorithm:]hex`, with the same rules as a list line.
    public static func parseQuery(_ text: String) throws(ParseFailure) -> (HashAlgorithm, Digest) {
        switch parseLine(Substring(text).trimmingASCIIWhitespace) {
        case .success(let parsed):
            guard parsed.2 == nil else { throw ParseFailure("a query is a hash, without an entry id") }
            return (parsed.0, parsed.1)
        case .failure(let failure):
            throw failure
        }
    }

    /// Parses `[algorithm:]hex[,entry-id]`.
    static func parseLine(_ line: Substring) -> Result<(HashAlgorithm, Digest, String?), ParseFailure> {
        var hashPart = line
        var entryID: String? = nil
        if let comma = line.firstIndex(of: ",") {
            hashPart = line[..<comma].trimmingASCIIWhitespace
            let id = line[line.index(after: comma)...].trimmingASCIIWhitespace
            guard !id.isEmpty else { return .failure(ParseFailure("empty entry id after ','")) }
            entryID = String(id)
        }
        var algorithm: HashAlgorithm? = nil
        if let colon = hashPart.firstIndex(of: ":") {
            let name = hashPart[..<colon].lowercased()
            guard let named = HashAlgorithm(rawValue: name) else {
                return .failure(ParseFailure("unknown algorithm prefix '\(name)'"))
            }
            algorithm = named
            hashPart = hashPart[hashPart.index(after: colon)...].trimmingASCIIWhitespace
        }
        guard hashPart.utf8.allSatisfy({ Hex.nibble($0) != nil }) else {
            return .failure(ParseFailure("'\(hashPart.prefix(80))' is not a hex digest"))
        }
        let length = hashPart.utf8.count
        let resolved: HashAlgorithm
        if let algorithm {
            guard length == algorithm.byteCount * 2 else {
                return .failure(ParseFailure("\(algorithm.rawValue) needs \(algorithm.byteCount * 2) hex digits, found \(length)"))
            }
            resolved = algorithm
        } else {
            switch length {
            case 32: resolved = .md5
            case 40: resolved = .sha1
            case 64: resolved = .sha256
            default:
                return .failure(ParseFailure("cannot infer the algorithm of a \(length)-digit hash; add a prefix such as 'sha256:'"))
            }
        }
        guard let digest = Digest(hex: hashPart) else { return .failure(ParseFailure("'\(hashPart)' is not a hex digest")) }
        return .success((resolved, digest, entryID))
    }
}
