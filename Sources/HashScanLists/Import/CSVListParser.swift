import HashScanCore

/// CSV with a header row. Every non-empty hash column of a row gives one entry carrying the row's id,
/// category, labels (split on `;` or `|`) and dates; a row whose `deleted` column is true is a tombstone
/// for its hashes and its id. Blank lines, and `#` lines before the header, are skipped.
struct CSVListParser: LineRecordParser {
    private var splitter = CSVRecordSplitter()
    private var columns: [CSVColumn]? = nil

    mutating func parse(line: Substring, number: Int, into collector: inout EntryCollector) throws(ListParseError) {
        if !splitter.isPending {
            if line.trimmingASCIIWhitespace.isEmpty { return }
            if columns == nil, line.hasPrefix("#") { return }
        }
        switch splitter.feed(line, number: number) {
        case .pending: return
        case .malformed(let reason, let start):
            if columns != nil { collector.counts.records += 1 }
            try collector.problem(line: start, reason)
        case .record(let fields, let start):
            if let columns {
                collector.counts.records += 1
                try row(fields, columns: columns, line: start, into: &collector)
            } else {
                try header(fields, line: start, into: &collector)
            }
        }
    }

    mutating func finish(lastLine: Int, into collector: inout EntryCollector) throws(ListParseError) {
        if case .malformed(let reason, let start) = splitter.finish() {
            collector.counts.records += 1
            try collector.problem(line: start, reason)
        }
    }

    private mutating func header(_ fields: [String], line: Int, into collector: inout EntryCollector) throws(ListParseError) {
        let parsed = fields.map(CSVColumn.init(header:))
        guard parsed.contains(where: { if case .hash = $0 { true } else { false } }) else {
            throw ListParseError(file: collector.file, problems: [.init(
                line: line, reason: "the CSV header names no hash column (md5, sha1, sha256, pdq...)"
            )])
        }
        let ignored = parsed.compactMap { if case .ignored(let name) = $0 { name } else { nil } }
        if !ignored.isEmpty { collector.notes.append("ignored CSV columns: \(ignored.joined(separator: ", "))") }
        columns = parsed
    }

    private func row(_ fields: [String], columns: [CSVColumn], line: Int, into collector: inout EntryCollector) throws(ListParseError) {
        guard fields.count == columns.count else {
            try collector.problem(line: line, "expected \(columns.count) fields as in the header, found \(fields.count)")
            return
        }
        var hashes: [(HashAlgorithm, Digest)] = []
        var id: String?
        var fileName: String?
        var category: String?
        var labels: [String] = []
        var added: String?
        var updated: String?
        var deleted = false
        for (column, raw) in zip(columns, fields) {
            let value = raw.trimmingASCIIWhitespace
            if value.isEmpty { continue }
            switch column {
            case .hash(let algorithm):
                switch ImportDigest.parse(value, as: algorithm) {
                case .success(let digest): hashes.append((algorithm, digest))
                case .failure(let failure):
                    try collector.problem(line: line, failure.reason)
                    return
                }
            case .entryID: id = String(value)
            case .fileName: fileName = String(value)
            case .category: category = String(value)
            case .labels:
                labels = value.split(whereSeparator: { $0 == ";" || $0 == "|" }).map { String($0.trimmingASCIIWhitespace) }.filter { !$0.isEmpty }
            case .added: added = String(value)
            case .updated: updated = String(value)
            case .deleted:
                guard let flag = ImportDigest.bool(value) else {
                    try collector.problem(line: line, "deleted value '\(value.prefix(20))' is not true or false")
                    return
                }
                deleted = flag
            case .ignored: break
            }
        }
        let entryID = id ?? fileName
        if deleted {
            collector.counts.tombstones += 1
            for (algorithm, digest) in hashes { collector.delete(algorithm: algorithm, hash: digest) }
            if let entryID { collector.delete(entryID: entryID) }
            if hashes.isEmpty && entryID == nil { try collector.problem(line: line, "a deleted row needs a hash or an id") }
            return
        }
        guard !hashes.isEmpty else {
            try collector.problem(line: line, "no hash in this row")
            return
        }
        for (algorithm, digest) in hashes {
            collector.add(ListEntry(
                algorithm: algorithm, hash: digest, entryID: entryID, line: line, category: category,
                labels: labels, added: added, updated: updated
            ))
        }
    }
}
