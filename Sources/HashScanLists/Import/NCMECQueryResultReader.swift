import HashScanCore

/// Reads an NCMEC hash-sharing v2 `queryResult` from `XMLPullParser` events: the file is parsed as a stream, and
/// only the entry being read is held.
///
/// `image`/`video` entries give one entry per `md5`, `sha1` and `pdq` fingerprint, with id
/// `<member id>/<entry id>` (NCMEC keys entries by member and id), category = `classification`, updated =
/// `timestamp`, labels `member:<id>`, `image`/`video` and `feedback:<affirmative|negative>:<type>`. A re-sent
/// entry replaces the earlier one with the same id; `deletedImage`/`deletedVideo` remove it. PhotoDNA, NetClean
/// and large (href) fingerprints are counted as unsupported. Entries and problems carry the line of the entry's
/// start tag.
final class NCMECQueryResultReader {
    struct Pending {
        var media: String
        var deleted: Bool
        var line: Int
        var memberID: String?
        var id: String?
        var timestamp: String?
        var classification: String?
        var fingerprints: [(type: String, value: String)] = []
        var labels: [String] = []
    }

    static let entryElements: Set<String> = ["image", "video", "deletedImage", "deletedVideo"]

    var collector: EntryCollector
    private(set) var maxTimestamp: String?
    private var path: [String] = []
    private var text = ""
    private var pending: Pending?

    init(collector: EntryCollector) {
        self.collector = collector
    }

    func start(_ elementName: String, attributes: [String: String], line: Int) throws {
        path.append(elementName)
        text = ""
        let depth = path.count
        switch depth {
        case 1:
            if elementName != "queryResult" {
                throw SyntaxFailure(line: line, reason: "not an NCMEC hash-sharing query result (root element <\(elementName)>)")
            }
        case 2:
            if elementName == "images" || elementName == "videos", let stamp = attributes["maxTimestamp"] {
                if maxTimestamp.map({ stamp > $0 }) ?? true { maxTimestamp = stamp }
            }
        case 3:
            if path[1] == "images" || path[1] == "videos", Self.entryElements.contains(elementName) {
                let deleted = elementName.hasPrefix("deleted")
                let media = deleted ? String(elementName.dropFirst(7)).lowercased() : elementName
                pending = Pending(media: media, deleted: deleted, line: line)
            }
        case 4:
            if elementName == "member" { pending?.memberID = attributes["id"] }
        case 5:
            if path[3] == "fingerprints", attributes["href"] != nil {
                collector.counts.unsupported[elementName.lowercased(), default: 0] += 1
            }
            if path[3] == "feedback", let type = attributes["type"] {
                let kind = elementName.hasPrefix("negative") ? "negative" : "affirmative"
                pending?.labels.append("feedback:\(kind):\(type.lowercased())")
            }
        default: break
        }
    }

    func characters(_ string: String) {
        text += string
    }

    func end(_ elementName: String) throws(ListParseError) {
        defer { path.removeLast() }
        let depth = path.count
        let value = String(text.trimmingASCIIWhitespace)
        if pending != nil {
            if depth == 4 {
                switch elementName {
                case "id": pending?.id = value
                case "timestamp": pending?.timestamp = value
                case "classification": pending?.classification = value
                default: break
                }
            } else if depth == 5, path[3] == "fingerprints", !value.isEmpty {
                pending?.fingerprints.append((elementName.lowercased(), value))
            } else if depth == 3, let entry = pending {
                pending = nil
                try finish(entry)
            }
        } else if depth == 3, path[1] == "paging", elementName == "next", !value.isEmpty {
            collector.notes.append("this is one page of a larger result; the next page is \(value)")
        }
        text = ""
    }

    private func finish(_ entry: Pending) throws(ListParseError) {
        collector.counts.records += 1
        let kind = entry.deleted ? "deleted \(entry.media)" : entry.media
        guard let id = entry.id, !id.isEmpty else {
            try collector.problem(line: entry.line, "\(kind) without an <id>")
            return
        }
        guard let member = entry.memberID, !member.isEmpty else {
            try collector.problem(line: entry.line, "\(kind) \(id) without a <member id=\"...\">")
            return
        }
        let entryID = "\(member)/\(id)"
        if entry.deleted {
            collector.counts.tombstones += 1
            collector.delete(entryID: entryID)
            return
        }
        var hashes: [(HashAlgorithm, Digest)] = []
        for (type, value) in entry.fingerprints {
            guard let algorithm = Self.algorithm(forFingerprint: type) else {
                collector.counts.unsupported[type, default: 0] += 1
                continue
            }
            switch ImportDigest.parse(value, as: algorithm) {
            case .success(let digest): hashes.append((algorithm, digest))
            case .failure(let failure):
                try collector.problem(line: entry.line, "\(kind) \(entryID): \(type) fingerprint: \(failure.reason)")
                return
            }
        }
        // A re-sent entry is the new state of that entry: it replaces what came before it.
        collector.delete(entryID: entryID)
        let labels = ["member:\(member)", entry.media] + entry.labels
        for (algorithm, digest) in hashes {
            collector.add(ListEntry(
                algorithm: algorithm, hash: digest, entryID: entryID, line: entry.line, category: entry.classification,
                labels: labels, updated: entry.timestamp
            ))
        }
    }

    static func algorithm(forFingerprint type: String) -> HashAlgorithm? {
        switch type {
        case "md5": .md5
        case "sha1": .sha1
        case "pdq": .pdq
        default: nil
        }
    }
}
