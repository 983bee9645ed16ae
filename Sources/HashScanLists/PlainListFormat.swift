import HashScanCore

/// The plain list format: one hex hash per line, `algorithm:` prefix optional, `,entry-id` optional.
///
/// Specified in hashlists/README.md. Without a prefix the algorithm follows from the length:
/// 32 hex digits MD5, 40 SHA-1, 64 SHA-256 (a PDQ hash, also 64 digits, always needs its `pdq:` prefix).
public enum PlainListFormat {
    /// At most this many problems are collected before parsing gives up.
    static let maxProblems = 20

    /// Parses a whole plain list strictly: every malformed line (up to `maxProblems`) is thrown together.
    /// The lines are read and parsed by the importer (`ListImporter`, `PlainLineParser`), with this grammar.
    public static func parse(_ bytes: some Collection<UInt8>, file: String, name: String) throws(ListParseError) -> HashList {
        let options = ListImportOptions(format: .plain, strict: true, name: name, strictProblemLimit: maxProblems)
        return try ListImporter.importList(bytes: Array(bytes), file: file, options: options).hashList
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
            guard let inferred = ImportDigest.inferred(hexDigits: length) else {
                return .failure(ParseFailure("cannot infer the algorithm of a \(length)-digit hash; add a prefix such as 'sha256:'"))
            }
            resolved = inferred
        }
        guard let digest = Digest(hex: hashPart) else { return .failure(ParseFailure("'\(hashPart)' is not a hex digest")) }
        return .success((resolved, digest, entryID))
    }
}
