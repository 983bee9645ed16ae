import HashScanCore

/// Where the files of a run come from.
public enum ScanInput: Sendable {
    /// A file or a directory (walked recursively).
    case path(RawPath)
    /// A list of paths on standard input, separated by `separator` (newline, or NUL for `find -print0`).
    case pathsFromStandardInput(separator: UInt8)
    /// A manifest (JSON Lines or CSV) naming files with a locator and fields to carry into their records.
    case manifest(String)
    /// The bytes of standard input itself, hashed as one file named `-`.
    case standardInputContent
}
