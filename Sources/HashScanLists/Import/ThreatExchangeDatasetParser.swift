import HashScanCore

/// `threatexchange dataset --csv` output: header `signal_type,signal_str,collab,category,tags`, tags
/// space-separated. The category is kept as given, the tags as labels plus `collab:<name>`; a `vpdq` row is one
/// video's frames (`VPDQSignal`); signal types hashscan does not match are counted as unsupported. No entry id:
/// records say `line:N`.
struct ThreatExchangeDatasetParser: LineRecordParser {
    let minimumQuality: Int
    static let header = ["signal_type", "signal_str", "collab", "category", "tags"]

    private var splitter = CSVRecordSplitter()
    private var sawHeader = false

    init(minimumQuality: Int) { self.minimumQuality = minimumQuality }

    mutating func parse(line: Substring, number: Int, into collector: inout EntryCollector) throws(ListParseError) {
        if !splitter.isPending, line.trimmingASCIIWhitespace.isEmpty { return }
        switch splitter.feed(line, number: number) {
        case .pending: return
        case .malformed(let reason, let start):
            collector.counts.records += 1
            try collector.problem(line: start, reason)
        case .record(let fields, let start):
            guard sawHeader else {
                let names = fields.map { $0.trimmingASCIIWhitespace.lowercased() }
                guard Array(names.prefix(2)) == Array(Self.header.prefix(2)) else {
                    throw ListParseError(file: collector.file, problems: [.init(
                        line: start, reason: "expected the header '\(Self.header.joined(separator: ","))'"
                    )])
                }
                sawHeader = true
                return
            }
            collector.counts.records += 1
            try record(fields, line: start, into: &collector)
        }
    }

    mutating func finish(lastLine: Int, into collector: inout EntryCollector) throws(ListParseError) {
        if case .malformed(let reason, let start) = splitter.finish() {
            collector.counts.records += 1
            try collector.problem(line: start, reason)
        }
    }

    private func record(_ fields: [String], line: Int, into collector: inout EntryCollector) throws(ListParseError) {
        guard fields.count == Self.header.count else {
            try collector.problem(line: line, "expected \(Self.header.count) fields, found \(fields.count)")
            return
        }
        let type = fields[0].trimmingASCIIWhitespace
        var labels = fields[4].split(separator: " ").map(String.init)
        let collab = fields[2].trimmingASCIIWhitespace
        if !collab.isEmpty { labels.append("collab:\(collab)") }
        let category = fields[3].trimmingASCIIWhitespace
        if type.lowercased() == "vpdq" {
            try VPDQSignal.add(fields[1], line: line, category: category.isEmpty ? nil : String(category), labels: labels,
                               minimumQuality: minimumQuality, into: &collector)
            return
        }
        guard let algorithm = ThreatExchangeSignalLineParser.algorithm(forSignalType: type) else {
            collector.counts.unsupported[type.lowercased(), default: 0] += 1
            return
        }
        switch ImportDigest.parse(fields[1], as: algorithm) {
        case .success(let digest):
            collector.add(ListEntry(
                algorithm: algorithm, hash: digest, line: line, category: category.isEmpty ? nil : String(category), labels: labels
            ))
        case .failure(let failure):
            try collector.problem(line: line, failure.reason)
        }
    }
}
