import HashScanCore

/// What a source withdraws: hashes (a tombstone for one algorithm and digest) and entry ids (a deletion, or an
/// update that re-sends the entry). Within one file the importer applies them itself; across files (the daily
/// NCMEC deltas of one list, or the pages of one result, in the order fetched) `ImportedList.merging` applies
/// each file's withdrawals to the files before it.
public struct ListWithdrawals: Sendable, Equatable {
    public struct HashKey: Hashable, Sendable {
        public let algorithm: HashAlgorithm
        public let hash: Digest
        public init(algorithm: HashAlgorithm, hash: Digest) {
            self.algorithm = algorithm
            self.hash = hash
        }
    }

    public var hashes: Set<HashKey> = []
    public var entryIDs: Set<String> = []

    public init(hashes: Set<HashKey> = [], entryIDs: Set<String> = []) {
        self.hashes = hashes
        self.entryIDs = entryIDs
    }

    public var isEmpty: Bool { hashes.isEmpty && entryIDs.isEmpty }

    /// Whether an entry of an earlier file is withdrawn.
    public func withdraws(_ entry: ListEntry) -> Bool {
        if let id = entry.entryID, entryIDs.contains(id) { return true }
        return hashes.contains(HashKey(algorithm: entry.algorithm, hash: entry.hash))
    }
}

extension ImportedList {
    /// The entries of `lists` read in order as one list: each list's withdrawals remove the entries of the lists
    /// before it (its own are already applied). `withdrawn` counts the entries removed that way.
    public static func merging(_ lists: [ImportedList]) -> (entries: [ListEntry], withdrawn: Int) {
        var entries: [ListEntry] = []
        var withdrawn = 0
        for list in lists {
            if !list.withdrawals.isEmpty && !entries.isEmpty {
                let before = entries.count
                entries.removeAll { list.withdrawals.withdraws($0) }
                withdrawn += before - entries.count
            }
            entries.append(contentsOf: list.entries)
        }
        return (entries, withdrawn)
    }
}
