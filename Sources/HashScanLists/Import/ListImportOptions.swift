import HashScanCore

/// How `ListImporter` reads a list.
public struct ListImportOptions: Sendable {
    /// The format, or nil to detect it from the content.
    public var format: ListFormat?
    /// Strict: any malformed record makes the import throw `ListParseError` (after at most `strictProblemLimit`
    /// problems have been collected). Non-strict: malformed records are skipped and listed in `problems`.
    public var strict: Bool
    /// The list's name in match records; nil: the file name without its extension.
    public var name: String?
    public var vicsCategories: VICSCategoryPolicy
    /// PDQ hashes below this quality are left out (ThreatExchange recommends discarding 49 and below).
    public var minimumPDQQuality: Int
    /// Which NSRL digests become entries. SHA-256 alone keeps a known-good list a third of the size.
    public var nsrlAlgorithms: Set<HashAlgorithm>
    /// Strict mode stops at this many problems and throws them together.
    public var strictProblemLimit: Int
    /// Non-strict mode keeps the details of at most this many problems (all are counted).
    public var reportedProblemLimit: Int

    public init(
        format: ListFormat? = nil, strict: Bool = false, name: String? = nil,
        vicsCategories: VICSCategoryPolicy = .usIllegal, minimumPDQQuality: Int = 50,
        nsrlAlgorithms: Set<HashAlgorithm> = [.sha256], strictProblemLimit: Int = 20, reportedProblemLimit: Int = 1000
    ) {
        self.format = format
        self.strict = strict
        self.name = name
        self.vicsCategories = vicsCategories
        self.minimumPDQQuality = minimumPDQQuality
        self.nsrlAlgorithms = nsrlAlgorithms
        self.strictProblemLimit = strictProblemLimit
        self.reportedProblemLimit = reportedProblemLimit
    }
}
