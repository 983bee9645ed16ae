import HashScanCore

/// A file for a worker to open, or a problem found before it could be opened.
package enum WorkItem: Sendable {
    /// `followFinalLink`: a path named by the user is followed; one found by walking is not, unless asked.
    case file(RawPath, followFinalLink: Bool, context: FileContext?)
    case failed(RawPath, ScanError, context: FileContext?)
}
