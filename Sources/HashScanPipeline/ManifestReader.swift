import Foundation
import HashScanCore
import HashScanLists

/// Reads a scan manifest, JSON Lines or CSV, one file at a time (a manifest of millions of lines costs the
/// memory of one): each entry names a `path` and optionally a `locator` and other fields to carry through.
/// Format by content: a first non-blank character `{` means JSON Lines, anything else CSV with a header.
package struct ManifestReader {
    package enum Entry {
        case file(RawPath, FileContext)
        /// A line that could not be used: reported as an error record named `manifest:line`.
        case malformed(line: Int, reason: String)
    }

    package let path: String

    package init(path: String) { self.path = path }

    /// A line longer than this is a malformed entry (and costs no more memory than this).
    package static let maxLineBytes = LineReader.defaultMaxLineBytes

    /// Calls `body` for each entry; stops early (returning false) when `body` does. Throws if the manifest cannot be read.
    package func forEach(_ body: (Entry) -> Bool) throws -> Bool {
        let lines: LineReader
        do {
            lines = try LineReader(path: path, maxLineBytes: Self.maxLineBytes)
        } catch {
            throw ScanError(.notFound, "\(path): cannot open the manifest")
        }
        var format: Format? = nil
        var header: [String] = []
        var splitter = CSVRecordSplitter()
        while true {
            let bytes: [UInt8]
            do {
                guard let line = try lines.nextLine() else { break }
                bytes = line
            } catch .lineTooLong(let number, let limit, _) {
                guard body(.malformed(line: number, reason: "a line longer than \(limit) bytes")) else { return false }
                continue
            } catch {
                throw ScanError(.io, "\(path):\(lines.lineNumber + 1): cannot read the manifest: \(error.reason)")
            }
            let number = lines.lineNumber
            guard let text = String(validating: bytes, as: UTF8.self) else {
                guard body(.malformed(line: number, reason: "not valid UTF-8")) else { return false }
                continue
            }
            let line = number == 1 && text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
            if format == nil {
                if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                format = line.trimmingCharacters(in: .whitespaces).hasPrefix("{") ? .jsonLines : .csv
                if format == .csv {
                    guard case .record(let names, _) = splitter.feed(Substring(line), number: number) else {
                        throw ScanError(.io, "\(path):\(number): unreadable CSV header")
                    }
                    header = names.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                    guard header.contains("path") else { throw ScanError(.io, "\(path): the CSV header has no 'path' column") }
                    continue
                }
            }
            let entry: Entry?
            switch format! {
            case .jsonLines: entry = Self.jsonEntry(line, number: number)
            case .csv:
                switch splitter.feed(Substring(line), number: number) {
                case .pending: entry = nil
                case .malformed(let reason, let start): entry = .malformed(line: start, reason: reason)
                case .record(let fields, let start): entry = Self.csvEntry(fields, header: header, number: start)
                }
            }
            if let entry, !body(entry) { return false }
        }
        if case .malformed(let reason, let start)? = splitter.finish() { return body(.malformed(line: start, reason: reason)) }
        return true
    }

    private enum Format { case jsonLines, csv }

    static func jsonEntry(_ line: String, number: Int) -> Entry? {
        if line.trimmingCharacters(in: .whitespaces).isEmpty { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            return .malformed(line: number, reason: "not a JSON object")
        }
        let path: RawPath
        if let encoded = object["path_base64"] as? String, let bytes = Data(base64Encoded: encoded) {
            path = RawPath(bytes: Array(bytes))
        } else if let text = object["path"] as? String, !text.isEmpty {
            path = RawPath(text)
        } else {
            return .malformed(line: number, reason: "no 'path' string")
        }
        var context = FileContext(locator: object["locator"].map { ($0 as? String) ?? "\($0)" })
        for name in object.keys.sorted() where !["path", "path_base64", "locator"].contains(name) {
            guard let value = object[name],
                  let json = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys, .withoutEscapingSlashes])
            else { continue }
            context.extras.append((name, String(decoding: json, as: UTF8.self)))
        }
        return .file(path, context)
    }

    static func csvEntry(_ fields: [String], header: [String], number: Int) -> Entry {
        guard fields.count == header.count else {
            return .malformed(line: number, reason: "\(fields.count) fields where the header has \(header.count)")
        }
        var path: String? = nil
        var context = FileContext()
        for (name, value) in zip(header, fields) {
            switch name {
            case "path": path = value
            case "locator": context.locator = value.isEmpty ? nil : value
            default:
                // A CSV field is a string: carried into the record as a JSON string, escaped by the one writer.
                var json = JSONLineBuilder()
                json.string(value)
                context.extras.append((name, String(decoding: json.bytes, as: UTF8.self)))
            }
        }
        guard let path, !path.isEmpty else { return .malformed(line: number, reason: "empty path") }
        return .file(RawPath(path), context)
    }
}
