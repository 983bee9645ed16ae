import HashScanCore

/// A named reference list held in memory.
public struct HashList: Sendable {
    public var name: String
    public var version: String?
    public var entries: [ListEntry]

    public init(name: String, version: String? = nil, entries: [ListEntry]) {
        self.name = name
        self.version = version
        self.entries = entries
    }

    /// The algorithms this list has entries for: what a scan must compute to match against it.
    public var algorithms: Set<HashAlgorithm> { Set(entries.map(\.algorithm)) }

    /// Entry counts per algorithm.
    public var counts: [HashAlgorithm: Int] {
        entries.reduce(into: [:]) { $0[$1.algorithm, default: 0] += 1 }
    }
}
