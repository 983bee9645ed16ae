/// Tells a list's format from its first bytes: SQLite magic, XML root and namespace, JSON with OData/VICS
/// keys, the hashdeep header, CSV header names, then the shape of the first data line.
public enum ListFormatDetector {
    /// How much of a file detection looks at.
    public static let sniffLength = 64 * 1024

    static let sqliteMagic = Array("SQLite format 3\u{0}".utf8)
    /// ThreatExchange signal type names, for `<signal_type> <signal>` lines.
    static let threatExchangeSignalTypes: Set<String> = [
        "pdq", "video_md5", "vpdq", "url", "raw_text", "trend_query", "text_tlsh", "pdq_ocr", "clip", "photodna", "tmk_pdqf",
    ]

    /// The format of a list starting with `prefix`, or nil when it is none hashscan reads.
    public static func detect(prefix: some Collection<UInt8>) -> ListFormat? {
        let bytes = Array(prefix.prefix(sniffLength))
        if bytes.starts(with: sqliteMagic) { return .nsrl }
        if bytes.contains(0) { return nil }
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let start = text.drop { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        if start.hasPrefix("<") {
            return start.contains("hashsharing") || start.contains("<queryResult") ? .ncmecXML : nil
        }
        // hashscan's records always begin with their type.
        if start.hasPrefix("{\"type\":\"") { return .hashscanRecords }
        if start.hasPrefix("{") || start.hasPrefix("[") {
            let lowered = start.lowercased()
            return lowered.contains("odata") || lowered.contains("\"media\"") || lowered.contains("\"md5\"") ? .vicsJSON : nil
        }
        let lines = text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for rawLine in lines {
            let line = rawLine.trimmingASCIIWhitespaceAndCR
            if line.isEmpty { continue }
            if line.hasPrefix("%%%%") { return .hashdeep }
            if line.hasPrefix("#") { continue }
            return classify(line)
        }
        // Empty, or only comments: an empty plain list.
        return .plain
    }

    /// The format of one data (or header) line.
    static func classify(_ line: Substring) -> ListFormat {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingASCIIWhitespaceAndCR.trimmingCharacters(in: "\"").lowercased()
        }
        if fields.count >= 2, fields[0] == "signal_type", fields[1] == "signal_str" { return .threatExchangeDataset }
        let namesAHashColumn = fields.contains { if case .hash = CSVColumn(header: $0) { true } else { false } }
        let hasHexValue = fields.contains { $0.count >= 16 && ImportDigest.isHex($0) }
        if namesAHashColumn && !hasHexValue { return .csv }
        if line.hasPrefix("hash=") { return .pdqHasherOutput }
        if fields.count == 4, Int(fields[0]) != nil, Int(fields[1]) != nil, fields[2].count == 64, ImportDigest.isHex(fields[2]),
           Double(fields[3]) != nil {
            return .vpdqFrames
        }
        if fields.count >= 3, fields[0].count == 64, ImportDigest.isHex(fields[0]), Int(fields[1]) != nil { return .pdqHasherOutput }
        if let space = line.firstIndex(of: " "), threatExchangeSignalTypes.contains(line[..<space].lowercased()) {
            return .threatExchangePDQ
        }
        if case .success = ChecksumLineParser.parse(line) { return .md5sum }
        return .plain
    }
}

extension Substring {
    fileprivate var trimmingASCIIWhitespaceAndCR: Substring {
        var slice = self
        while let first = slice.first, first == " " || first == "\t" || first == "\r" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" || last == "\r" { slice.removeLast() }
        return slice
    }

    fileprivate func trimmingCharacters(in character: Character) -> Substring {
        var slice = self
        while slice.first == character { slice.removeFirst() }
        while slice.last == character { slice.removeLast() }
        return slice
    }
}
