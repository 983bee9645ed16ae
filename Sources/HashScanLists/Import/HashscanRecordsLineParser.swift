import Foundation
import HashScanCore

/// hashscan's own JSON Lines records (`hash` and `scan` output): a provider builds a list from files it has already
/// actioned. Every `file`, `match` or `error` record with `hashes` gives one entry per hash, all with the same id:
/// the record's `locator`, else its `path`. PDQ below the minimum quality is left out (counted); vPDQ frames below
/// it too, as the reference's matcher leaves them out. Other records (`summary`, `query`) are skipped.
struct HashscanRecordsLineParser: LineRecordParser {
    let minimumQuality: Int

    mutating func parse(line: Substring, number: Int, into collector: inout EntryCollector) throws(ListParseError) {
        let text = line.trimmingASCIIWhitespace
        if text.isEmpty { return }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
              let type = object["type"] as? String else {
            try collector.problem(line: number, "not a hashscan record (a JSON object with a \"type\")")
            return
        }
        guard ["file", "match", "error"].contains(type), let hashes = object["hashes"] as? [String: Any] else { return }
        collector.counts.records += 1
        guard let id = (object["locator"] as? String) ?? (object["path"] as? String), !id.isEmpty else {
            try collector.problem(line: number, "a record with neither locator nor path")
            return
        }
        for (name, value) in hashes.sorted(by: { $0.key < $1.key }) {
            if name == "vpdq" {
                for frame in value as? [[String: Any]] ?? [] {
                    guard let hex = frame["pdq"] as? String, let quality = (frame["quality"] as? NSNumber)?.intValue,
                          case .success(let digest) = ImportDigest.parse(hex, as: .vpdq) else {
                        try collector.problem(line: number, "a vpdq frame without a valid pdq and quality")
                        continue
                    }
                    if quality < minimumQuality {
                        collector.counts.skippedLowQuality += 1
                        continue
                    }
                    collector.add(ListEntry(algorithm: .vpdq, hash: digest, entryID: id, line: number, labels: frame["frame"].map { ["frame:\($0)"] } ?? []))
                }
                continue
            }
            // Fields beside the hashes (pdq_quality, pdq_convention, pdq_dihedral) are not hashes of their own.
            guard let algorithm = HashAlgorithm(rawValue: name), let hex = value as? String else { continue }
            if algorithm == .pdq, let quality = (hashes["pdq_quality"] as? NSNumber)?.intValue, quality < minimumQuality {
                collector.counts.skippedLowQuality += 1
                continue
            }
            switch ImportDigest.parse(hex, as: algorithm) {
            case .success(let digest): collector.add(ListEntry(algorithm: algorithm, hash: digest, entryID: id, line: number))
            case .failure(let failure): try collector.problem(line: number, failure.reason)
            }
        }
    }
}
