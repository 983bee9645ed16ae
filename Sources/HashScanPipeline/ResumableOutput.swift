#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HashScanCore

/// Opens the records file of an interrupted scan to go on appending to it: a record cut short by the kill is
/// dropped, and the keys of the match records already in it are returned, so the resumed run does not write
/// them twice (docs/operations.md, "Resuming").
package enum ResumableOutput {
    package struct Opened {
        package var descriptor: Int32
        /// Idempotency keys of the match records already in the file.
        package var writtenKeys: Set<String>
        /// Bytes of a partial last line that were cut off.
        package var truncatedBytes: Int
    }

    /// - Parameter csvKeys: the file is `CSVMatchSink`'s: each row's first cell is a hit key.
    package static func prepare(path: String, csvKeys: Bool = false) throws(ScanError) -> Opened {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ScanError.fromErrno(errno, operation: "open") }
        var keys = Set<String>()
        var lastNewlineEnd: Int64 = 0
        var offset: Int64 = 0
        var line: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { chunk.deallocate() }
        while true {
            let count = read(descriptor, chunk.baseAddress, chunk.count)
            if count < 0 {
                if errno == EINTR { continue }
                let error = ScanError.fromErrno(errno, operation: "read")
                close(descriptor)
                throw error
            }
            if count == 0 { break }
            for byte in chunk[..<count] {
                offset += 1
                if byte == UInt8(ascii: "\n") {
                    if let key = csvKeys ? csvRowKey(line) : matchRecordKey(line) { keys.insert(key) }
                    line.removeAll(keepingCapacity: true)
                    lastNewlineEnd = offset
                } else if line.count < 1 << 20 {
                    // Only the record's head is needed; a line longer than 1 MiB is not ours to parse.
                    line.append(byte)
                }
            }
        }
        let truncated = Int(offset - lastNewlineEnd)
        if truncated > 0, ftruncate(descriptor, off_t(lastNewlineEnd)) != 0 {
            let error = ScanError.fromErrno(errno, operation: "truncate")
            close(descriptor)
            throw error
        }
        lseek(descriptor, 0, SEEK_END)
        return Opened(descriptor: descriptor, writtenKeys: keys, truncatedBytes: truncated)
    }

    private static let matchPrefix = Array(#"{"type":"match""#.utf8)
    private static let keyField = Array(#""idempotency_key":""#.utf8)

    /// The record-level key of a match line. Inside a JSON string every quote is escaped, so the field name
    /// with its quotes can only be the field itself, and the record's key comes before its hits' keys.
    static func matchRecordKey(_ line: [UInt8]) -> String? {
        guard line.starts(with: matchPrefix), let start = firstRange(of: keyField, in: line) else { return nil }
        let keyStart = start + keyField.count
        guard let end = line[keyStart...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return String(decoding: line[keyStart..<end], as: UTF8.self)
    }

    static func csvRowKey(_ line: [UInt8]) -> String? {
        let cell = line.prefix { $0 != UInt8(ascii: ",") }
        guard cell.count == 64 else { return nil }
        return String(decoding: cell, as: UTF8.self)
    }

    private static func firstRange(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var index = 0
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0] && haystack[index..<index + needle.count].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
