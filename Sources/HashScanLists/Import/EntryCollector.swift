import HashScanCore

/// Accumulates entries, tombstones and problems while a format parser runs, then applies the tombstones.
///
/// Tombstones are applied once at the end rather than through an index kept during the import: a deletion
/// remembers how many entries existed when it was read and removes only those, so the common case (no
/// tombstones) costs no memory beyond the entries themselves.
struct EntryCollector {
    typealias HashKey = ListWithdrawals.HashKey

    let file: String
    let strict: Bool
    let strictLimit: Int
    let reportLimit: Int
    private(set) var entries: [ListEntry] = []
    /// For each deleted key, the entry count when its last tombstone was read: entries before it are removed.
    private var deletedHashes: [HashKey: Int] = [:]
    private var deletedIDs: [String: Int] = [:]
    private(set) var problems: [ListParseError.Problem] = []
    private(set) var problemsTruncated = false
    var counts = ImportCounts()
    var notes: [String] = []

    init(file: String, options: ListImportOptions) {
        self.file = file
        strict = options.strict
        strictLimit = max(1, options.strictProblemLimit)
        reportLimit = max(1, options.reportedProblemLimit)
    }

    mutating func add(_ entry: ListEntry) {
        entries.append(entry)
    }

    /// A tombstone for one hash: removes entries read so far with the same algorithm and hash.
    mutating func delete(algorithm: HashAlgorithm, hash: Digest) {
        deletedHashes[HashKey(algorithm: algorithm, hash: hash)] = entries.count
    }

    /// A tombstone for an entry id (or an update that replaces it): removes entries read so far with that id.
    mutating func delete(entryID: String) {
        deletedIDs[entryID] = entries.count
    }

    /// Records a malformed record. Strict mode throws once `strictLimit` problems are collected.
    mutating func problem(line: Int, _ reason: String) throws(ListParseError) {
        counts.malformed += 1
        let limit = strict ? strictLimit : reportLimit
        if problems.count < limit {
            problems.append(ListParseError.Problem(line: line, reason: reason))
        } else {
            problemsTruncated = true
        }
        if strict && problems.count >= strictLimit {
            throw ListParseError(file: file, problems: problems, truncated: problemsTruncated)
        }
    }

    /// Drops every entry (a file whose entries cannot be trusted as a whole), counting them as removed.
    mutating func discardAll() {
        entries.removeAll()
        deletedHashes.removeAll()
        deletedIDs.removeAll()
    }

    /// Applies tombstones and builds the result; strict mode throws if any problem was found.
    mutating func finish(name: String, version: String?, format: ListFormat) throws(ListParseError) -> ImportedList {
        if strict && !problems.isEmpty {
            throw ListParseError(file: file, problems: problems, truncated: problemsTruncated)
        }
        var kept = entries
        if !deletedHashes.isEmpty || !deletedIDs.isEmpty {
            kept.removeAll(keepingCapacity: false)
            for (index, entry) in entries.enumerated() {
                if let before = deletedHashes[HashKey(algorithm: entry.algorithm, hash: entry.hash)], index < before { continue }
                if let id = entry.entryID, let before = deletedIDs[id], index < before { continue }
                kept.append(entry)
            }
            counts.removed += entries.count - kept.count
        }
        entries = []
        counts.entries = kept.reduce(into: [:]) { $0[$1.algorithm, default: 0] += 1 }
        let withdrawals = ListWithdrawals(
            hashes: Set(deletedHashes.keys),
            entryIDs: Set(deletedIDs.keys))
        return ImportedList(
            name: name, version: version, format: format, source: file, entries: kept,
            problems: problems, problemsTruncated: problemsTruncated, notes: notes, counts: counts, withdrawals: withdrawals
        )
    }
}
