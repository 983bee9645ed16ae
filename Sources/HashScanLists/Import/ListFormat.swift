/// The list formats `ListImporter` reads; see hashlists/README.md for each one's fields and mapping.
public enum ListFormat: String, Sendable, CaseIterable, Codable {
    /// `[algorithm:]hex[,entry-id]` lines (the project's own format).
    case plain
    /// CSV with a header row naming its columns (`md5`, `sha1`, `sha256`, `pdq`, `id`, `category`, ...).
    case csv
    /// hashdeep / md5deep known-file lists (`%%%% HASHDEEP-1.0`).
    case hashdeep
    /// md5sum / sha1sum / sha256sum output, GNU (`hex  name`, `hex *name`) or BSD (`MD5 (name) = hex`).
    case md5sum
    /// ThreatExchange `local_file` lines: `<signal_type> <signal>`, e.g. `pdq <64 hex>`.
    case threatExchangePDQ
    /// The reference PDQ hasher's output: `hash,quality,filename` (or its `--details` form).
    case pdqHasherOutput
    /// The vPDQ reference's frames of one video: `frame,quality,pdqHex,timestamp` (ThreatExchange `vpdq/sample-hashes`).
    case vpdqFrames
    /// hashscan's own records (`hash`/`scan` JSON Lines): one entry per hash, the id the record's locator or path.
    case hashscanRecords
    /// `threatexchange dataset --csv`: `signal_type,signal_str,collab,category,tags`.
    case threatExchangeDataset
    /// Project VIC / VICS JSON (data model 1.x and 2.0), stream-parsed.
    case vicsJSON
    /// NCMEC hash-sharing API v2 `queryResult` XML.
    case ncmecXML
    /// NIST NSRL RDS v3 SQLite database (known-good files).
    case nsrl
}
