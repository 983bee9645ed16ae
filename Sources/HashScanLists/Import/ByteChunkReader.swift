import HashScanCore

/// A list file, or a buffer already in memory, read through the one `LineReader` a chunk at a time, so that
/// parsers never hold more than one chunk of the source plus the record they are building. Adds what the list
/// formats need on top: failures as `ListParseError` naming the file, and scans of byte runs (JSON strings, XML text).
final class ByteChunkReader {
    static let chunkSize = 256 * 1024
    /// A line longer than this is not a list line (binary data, a minified JSON given as a line format).
    static let maxLineBytes = 16 * 1024 * 1024

    let file: String
    private let source: LineReader

    /// Opens `path` for reading; throws a one-problem `ListParseError` (line 0) when it cannot.
    init(path: String) throws(ListParseError) {
        file = path
        do {
            source = try LineReader(path: path, stripsCarriageReturn: false, maxLineBytes: Self.maxLineBytes, chunkSize: Self.chunkSize)
        } catch {
            throw ListParseError(file: path, problems: [.init(line: 0, reason: "cannot open: \(error.reason)")])
        }
    }

    /// Reads from memory (tests, data already fetched).
    init(bytes: [UInt8], file: String) {
        self.file = file
        source = LineReader(bytes: bytes, stripsCarriageReturn: false, maxLineBytes: Self.maxLineBytes)
    }

    /// The next byte without consuming it; nil at the end.
    @inline(__always)
    func peek() throws(ListParseError) -> UInt8? {
        do { return try source.peekByte() } catch { throw failure(error) }
    }

    /// The next byte; nil at the end.
    @inline(__always)
    func next() throws(ListParseError) -> UInt8? {
        do { return try source.nextByte() } catch { throw failure(error) }
    }

    /// Moves over the bytes of a JSON string up to its next quote, backslash or control byte, appending them
    /// to `output` when `keep` is set; returns that byte without consuming it, or nil at the end. Scanning a
    /// whole run at once keeps long strings (comments, base64 hashes) cheap.
    func scanStringRun(into output: inout [UInt8], keep: Bool) throws(ListParseError) -> UInt8? {
        try scanRun(into: &output, keep: keep) { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 }
    }

    /// Moves over bytes up to the next one `stops` at, appending them to `output` when `keep` is set; returns
    /// that byte without consuming it, or nil at the end.
    func scanRun(into output: inout [UInt8], keep: Bool, until stops: (UInt8) -> Bool) throws(ListParseError) -> UInt8? {
        while true {
            let found: UInt8??
            do {
                found = try source.withBufferedBytes { bytes -> (consumed: Int, result: UInt8?) in
                    var index = 0
                    while index < bytes.count {
                        if stops(bytes[index]) { break }
                        index += 1
                    }
                    if keep { output.append(contentsOf: bytes[0..<index]) }
                    return (index, index < bytes.count ? bytes[index] : nil)
                }
            } catch {
                throw failure(error)
            }
            guard let found else { return nil }  // the end of the source
            if let stop = found { return stop }
        }
    }

    /// The next line without its `\n` (a trailing `\r` is kept for the caller, `LineRecordParser`); nil at the end.
    func nextLine() throws(ListParseError) -> [UInt8]? {
        do { return try source.nextLine() } catch { throw failure(error) }
    }

    /// Up to `count` bytes from the start of the source (for format detection); consumes them.
    func prefix(_ count: Int) throws(ListParseError) -> [UInt8] {
        do { return try source.prefix(count) } catch { throw failure(error) }
    }

    private func failure(_ error: LineReader.Failure) -> ListParseError {
        let reason = switch error {
        case .lineTooLong: "a line longer than \(Self.maxLineBytes) bytes: not a list in a line format"
        case .readFailed, .cannotOpen: "read failed: \(error.reason)"
        }
        return ListParseError(file: file, problems: [.init(line: 0, reason: reason)])
    }
}
