import Foundation
import HashScanCore

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

    package static func load(path: String) throws -> [APIKey] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ParseError(line: 0, reason: "cannot read \(path)")
        }
        return try parse(String(decoding: data, as: UTF8.self))
    }

    package static func parse(_ text: String) throws(ParseError) -> [APIKey] {
        var keys: [APIKey] = []
        var ids = Set<String>()
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = offset + 1
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
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
            guard let number = value as? NSNumber, !(value is Bool), number.doubleValue > 0, number.doubleValue.isFinite else {
                throw fail("'rate_per_second' must be a positive number")
            }
            rate = number.doubleValue
        }
        return APIKey(id: id, sha256: digest.bytes, scopes: scopes, ratePerSecond: rate)
    }

    /// The keys-file line for a key.
    package static func line(for key: APIKey) -> String {
        var json = "{\"id\":\(quoted(key.id)),\"sha256\":\"\(Hex.encode(key.sha256))\",\"scopes\":["
        json += key.scopes.sorted().map { "\"\($0.rawValue)\"" }.joined(separator: ",") + "]"
        if let rate = key.ratePerSecond {
            json += ",\"rate_per_second\":" + (rate == rate.rounded() ? String(Int(rate)) : String(rate))
        }
        return json + "}"
    }

    private static func quoted(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
        let array = String(decoding: data, as: UTF8.self)
        return String(array.dropFirst().dropLast())
    }
}
