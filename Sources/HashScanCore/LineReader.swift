#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one line reader: separator-terminated lines from a file descriptor, read a chunk at a time, or from
/// bytes already in memory. A line costs at most `maxLineBytes` of memory whatever the input: a longer one is
/// an error value (`Failure.lineTooLong`), after which reading goes on with the line after it, so a caller
/// chooses to refuse the whole input or to report that line and carry on.
///
/// - The separator is `\n` by default, or any byte (NUL for `--stdin -0`); it is not part of the line.
/// - A last line without a separator is returned; an input ending in a separator has no empty line after it.
/// - With `stripsCarriageReturn` and the `\n` separator, one `\r` before it is removed (CRLF files).
/// - Lines are numbered from 1 (`lineNumber`), counting empty and over-long lines.
///
/// Also the byte source of the JSON pull parser (`peekByte`, `nextByte`, `prefix`, `withBufferedBytes`), so every
/// list format reads its file through the same buffer. Not thread-safe: one reader, one thread.
package final class LineReader {
    package enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// `open(2)` failed with this errno.
        case cannotOpen(path: String, errno: Int32)
        /// `read(2)` failed with this errno.
        case readFailed(errno: Int32)
        /// Line `line` is longer than `limit` bytes; `head` holds its first `limit` bytes. The rest of the line
        /// is skipped by the next call.
        case lineTooLong(line: Int, limit: Int, head: [UInt8])

        /// The system's text for an open or read failure (`strerror`), or what was wrong with the line.
        package var reason: String {
            switch self {
            case .cannotOpen(_, let code), .readFailed(let code): String(cString: strerror(code))
            case .lineTooLong(_, let limit, _): "a line longer than \(limit) bytes"
            }
        }

        package var description: String {
            switch self {
            case .cannotOpen(let path, _): "\(path): cannot open: \(reason)"
            case .readFailed: "read failed: \(reason)"
            case .lineTooLong(let line, _, _): "line \(line): \(reason)"
            }
        }
    }

    package static let defaultChunkSize = 64 * 1024
    package static let defaultMaxLineBytes = 16 * 1024 * 1024

    package let separator: UInt8
    package let stripsCarriageReturn: Bool
    package let maxLineBytes: Int
    /// The number of the last line returned or refused; 0 before the first.
    package private(set) var lineNumber = 0
    /// Called before each `read(2)`: it may wait for input (poll) and returns false to stop reading, after which
    /// `nextLine` returns nil and `stopped` is true. Nil: read straight away.
    package var waitForInput: (() -> Bool)? = nil
    package private(set) var stopped = false

    private let descriptor: Int32
    private let closesDescriptor: Bool
    @usableFromInline var buffer: [UInt8]
    @usableFromInline var position = 0
    @usableFromInline var end: Int
    private var atEnd: Bool
    /// The rest of an over-long line is still to be skipped.
    private var skippingLine = false

    /// Reads `descriptor`, which stays open unless `closesDescriptor`.
    package init(descriptor: Int32, closesDescriptor: Bool = false, separator: UInt8 = UInt8(ascii: "\n"),
                 stripsCarriageReturn: Bool = true, maxLineBytes: Int = defaultMaxLineBytes, chunkSize: Int = defaultChunkSize) {
        self.descriptor = descriptor
        self.closesDescriptor = closesDescriptor
        self.separator = separator
        self.stripsCarriageReturn = stripsCarriageReturn && separator == UInt8(ascii: "\n")
        self.maxLineBytes = max(1, maxLineBytes)
        buffer = [UInt8](repeating: 0, count: max(1, chunkSize))
        end = 0
        atEnd = false
    }

    /// Opens `path` read-only; the descriptor is closed with the reader.
    package convenience init(path: String, separator: UInt8 = UInt8(ascii: "\n"), stripsCarriageReturn: Bool = true,
                             maxLineBytes: Int = defaultMaxLineBytes, chunkSize: Int = defaultChunkSize) throws(Failure) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .cannotOpen(path: path, errno: errno) }
        self.init(descriptor: descriptor, closesDescriptor: true, separator: separator, stripsCarriageReturn: stripsCarriageReturn,
                  maxLineBytes: maxLineBytes, chunkSize: chunkSize)
    }

    /// Reads bytes already in memory (they are the buffer: nothing is copied).
    package init(bytes: [UInt8], separator: UInt8 = UInt8(ascii: "\n"), stripsCarriageReturn: Bool = true,
                 maxLineBytes: Int = defaultMaxLineBytes) {
        descriptor = -1
        closesDescriptor = false
        self.separator = separator
        self.stripsCarriageReturn = stripsCarriageReturn && separator == UInt8(ascii: "\n")
        self.maxLineBytes = max(1, maxLineBytes)
        buffer = bytes
        end = bytes.count
        atEnd = true
    }

    deinit {
        if closesDescriptor, descriptor >= 0 { close(descriptor) }
    }

    // MARK: Lines

    /// The next line without its separator; nil at the end of the input (or when `waitForInput` stopped it).
    package func nextLine() throws(Failure) -> [UInt8]? {
        if skippingLine {
            guard try skipRestOfLine() else { return nil }
        }
        // A `\r` to strip may take the line one byte over the limit while it is read.
        let held = maxLineBytes + (stripsCarriageReturn ? 1 : 0)
        var line: [UInt8] = []
        while true {
            if position == end {
                guard try refill() else {
                    guard !line.isEmpty, !stopped else { return nil }
                    return try finish(&line)
                }
            }
            let stop = separatorIndex()
            let runEnd = stop ?? end
            if line.count + (runEnd - position) > held {
                let take = max(0, min(maxLineBytes - line.count, runEnd - position))
                line.append(contentsOf: buffer[position..<position + take])
                if let stop { position = stop + 1 } else { position = end; skippingLine = true }
                lineNumber += 1
                throw .lineTooLong(line: lineNumber, limit: maxLineBytes, head: Array(line.prefix(maxLineBytes)))
            }
            line.append(contentsOf: buffer[position..<runEnd])
            if let stop {
                position = stop + 1
                return try finish(&line)
            }
            position = end
        }
    }

    /// Numbers a complete line and removes its `\r`.
    private func finish(_ line: inout [UInt8]) throws(Failure) -> [UInt8] {
        lineNumber += 1
        if stripsCarriageReturn, line.last == UInt8(ascii: "\r") { line.removeLast() }
        guard line.count <= maxLineBytes else {
            throw .lineTooLong(line: lineNumber, limit: maxLineBytes, head: Array(line.prefix(maxLineBytes)))
        }
        return line
    }

    /// The index in `buffer` of the next separator among the buffered bytes, if any.
    private func separatorIndex() -> Int? {
        let start = position, limit = end, wanted = Int32(separator)
        return buffer.withUnsafeBufferPointer { bytes -> Int? in
            guard let base = bytes.baseAddress, let found = memchr(base + start, wanted, limit - start) else { return nil }
            return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
        }
    }

    /// Skips to just after the next separator; false when the input ended first.
    private func skipRestOfLine() throws(Failure) -> Bool {
        while true {
            if position == end, !(try refill()) {
                skippingLine = false
                return false
            }
            if let stop = separatorIndex() {
                position = stop + 1
                skippingLine = false
                return true
            }
            position = end
        }
    }

    // MARK: Bytes

    /// The next byte without consuming it; nil at the end.
    @inlinable
    package func peekByte() throws(Failure) -> UInt8? {
        if position == end, !(try refill()) { return nil }
        return buffer[position]
    }

    /// The next byte; nil at the end.
    @inlinable
    package func nextByte() throws(Failure) -> UInt8? {
        if position == end, !(try refill()) { return nil }
        let byte = buffer[position]
        position += 1
        return byte
    }

    /// Up to `count` bytes from the current position (format detection reads the start of a file); consumes them.
    package func prefix(_ count: Int) throws(Failure) -> [UInt8] {
        var result: [UInt8] = []
        while result.count < count {
            if position == end, !(try refill()) { break }
            let take = min(count - result.count, end - position)
            result.append(contentsOf: buffer[position..<position + take])
            position += take
        }
        return result
    }

    /// Hands `body` the bytes buffered from the current position (refilling first when none are), and consumes as
    /// many as it says; nil at the end. For scanners that look for a stop byte in a run, a chunk at a time.
    package func withBufferedBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> (consumed: Int, result: Result)) throws(Failure) -> Result? {
        if position == end, !(try refill()) { return nil }
        let start = position, limit = end
        let (consumed, result) = buffer.withUnsafeBufferPointer { bytes in
            body(UnsafeBufferPointer(rebasing: bytes[start..<limit]))
        }
        position += min(max(0, consumed), limit - start)
        return result
    }

    /// Reads the next chunk; false at the end of the input.
    @usableFromInline
    func refill() throws(Failure) -> Bool {
        if atEnd || stopped { return false }
        while true {
            if let waitForInput, !waitForInput() {
                stopped = true
                return false
            }
            let got = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if got > 0 {
                position = 0
                end = got
                return true
            }
            if got == 0 {
                atEnd = true
                return false
            }
            let code = errno
            if code == EINTR { continue }
            throw .readFailed(errno: code)
        }
    }
}
