import HashScanCore

/// The vPDQ reference's per-frame output (`vpdq/sample-hashes`, `vpdq-hash-video`): `frameNumber,quality,pdqHex,
/// timestamp` lines, one file one video. Every frame becomes a `vpdq` entry of the same id, `entryID` (the file's
/// name without its extension, unless the import names the list); frames below the minimum quality are left out
/// (counted), as the reference's matcher leaves them out.
struct VPDQFramesLineParser: LineRecordParser {
    let entryID: String
    let minimumQuality: Int

    mutating func parse(line: Substring, number: Int, into collector: inout EntryCollector) throws(ListParseError) {
        let text = line.trimmingASCIIWhitespace
        if text.isEmpty || text.hasPrefix("#") { return }
        collector.counts.records += 1
        let fields = text.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count == 4, Int(fields[0].trimmingASCIIWhitespace) != nil, Double(fields[3].trimmingASCIIWhitespace) != nil else {
            try collector.problem(line: number, "expected 'frame,quality,pdq,timestamp'")
            return
        }
        guard let quality = Int(fields[1].trimmingASCIIWhitespace), (0...100).contains(quality) else {
            try collector.problem(line: number, "quality '\(fields[1].prefix(20))' is not a number from 0 to 100")
            return
        }
        switch ImportDigest.parse(fields[2], as: .vpdq) {
        case .success(let digest):
            if quality < minimumQuality {
                collector.counts.skippedLowQuality += 1
                return
            }
            collector.add(ListEntry(algorithm: .vpdq, hash: digest, entryID: entryID, line: number, labels: ["frame:\(fields[0])"]))
        case .failure(let failure):
            try collector.problem(line: number, failure.reason)
        }
    }
}
