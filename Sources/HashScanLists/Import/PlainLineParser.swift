import HashScanCore

/// The plain format (`[algorithm:]hex[,entry-id]`), line by line, with the grammar of `PlainListFormat`.
struct PlainLineParser: LineRecordParser {
    mutating func parse(line: Substring, number: Int, into collector: inout EntryCollector) throws(ListParseError) {
        let text = line.trimmingASCIIWhitespace
        if text.isEmpty || text.hasPrefix("#") { return }
        collector.counts.records += 1
        switch PlainListFormat.parseLine(text) {
        case .success(let (algorithm, digest, entryID)):
            collector.add(ListEntry(algorithm: algorithm, hash: digest, entryID: entryID, line: number))
        case .failure(let failure):
            try collector.problem(line: number, failure.reason)
        }
    }
}
