import HashScanCore

/// hashdeep known-file lists: `%%%% HASHDEEP-1.0`, then `%%%% size,<hash columns>,filename`, `#` comment lines,
/// then one file per line. Values are unquoted; commas beyond the column count belong to the file name.
/// Each supported digest column gives one entry whose id is the file name.
struct HashdeepLineParser: LineRecordParser {
    enum Column {
        case size
        case hash(HashAlgorithm)
        case unsupported(String)
        case filename
    }

    private var sawMagic = false
    private var columns: [Column]? = nil

    mutating func parse(line: Substring, number: Int, into collector: inout EntryCollector) throws(ListParseError) {
        if line.hasPrefix("%%%%") {
            let header = line.dropFirst(4).trimmingASCIIWhitespace
            if header.hasPrefix("HASHDEEP-") {
                sawMagic = true
                columns = nil
            } else {
                try parseColumns(header, number: number, into: &collector)
            }
            return
        }
        if line.trimmingASCIIWhitespace.isEmpty || line.hasPrefix("#") { return }
        collector.counts.records += 1
        guard let columns else {
            try collector.problem(line: number, sawMagic ? "data before the '%%%% size,...,filename' column line" : "not a hashdeep file: no '%%%% HASHDEEP-1.0' line")
            return
        }
        let fields = line.split(separator: ",", maxSplits: columns.count - 1, omittingEmptySubsequences: false)
        guard fields.count == columns.count else {
            try collector.problem(line: number, "expected \(columns.count) comma-separated fields, found \(fields.count)")
            return
        }
        let name = String(fields[fields.count - 1])
        var parsed: [(HashAlgorithm, Digest)] = []
        for (column, field) in zip(columns, fields) {
            switch column {
            case .size:
                guard UInt64(field) != nil else {
                    try collector.problem(line: number, "size '\(field.prefix(40))' is not a whole number")
                    return
                }
            case .hash(let algorithm):
                switch ImportDigest.parse(field, as: algorithm) {
                case .success(let digest): parsed.append((algorithm, digest))
                case .failure(let failure):
                    try collector.problem(line: number, failure.reason)
                    return
                }
            case .unsupported(let type):
                collector.counts.unsupported[type, default: 0] += 1
            case .filename:
                guard !name.isEmpty else {
                    try collector.problem(line: number, "empty file name")
                    return
                }
            }
        }
        for (algorithm, digest) in parsed {
            collector.add(ListEntry(algorithm: algorithm, hash: digest, entryID: name, line: number))
        }
    }

    private mutating func parseColumns(_ header: Substring, number: Int, into collector: inout EntryCollector) throws(ListParseError) {
        let names = header.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingASCIIWhitespace.lowercased() }
        guard names.first == "size", names.last == "filename", names.count >= 3 else {
            columns = nil
            try collector.problem(line: number, "hashdeep column line must start with 'size' and end with 'filename'")
            return
        }
        columns = names.enumerated().map { index, name in
            if index == 0 { return .size }
            if index == names.count - 1 { return .filename }
            if let algorithm = ImportDigest.algorithm(named: name), algorithm.isCryptographic { return .hash(algorithm) }
            return .unsupported(name)
        }
        if !sawMagic { collector.notes.append("hashdeep column line without a '%%%% HASHDEEP-1.0' line before it") }
    }
}
