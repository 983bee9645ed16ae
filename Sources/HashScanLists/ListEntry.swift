import HashScanCore

/// One reference hash of a list in the canonical model every import format maps to.
public struct ListEntry: Sendable, Equatable {
    public var algorithm: HashAlgorithm
    public var hash: Digest
    /// The list provider's identifier for the entry; `nil` when the format carries none.
    public var entryID: String?
    /// Where the entry came from in its source: 1-based line, or record index for formats without lines.
    public var line: Int
    /// The provider's classification or category (e.g. an industry A1/B2 grade, a VICS category), as given.
    public var category: String?
    /// Free-form labels or tags from the source.
    public var labels: [String]
    /// Dates as the source wrote them (ISO 8601 where the format uses it).
    public var added: String?
    public var updated: String?
    /// A tombstone: the source withdraws this hash (or this entry id); importing removes the matching entries.
    public var isDeletion: Bool

    public init(
        algorithm: HashAlgorithm, hash: Digest, entryID: String? = nil, line: Int,
        category: String? = nil, labels: [String] = [], added: String? = nil, updated: String? = nil,
        isDeletion: Bool = false
    ) {
        self.algorithm = algorithm
        self.hash = hash
        self.entryID = entryID
        self.line = line
        self.category = category
        self.labels = labels
        self.added = added
        self.updated = updated
        self.isDeletion = isDeletion
    }

    /// The identifier written in match records: the provider's id, else `line:N` of the source file.
    public var reportedID: String { entryID ?? "line:\(line)" }
}
