/// The result of importing one list file: entries in the canonical model with tombstones already applied.
public struct ImportedList: Sendable {
    public var name: String
    /// The list's own version when the format carries one (NSRL `VERSION`, NCMEC `maxTimestamp`).
    public var version: String?
    public var format: ListFormat
    /// The file the entries came from, as given.
    public var source: String
    public var entries: [ListEntry]
    /// Malformed records that were skipped (non-strict mode), each with its line or record index.
    public var problems: [ListParseError.Problem]
    /// True when more problems existed than `problems` keeps (`counts.malformed` has the total).
    public var problemsTruncated: Bool
    /// Observations that are not errors but change what the list means (an unread next page, ignored columns...).
    public var notes: [String]
    public var counts: ImportCounts
    /// The hashes and entry ids the file withdraws (tombstones, re-sent entries), for earlier files of the same
    /// list: see `merging(_:)`.
    public var withdrawals: ListWithdrawals

    public init(
        name: String, version: String?, format: ListFormat, source: String, entries: [ListEntry],
        problems: [ListParseError.Problem], problemsTruncated: Bool, notes: [String], counts: ImportCounts,
        withdrawals: ListWithdrawals = ListWithdrawals()
    ) {
        self.name = name
        self.version = version
        self.format = format
        self.source = source
        self.entries = entries
        self.problems = problems
        self.problemsTruncated = problemsTruncated
        self.notes = notes
        self.counts = counts
        self.withdrawals = withdrawals
    }

    /// The entries as a matchable list.
    public var hashList: HashList { HashList(name: name, version: version, entries: entries) }

    /// The problems as the error strict mode would have thrown, or nil when there were none.
    public var parseError: ListParseError? {
        problems.isEmpty ? nil : ListParseError(file: source, problems: problems, truncated: problemsTruncated)
    }
}
