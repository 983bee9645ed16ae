import HashScanCore

/// The reference `pdq-photo-hasher` output: `hash,quality,filename`, or with `--details`
/// `hash=<hex>,norm=...,delta=...,quality=<n>,filename=<name>`. Hashes below the minimum quality are left out
/// (counted); the entry id is the file name, and the quality is kept as the label `quality:<n>`.
struct PDQHasherLineParser: LineRecordParser {
    let minimumQuality: Int

    mutating func parse(line: Substring, number: Int, into collector: inout EntryCollector) throws(ListParseError) {
        let text = line.trimmingASCIIWhitespace
        if text.isEmpty || text.hasPrefix("#") { return }
        collector.counts.records += 1
        var hex: Substring?
        var qualityText: Substring?
        var name: Substring?
        if text.hasPrefix("hash=") {
            // key=value pairs; the file name is last and may contain commas.
            var rest = text[...]
            while !rest.isEmpty {
                if rest.hasPrefix("filename=") { name = rest.dropFirst(9); break }
                let pair = rest.prefix { $0 != "," }
                rest = rest[pair.endIndex...].dropFirst()
                guard let equals = pair.firstIndex(of: "=") else { continue }
                switch pair[..<equals] {
                case "hash": hex = pair[pair.index(after: equals)...]
                case "quality": qualityText = pair[pair.index(after: equals)...]
                default: break
                }
            }
        } else {
            let fields = text.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
            if fields.count == 3 { (hex, qualityText, name) = (fields[0], fields[1], fields[2]) }
        }
        guard let hex, let qualityText, let name else {
            try collector.problem(line: number, "expected 'hash,quality,filename'")
            return
        }
        guard let quality = Int(qualityText.trimmingASCIIWhitespace), (0...100).contains(quality) else {
            try collector.problem(line: number, "quality '\(qualityText.prefix(20))' is not a number from 0 to 100")
            return
        }
        switch ImportDigest.parse(hex, as: .pdq) {
        case .success(let digest):
            if quality < minimumQuality {
                collector.counts.skippedLowQuality += 1
                return
            }
            let id = name.trimmingASCIIWhitespace
            collector.add(ListEntry(
                algorithm: .pdq, hash: digest, entryID: id.isEmpty ? nil : String(id), line: number, labels: ["quality:\(quality)"]
            ))
        case .failure(let failure):
            try collector.problem(line: number, failure.reason)
        }
    }
}
