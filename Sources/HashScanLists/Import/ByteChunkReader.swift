#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file, or a buffer already in memory, a chunk at a time, so that parsers never hold more than one
/// chunk of the source plus the record they are building.
final class ByteChunkReader {
    static let chunkSize = 256 * 1024
    /// A line longer than this is not a list line (binary data, a minified JSON given as a line format).
    static let maxLineBytes = 16 * 1024 * 1024

    let file: String
    private var descriptor: Int32
    private var buffer: [UInt8]
    private var position = 0
    private var end: Int
    private var atEOF: Bool

    /// Opens `path` for reading; throws a one-problem `ListParseError` (line 0) when it cannot.
    init(path: String) throws(ListParseError) {
        file = path
        descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw ListParseError(file: path, problems: [.init(line: 0, reason: "cannot open: \(Self.errorText())")])
        }
        buffer = [UInt8](repeating: 0, count: Self.chunkSize)
        end = 0
        atEOF = false
    }

    /// Reads from memory (tests, data already fetched).
    init(bytes: [UInt8], file: String) {
        self.file = file
        descriptor = -1
        buffer = bytes
        end = bytes.count
        atEOF = true
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// The next byte without consuming it; nil at the end.
    @inline(__always)
    func peek() throws(ListParseError) -> UInt8? {
        if position == end, !(try refill()) { return nil }
        return buffer[position]
    }

    /// The next byte; nil at the end.
    @inline(__always)
    func next() throws(ListParseError) -> UInt8? {
        if position == end, !(try refill()) { return nil }
        let byte = buffer[position]
        position += 1
        return byte
    }

    /// Moves over the bytes of a JSON string up to its next quote, backslash or control byte, appending them
    /// to `output` when `keep` is set; returns that byte without consuming it, or nil at the end. Scanning a
    /// whole run at once keeps long strings (comments, base64 hashes) cheap.
    func scanStringRun(into output: inout [UInt8], keep: Bool) throws(ListParseError) -> UInt8? {
        while true {
            if position == end, !(try refill()) { return nil }
            let start = position
            let limit = end
            let stop: Int? = buffer.withUnsafeBufferPointer { bytes in
                var index = start
                while index < limit {
                    let byte = bytes[index]
                    if byte == 0x22 || byte == 0x5C || byte < 0x20 { return index }
                    index += 1
                }
                return nil
            }
            let runEnd = stop ?? limit
            if keep { output.append(contentsOf: buffer[start..<runEnd]) }
            position = runEnd
            if let stop { return buffer[stop] }
        }
    }

    /// The next line without its `\n` (a trailing `\r` is kept for the caller); nil at the end.
    func nextLine() throws(ListParseError) -> [UInt8]? {
        var line: [UInt8] = []
        while true {
            if position == end, !(try refill()) {
                return line.isEmpty ? nil : line
            }
            if let newline = buffer[position..<end].firstIndex(of: UInt8(ascii: "\n")) {
                line.append(contentsOf: buffer[position..<newline])
                position = newline + 1
                return line
            }
            line.append(contentsOf: buffer[position..<end])
            position = end
            if line.count > Self.maxLineBytes {
                throw ListParseError(file: file, problems: [.init(line: 0, reason: "a line longer than \(Self.maxLineBytes) bytes: not a list in a line format")])
            }
        }
    }

    /// Up to `count` bytes from the start of the source (for format detection); consumes them.
    func prefix(_ count: Int) throws(ListParseError) -> [UInt8] {
        var result: [UInt8] = []
        while result.count < count {
            if position == end, !(try refill()) { break }
            let take = min(count - result.count, end - position)
            result.append(contentsOf: buffer[position..<position + take])
            position += take
        }
        return result
    }

    private func refill() throws(ListParseError) -> Bool {
        if atEOF { return false }
        while true {
            let got = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if got > 0 {
                position = 0
                end = got
                return true
            }
            if got == 0 {
                atEOF = true
                return false
            }
            if errno == EINTR { continue }
            throw ListParseError(file: file, problems: [.init(line: 0, reason: "read failed: \(Self.errorText())")])
        }
    }

    private static func errorText() -> String {
        String(cString: strerror(errno))
    }
}
