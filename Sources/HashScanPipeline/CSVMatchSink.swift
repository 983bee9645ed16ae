#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HashScanCore
import HashScanLists

/// Match rows as CSV, one per hit (the hit's idempotency key first, so a resumed run finds the rows it wrote), for the spreadsheets and ticket imports of a review team
/// (docs/output-format.md, "CSV"). Written under the reporter's lock, synced with the JSON output.
public final class CSVMatchSink: @unchecked Sendable {
    static let columns = ["idempotency_key", "scan_id", "path", "locator", "size", "md5", "sha1", "sha256", "pdq", "pdq_quality",
                          "list", "list_version", "entry", "category", "algorithm", "distance", "threshold", "reference"]

    public let path: String
    private let descriptor: Int32
    /// Hit keys already in the file (a resumed scan appends without repeating a row).
    private var written: Set<String>
    private var buffer: [UInt8] = []
    package private(set) var failure: Int32? = nil

    /// Creates or truncates the file, or with `append` (a resumed scan) keeps its whole rows and their keys.
    public init(path: String, append: Bool) throws(ScanError) {
        self.path = path
        if append {
            let opened = try ResumableOutput.prepare(path: path, csvKeys: true)
            descriptor = opened.descriptor
            written = opened.writtenKeys
            if lseek(descriptor, 0, SEEK_END) > 0 { return }
        } else {
            descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw ScanError.fromErrno(errno, operation: "open") }
            written = []
        }
        buffer.append(contentsOf: Array((Self.columns.joined(separator: ",") + "\r\n").utf8))
    }

    deinit { close(descriptor) }

    func add(path: RawPath, file: HashedFile, context: FileContext?, keys: RecordEncoder.MatchKeys) {
        for (hit, key) in zip(file.hits, keys.hits) where !written.contains(key) {
            written.insert(key)
            let hashes = file.hashes
            let cells: [String] = [
                key, keys.scanID, path.string, context?.locator ?? "", String(file.size),
                hashes[.md5]?.hex ?? "", hashes[.sha1]?.hex ?? "", hashes[.sha256]?.hex ?? "", hashes[.pdq]?.hex ?? "",
                hashes.pdqQuality.map(String.init) ?? "", hit.list, hit.listVersion ?? "", hit.entry, hit.category ?? "",
                hit.algorithm.rawValue, String(hit.distance), String(hit.threshold), hit.reference.hex,
            ]
            buffer.append(contentsOf: Array((cells.map(Self.cell).joined(separator: ",") + "\r\n").utf8))
        }
        flush()
    }

    /// RFC 4180 quoting; a cell a spreadsheet would run as a formula (a file name can be anything) is prefixed
    /// with an apostrophe, as OWASP advises for CSV files opened by people.
    static func cell(_ text: String) -> String {
        var value = text
        if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    func flush() {
        guard failure == nil else { buffer.removeAll(); return }
        var offset = 0
        while offset < buffer.count {
            let count = buffer.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if count >= 0 { offset += count } else if errno != EINTR { failure = errno; break }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func sync() {
        flush()
        if failure == nil, fsync(descriptor) != 0 { failure = errno }
    }
}
