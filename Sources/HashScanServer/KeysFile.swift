import Foundation
import HashScanCore
import HashScanPipeline

/// The keys file: JSON Lines, one key per line, `#` comments and blank lines ignored:
///
///     {"id":"uploader-1","sha256":"<64 hex: SHA-256 of the key>","scopes":["match","hash"],"rate_per_second":50}
///
/// Read strictly: any bad line refuses the whole file (a key file is never half loaded).
package enum KeysFile {
    package struct ParseError: Error, CustomStringConvertible, Equatable {
        package let line: Int
        package let reason: String
        package var description: String { line > 0 ? "line \(line): \(reason)" : reason }
    }

    /// A keys-file line is a short JSON object; a longer one is refused rather than read whole.
    package static let maxLineBytes = 64 * 1024

    package static func load(path: String) throws -> [APIKey] {
        let reader: LineReader
        do {
            reader = try LineReader(path: path, maxLineBytes: maxLineBytes)
        } catch {
            throw ParseError(line: 0, reason: "cannot read \(path)")
        }
        return try parse(reader, path: path)
    }

    package static func parse(_ text: String) throws(ParseError) -> [APIKey] {
        try parse(LineReader(bytes: Array(text.utf8), maxLineBytes: maxLineBytes), path: nil)
    }

    /// Every key of the file, line by line (LF or CRLF line ends); `path` names it when a read fails.
    private static func parse(_ reader: LineReader, path: String?) throws(ParseError) -> [APIKey] {
        var keys: [APIKey] = []
        var ids = Set<String>()
        while true {
            let bytes: [UInt8]
            do {
                guard let next = try reader.nextLine() else { break }
                bytes = next
            } catch .lineTooLong(let number, let limit, _) {
                throw ParseError(line: number, reason: "a line longer than \(limit) bytes")
            } catch {
                throw ParseError(line: 0, reason: "cannot read \(path ?? "the keys file"): \(error.reason)")
            }
            let lineNumber = reader.lineNumber
            let line = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let key = try parseLine(line, number: lineNumber)
            guard ids.insert(key.id).inserted else { throw ParseError(line: lineNumber, reason: "duplicate id '\(key.id)'") }
            keys.append(key)
        }
        guard !keys.isEmpty else { throw ParseError(line: 0, reason: "no key in the keys file") }
        return keys
    }

    private static func parseLine(_ line: String, number: Int) throws(ParseError) -> APIKey {
        func fail(_ reason: String) -> ParseError { ParseError(line: number, reason: reason) }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
            throw fail("not a JSON object")
        }
        let known: Set<String> = ["id", "sha256", "scopes", "rate_per_second"]
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) { throw fail("unknown field '\(unknown)'") }
        guard let id = object["id"] as? String, !id.isEmpty, id.utf8.count <= 128 else { throw fail("'id' must be a non-empty string") }
        guard let hex = object["sha256"] as? String, hex.utf8.count == 64, let digest = Digest(hex: hex) else {
            throw fail("'sha256' must be 64 hex digits (the SHA-256 of the key)")
        }
        guard let names = object["scopes"] as? [String], !names.isEmpty else {
            throw fail("'scopes' must be a non-empty array of \(Scope.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var scopes = Set<Scope>()
        for name in names {
            guard let scope = Scope(rawValue: name) else { throw fail("unknown scope '\(name)'") }
            scopes.insert(scope)
        }
        var rate: Double? = nil
        if let value = object["rate_per_second"] {
            // JSONSerialization gives numbers and booleans as NSNumber, and `is Bool` holds for the numbers 0 and 1
            // too: a JSON boolean is told apart by its class.
            guard let number = value as? NSNumber, type(of: value) != type(of: NSNumber(value: true)),
                  number.doubleValue > 0, number.doubleValue.isFinite else {
                throw fail("'rate_per_second' must be a positive number")
            }
            rate = number.doubleValue
        }
        return APIKey(id: id, sha256: digest.bytes, scopes: scopes, ratePerSecond: rate)
    }

    /// The keys-file line for a key (no newline): a whole rate is written as an integer.
    package static func line(for key: APIKey) -> String {
        var json = JSONLineBuilder()
        json.beginObject()
        json.field("id", key.id)
        json.field("sha256", Hex.encode(key.sha256))
        json.key("scopes")
        json.strings(key.scopes.sorted().map(\.rawValue))
        if let rate = key.ratePerSecond {
            json.key("rate_per_second")
            if rate == rate.rounded(), abs(rate) < 1e15 { json.number(Int(rate)) } else { json.double(rate, decimals: nil) }
        }
        json.endObject()
        return String(decoding: json.bytes, as: UTF8.self)
    }
}
