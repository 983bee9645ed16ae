import HashScanCore

/// md5sum / sha1sum / sha256sum output: GNU `hex  name` (text mode), `hex *name` (binary mode), the
/// GNU escaped form (`\hex  name` with `\\` and `\n` in the name), and BSD/`--tag` `MD5 (name) = hex`.
/// The entry id is the file name; the algorithm follows from the hex length (GNU) or the tag (BSD).
struct ChecksumLineParser: LineRecordParser {
    mutating func parse(line: Substring, number: Int, into collector: inout EntryCollector) throws(ListParseError) {
        if line.trimmingASCIIWhitespace.isEmpty || line.hasPrefix("#") { return }
        collector.counts.records += 1
        switch Self.parse(line) {
        case .success(let (algorithm, digest, name)):
            collector.add(ListEntry(algorithm: algorithm, hash: digest, entryID: name, line: number))
        case .failure(let failure):
            try collector.problem(line: number, failure.reason)
        }
    }

    static func parse(_ line: Substring) -> Result<(HashAlgorithm, Digest, String), ParseFailure> {
        if let bsd = parseBSD(line) { return bsd }
        var rest = line
        let escaped = rest.hasPrefix("\\")
        if escaped { rest = rest.dropFirst() }
        let hex = rest.prefix { $0 != " " }
        guard ImportDigest.isHex(hex) else {
            return .failure(ParseFailure("expected '<hex>  <name>' or 'ALG (name) = <hex>'"))
        }
        guard let algorithm = ImportDigest.inferred(hexDigits: hex.utf8.count) else {
            return .failure(ParseFailure("a \(hex.utf8.count)-digit digest is not MD5, SHA-1 or SHA-256"))
        }
        var after = rest[hex.endIndex...]
        // Exactly one space, then ' ' (text mode) or '*' (binary mode) before the name.
        guard after.hasPrefix(" "), after.count >= 3, [" ", "*"].contains(after.dropFirst().first!) else {
            return .failure(ParseFailure("expected two spaces or ' *' between the digest and the file name"))
        }
        after = after.dropFirst(2)
        let name = escaped ? unescape(after) : String(after)
        return ImportDigest.parse(hex, as: algorithm).map { (algorithm, $0, name) }
    }

    /// `MD5 (name) = hex`, `SHA256 (name) = hex`; the name may itself contain `) = `, so split at the last one.
    private static func parseBSD(_ line: Substring) -> Result<(HashAlgorithm, Digest, String), ParseFailure>? {
        guard let open = line.firstIndex(of: " "), line[line.index(after: open)...].hasPrefix("("),
              let algorithm = ImportDigest.algorithm(named: line[..<open]), algorithm.isCryptographic,
              let close = line.ranges(of: ") = ").last
        else { return nil }
        let name = line[line.index(open, offsetBy: 2)..<close.lowerBound]
        let hex = line[close.upperBound...]
        return ImportDigest.parse(hex, as: algorithm).map { (algorithm, $0, String(name)) }
    }

    private static func unescape(_ text: Substring) -> String {
        var result = ""
        var iterator = text.makeIterator()
        while let character = iterator.next() {
            guard character == "\\", let next = iterator.next() else { result.append(character); continue }
            result.append(next == "n" ? "\n" : next)
        }
        return result
    }
}
