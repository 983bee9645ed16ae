import Foundation
import HashScanCore

/// A vPDQ signal as ThreatExchange and HMA serialise one video's frames (python-threatexchange `vpdq_util`): a JSON
/// list of `"pdqHex,quality,timestamp"` strings (the current, compact form), or the older JSON object keyed by frame
/// number, `{"0": {"quality": 100, "hash": "…", "timestamp": 0.0}, …}`. One signal is one video: its frames become
/// `vpdq` entries of one entry; frames below the minimum quality are left out (counted), as the reference's matcher does.
enum VPDQSignal {
    struct Failure: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    struct Frame {
        var hash: Digest
        var quality: Int
        var frame: Int?
    }

    /// The frames of `signal`, or why it is not a vPDQ signal.
    static func frames(_ signal: some StringProtocol) -> Result<[Frame], Failure> {
        guard let json = try? JSONSerialization.jsonObject(with: Data(signal.utf8)) else {
            return .failure(Failure("a vpdq signal is JSON: a list of \"pdq,quality,timestamp\" strings"))
        }
        var frames: [Frame] = []
        if let list = json as? [Any] {
            for (index, item) in list.enumerated() {
                guard let text = item as? String else { return .failure(Failure("vpdq feature \(index + 1) is not a \"pdq,quality,timestamp\" string")) }
                let parts = text.split(separator: ",", omittingEmptySubsequences: false)
                guard parts.count == 3, let quality = Int(parts[1].trimmingASCIIWhitespace), (0...100).contains(quality),
                      Double(parts[2].trimmingASCIIWhitespace) != nil else {
                    return .failure(Failure("vpdq feature \(index + 1) is not \"pdq,quality,timestamp\""))
                }
                switch ImportDigest.parse(parts[0], as: .vpdq) {
                case .success(let digest): frames.append(Frame(hash: digest, quality: quality))
                case .failure(let failure): return .failure(Failure("vpdq feature \(index + 1): \(failure.reason)"))
                }
            }
        } else if let object = json as? [String: Any] {
            for (key, value) in object.sorted(by: { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }) {
                guard let number = Int(key), let feature = value as? [String: Any], let hex = feature["hash"] as? String,
                      let quality = (feature["quality"] as? NSNumber)?.intValue, (0...100).contains(quality) else {
                    return .failure(Failure("vpdq frame '\(key.prefix(20))' is not {\"quality\", \"hash\", \"timestamp\"}"))
                }
                switch ImportDigest.parse(hex, as: .vpdq) {
                case .success(let digest): frames.append(Frame(hash: digest, quality: quality, frame: number))
                case .failure(let failure): return .failure(Failure("vpdq frame \(number): \(failure.reason)"))
                }
            }
        } else {
            return .failure(Failure("a vpdq signal is a JSON list or object"))
        }
        return .success(frames)
    }

    /// Adds the frames of one signal as one entry (`entryID`, or the line when nil), with `labels` and `category`.
    static func add(_ signal: some StringProtocol, line: Int, entryID: String? = nil, category: String? = nil, labels: [String] = [],
                    minimumQuality: Int, into collector: inout EntryCollector) throws(ListParseError) {
        switch frames(signal) {
        case .failure(let failure):
            try collector.problem(line: line, failure.reason)
        case .success(let frames):
            if frames.isEmpty { try collector.problem(line: line, "a vpdq signal with no frame") }
            for frame in frames {
                if frame.quality < minimumQuality {
                    collector.counts.skippedLowQuality += 1
                    continue
                }
                collector.add(ListEntry(algorithm: .vpdq, hash: frame.hash, entryID: entryID, line: line, category: category,
                                        labels: labels + (frame.frame.map { ["frame:\($0)"] } ?? [])))
            }
        }
    }
}
