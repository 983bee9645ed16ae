import HashScanCore

/// One reference hash of a list, as imported.
public struct ListEntry: Sendable, Equatable {
    public var algorithm: HashAlgorithm
    public var hash: Digest
    /// The list provider's identifier for the entry; `nil` when the format carries none.
    public var entryID: String?
    /// Where the entry came from in its source file (1-based line), for messages and fallback ids.
    public var line: Int

    public init(algorithm: HashAlgorithm, hash: Digest, entryID: String? = nil, line: Int) {
        self.algorithm = algorithm
        self.hash = hash
        self.entryID = entryID
        self.line = line
    }

    /// The identifier written in match records: the provider's id, else `line:N` of the source file.
    public var reportedID: String { entryID ?? "line:\(line)" }
}
