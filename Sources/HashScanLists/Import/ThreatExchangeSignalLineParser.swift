import HashScanCore

/// ThreatExchange `local_file` lines: `<signal_type> <signal>` separated by a space, or a bare 64-digit
/// PDQ hash (the collaboration fixes the type). `pdq` gives PDQ entries, `video_md5` MD5 entries and `vpdq` one
/// video's frames (its JSON signal string, `VPDQSignal`); other signal types (url, raw_text...) are counted as
/// unsupported. No entry id: records say `line:N`, and a vPDQ signal's frames are one entry by their line.
struct ThreatExchangeSignalLineParser: LineRecordParser {
    let minimumQuality: Int

    mutating func parse(line: Substring, number: Int, into collector: inout EntryCollector) throws(ListParseError) {
        let text = line.trimmingASCIIWhitespace
        if text.isEmpty || text.hasPrefix("#") { return }
        collector.counts.records += 1
        let type: Substring
        let signal: Substring
        if let space = text.firstIndex(where: { $0 == " " || $0 == "\t" }) {
            type = text[..<space]
            signal = text[space...].trimmingASCIIWhitespace
        } else {
            type = "pdq"
            signal = text
        }
        if type.lowercased() == "vpdq" {
            try VPDQSignal.add(signal, line: number, minimumQuality: minimumQuality, into: &collector)
            return
        }
        guard let algorithm = Self.algorithm(forSignalType: type) else {
            if type.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                collector.counts.unsupported[type.lowercased(), default: 0] += 1
            } else {
                try collector.problem(line: number, "expected '<signal_type> <signal>', e.g. 'pdq <64 hex digits>'")
            }
            return
        }
        switch ImportDigest.parse(signal, as: algorithm) {
        case .success(let digest): collector.add(ListEntry(algorithm: algorithm, hash: digest, line: number))
        case .failure(let failure): try collector.problem(line: number, failure.reason)
        }
    }

    /// The hashscan algorithm for a ThreatExchange signal type name, when hashscan matches that type.
    static func algorithm(forSignalType type: some StringProtocol) -> HashAlgorithm? {
        switch type.lowercased() {
        case "pdq", "hash_pdq": .pdq
        case "video_md5", "hash_video_md5", "md5": .md5
        default: nil
        }
    }
}
