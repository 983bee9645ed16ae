import HashScanCore

/// Project VIC / VICS JSON, stream-parsed: only the current Media object (minus the fields it skips) is in
/// memory, however large the file.
///
/// Reads `odata.metadata` (1.x) or `@odata.context` (2.0) for the profile, then the `value` array, whose
/// elements are either cases with a `Media` array or (bare hash sets) Media records themselves. Each Media
/// gives entries for `MD5`, `SHA1`, `SHA256` and `AlternativeHashes` of a supported type, with id `MediaID`,
/// category `Category` (0 when absent, as some writers omit it), `DateUpdated` as `updated`, and the labels
/// `precategorized`, `suspected`, `distributed` from those flags (booleans or the strings "true"/"false").
/// Entries carry the Media's 1-based index in the file as their record index.
struct VICSJSONImporter {
    /// The Media members the importer reads; all others are skipped without being built.
    static let mediaKeys: [String] = [
        "MD5", "SHA1", "SHA256", "Category", "MediaID", "DateUpdated", "IsPrecategorized", "IsSuspected",
        "IsDistributed", "AlternativeHashes", "PhotoDNA",
    ]

    static func isMediaKey(_ key: String) -> Bool {
        mediaKeys.contains { JSONValue.sameKey($0, key) }
    }

    let policy: VICSCategoryPolicy
    private var profile: VICSProfile?
    private var mediaIndex = 0
    private var skippedForProfile = 0
    private var acceptedMedia = 0

    init(policy: VICSCategoryPolicy) {
        self.policy = policy
    }

    mutating func run(_ reader: ByteChunkReader, into collector: inout EntryCollector) throws(ListParseError) {
        let parser = try JSONPullParser(reader: reader)
        do {
            try document(parser, into: &collector)
        } catch let error as ListParseError {
            throw error
        } catch let failure as SyntaxFailure {
            try collector.problem(line: mediaIndex, "after media record \(mediaIndex), line \(failure.line): \(failure.reason)")
        } catch {
            try collector.problem(line: mediaIndex, "\(error)")
        }
        try applyProfile(into: &collector)
    }

    private mutating func document(_ parser: JSONPullParser, into collector: inout EntryCollector) throws {
        guard try parser.next() == .objectStart else {
            throw SyntaxFailure(line: parser.line, reason: "a VICS file is a JSON object with a 'value' array")
        }
        var sawValue = false
        while let event = try parser.next(), event != .objectEnd {
            guard case .key(let key) = event else { throw SyntaxFailure(line: parser.line, reason: "an object key was expected") }
            switch key.lowercased() {
            case "odata.metadata", "@odata.context":
                let context = try parser.readValue().text ?? ""
                let parsed = VICSProfile(context: context)
                profile = parsed
                collector.notes.append(parsed.description)
            case "value":
                sawValue = true
                try valueArray(parser, into: &collector)
            default:
                try parser.skipValue()
            }
        }
        _ = try parser.next()  // rejects trailing data
        if !sawValue { throw SyntaxFailure(line: parser.line, reason: "no 'value' array") }
    }

    private mutating func valueArray(_ parser: JSONPullParser, into collector: inout EntryCollector) throws {
        guard try parser.next() == .arrayStart else { throw SyntaxFailure(line: parser.line, reason: "'value' is not an array") }
        while let event = try parser.next(), event != .arrayEnd {
            guard event == .objectStart else { throw SyntaxFailure(line: parser.line, reason: "a 'value' element is not an object") }
            try element(parser, into: &collector)
        }
    }

    /// A case (its `Media` array streamed record by record) or a bare Media record.
    private mutating func element(_ parser: JSONPullParser, into collector: inout EntryCollector) throws {
        var members: [(key: String, value: JSONValue)] = []
        var sawMedia = false
        while let event = try parser.next(), event != .objectEnd {
            guard case .key(let key) = event else { throw SyntaxFailure(line: parser.line, reason: "an object key was expected") }
            if JSONValue.sameKey(key, "Media") {
                sawMedia = true
                guard let first = try parser.next() else { break }
                if first == .null { continue }
                guard first == .arrayStart else { throw SyntaxFailure(line: parser.line, reason: "'Media' is not an array") }
                while let item = try parser.next(), item != .arrayEnd {
                    guard item == .objectStart else { throw SyntaxFailure(line: parser.line, reason: "a Media element is not an object") }
                    let media = try parser.readObjectBody(keep: Self.isMediaKey)
                    try self.media(media, into: &collector)
                }
            } else if Self.isMediaKey(key) {
                members.append((key, try parser.readValue()))
            } else {
                try parser.skipValue()
            }
        }
        if !sawMedia {
            try media(.object(members), into: &collector)
        }
    }

    private mutating func media(_ media: JSONValue, into collector: inout EntryCollector) throws(ListParseError) {
        mediaIndex += 1
        collector.counts.records += 1
        let index = mediaIndex
        let category: Int
        switch media["Category"] {
        case nil, .null?: category = 0
        case let value?:
            guard let text = value.text, let number = Int(text.trimmingASCIIWhitespace) else {
                try collector.problem(line: index, "media \(index): Category is not a whole number")
                return
            }
            category = number
        }
        if policy.requiresUSProfile, let profile, !profile.usesUSNumbering {
            skippedForProfile += 1
            return
        }
        guard policy.categories.contains(category) else {
            collector.counts.skippedByCategory[String(category), default: 0] += 1
            return
        }
        var hashes: [(HashAlgorithm, Digest)] = []
        func take(_ algorithm: HashAlgorithm, _ value: JSONValue?, field: String) -> String? {
            guard let value, value != .null else { return nil }
            guard let text = value.text, !text.isEmpty else { return value == .string("") ? nil : "media \(index): \(field) is not a string" }
            switch ImportDigest.parse(text, as: algorithm) {
            case .success(let digest):
                if !hashes.contains(where: { $0.0 == algorithm && $0.1 == digest }) { hashes.append((algorithm, digest)) }
                return nil
            case .failure(let failure):
                return "media \(index): \(field): \(failure.reason)"
            }
        }
        var reason = take(.md5, media["MD5"], field: "MD5")
        if reason == nil { reason = take(.sha1, media["SHA1"], field: "SHA1") }
        if reason == nil { reason = take(.sha256, media["SHA256"], field: "SHA256") }
        if media["PhotoDNA"]?.text?.isEmpty == false { collector.counts.unsupported["photodna", default: 0] += 1 }
        for alternative in media["AlternativeHashes"]?.arrayValue ?? [] where reason == nil {
            let name = alternative["HashName"]?.text ?? ""
            guard let algorithm = ImportDigest.algorithm(named: name) else {
                collector.counts.unsupported[name.lowercased(), default: 0] += 1
                continue
            }
            reason = take(algorithm, alternative["HashValue"], field: "AlternativeHashes \(name)")
        }
        if let reason {
            try collector.problem(line: index, reason)
            return
        }
        guard !hashes.isEmpty else {
            try collector.problem(line: index, "media \(index): no MD5, SHA1 or SHA256")
            return
        }
        var labels: [String] = []
        for (key, label) in [("IsPrecategorized", "precategorized"), ("IsSuspected", "suspected"), ("IsDistributed", "distributed")] {
            if media[key]?.boolValue == true { labels.append(label) }
        }
        acceptedMedia += 1
        let mediaID = media["MediaID"]?.text
        for (algorithm, digest) in hashes {
            collector.add(ListEntry(
                algorithm: algorithm, hash: digest, entryID: mediaID, line: index, category: String(category),
                labels: labels, updated: media["DateUpdated"]?.text
            ))
        }
    }

    /// Category numbers only mean "illegal" in the US numbering: under a policy that requires it, a file in
    /// another (or an unnamed) profile imports nothing, and says so.
    private mutating func applyProfile(into collector: inout EntryCollector) throws(ListParseError) {
        guard policy.requiresUSProfile, !(profile?.usesUSNumbering ?? false) else { return }
        collector.discardAll()
        let named = profile.map { $0.description } ?? "no odata.metadata / @odata.context"
        try collector.problem(
            line: 0,
            "\(named): category numbers are not known to follow the US profile, so no media were imported "
                + "(\(skippedForProfile + acceptedMedia) left out); choose the categories explicitly for this file"
        )
    }
}
