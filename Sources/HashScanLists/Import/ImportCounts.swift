import HashScanCore

/// What an import read, kept and left out, so that nothing is dropped without a number to show for it.
public struct ImportCounts: Sendable, Equatable {
    /// Source records read: data lines, CSV rows, VICS media, NCMEC entries, NSRL rows.
    public var records = 0
    /// Tombstones read (deletion records).
    public var tombstones = 0
    /// Entries removed again by a later tombstone or by a re-sent (updated) entry with the same id.
    public var removed = 0
    /// Records skipped as malformed; every one is also a problem (the problem list itself may be truncated).
    public var malformed = 0
    /// Records left out by the category policy, by category as written (VICS: `"0"`, `"4"`, ...).
    public var skippedByCategory: [String: Int] = [:]
    /// PDQ hashes left out for a quality below the minimum.
    public var skippedLowQuality = 0
    /// Hashes of types hashscan does not match (PhotoDNA, NetClean, URLs...), by type name.
    public var unsupported: [String: Int] = [:]
    /// Entries in the result, per algorithm.
    public var entries: [HashAlgorithm: Int] = [:]

    public init() {}

    /// Entries in the result.
    public var entryTotal: Int { entries.values.reduce(0, +) }
}
