import HashScanCore

/// Entries added and removed between two compiled lists, keyed by (algorithm, hash, entry id).
public struct CompiledListDiff {
    public struct Change: Sendable {
        public let added: Bool
        public let algorithm: HashAlgorithm
        public let hash: Digest
        public let entry: String
    }

    public let changes: [Change]
    public var added: Int { changes.filter(\.added).count }
    public var removed: Int { changes.count - added }

    public init(old: CompiledList, new: CompiledList) {
        struct Key: Hashable {
            let algorithm: HashAlgorithm
            let hash: Digest
            let entry: String
        }
        func keys(_ list: CompiledList) -> Set<Key> {
            var result = Set<Key>()
            for algorithm in list.algorithms {
                list.forEachEntry(algorithm) { hash, record in
                    result.insert(Key(algorithm: algorithm, hash: hash, entry: record.entryID ?? ""))
                }
            }
            return result
        }
        let before = keys(old)
        let after = keys(new)
        let order: (Key, Key) -> Bool = { ($0.algorithm, $0.hash, $0.entry) < ($1.algorithm, $1.hash, $1.entry) }
        changes = after.subtracting(before).sorted(by: order).map { Change(added: true, algorithm: $0.algorithm, hash: $0.hash, entry: $0.entry) }
            + before.subtracting(after).sorted(by: order).map { Change(added: false, algorithm: $0.algorithm, hash: $0.hash, entry: $0.entry) }
    }
}
