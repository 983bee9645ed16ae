import Foundation
import HashScanCore
import HashScanPipeline
@testable import HashScanPostgres
import Testing

/// The JSON the queue writes without a server: batch entries (`BatchEntry.encode`) and `status --json`
/// (`QueueStatus.json`), parsed with JSONSerialization, values and types checked.
@Suite("Queue JSON: batch entries and status")
struct QueueJSONTests {
    static let tricky = "q\"b\\c\nd\te\u{01} é ☃"

    private func parse(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
    }

    @Test("a file entry: path, follow, locator and the manifest's fields (JSON as given) read back the same")
    func fileEntry() throws {
        let context = FileContext(locator: Self.tricky, extras: [("a\"k", "\"v\\\\\\\"é\""), ("n", "0"), ("one", "1"), ("t", "true")])
        let text = BatchEntry.encode(.file(RawPath("in/" + Self.tricky), followFinalLink: true, context: context))
        #expect(!text.contains("\n"))
        let object = try parse(text)
        #expect(object["path"] as? String == "in/" + Self.tricky)
        #expect(object["path_base64"] == nil && object["error"] == nil)
        #expect(isBoolean(object["follow"]) && object["follow"] as? Bool == true)
        #expect(object["locator"] as? String == Self.tricky)
        let extra = try #require(object["extra"] as? [String: Any])
        #expect(extra["a\"k"] as? String == "v\\\"é")
        #expect(!isBoolean(extra["n"]) && extra["n"] as? Int == 0)
        #expect(!isBoolean(extra["one"]) && extra["one"] as? Int == 1)
        #expect(isBoolean(extra["t"]))
        guard case .file(let path, let follow, let decoded) = BatchEntry.decode(text) else {
            Issue.record("not decoded as a file: \(text)")
            return
        }
        #expect(path == RawPath("in/" + Self.tricky) && follow)
        #expect(decoded == context)
    }

    @Test("a path that is not UTF-8 travels as path_base64; a plain file has no follow, locator or extra")
    func binaryPath() throws {
        let raw = RawPath(bytes: Array("in/caf".utf8) + [0xE9, 0xFF])
        let text = BatchEntry.encode(.file(raw, followFinalLink: false, context: nil))
        let object = try parse(text)
        #expect(Set(object.keys) == ["path", "path_base64"])
        #expect(object["path_base64"] as? String == Data(raw.bytes).base64EncodedString())
        guard case .file(let path, let follow, let context) = BatchEntry.decode(text) else {
            Issue.record("not decoded as a file: \(text)")
            return
        }
        #expect(path == raw && !follow && context == nil)
    }

    @Test("a failed entry carries its error's code and message")
    func failedEntry() throws {
        let error = ScanError(.invalidManifest, "line 3: \"bad\"\\ é\n")
        let text = BatchEntry.encode(.failed(RawPath("m.jsonl:3"), error, context: nil))
        let object = try parse(text)
        let stored = try #require(object["error"] as? [String: Any])
        #expect(stored["code"] as? String == "invalid_manifest" && stored["message"] as? String == error.message)
        guard case .failed(let path, let decoded, _) = BatchEntry.decode(text) else {
            Issue.record("not decoded as a failure: \(text)")
            return
        }
        #expect(path == RawPath("m.jsonl:3") && decoded == error)
    }

    @Test("status --json: counts of 0 and 1 are numbers, the scan id and worker escaped, lease seconds to 0.1")
    func statusJSON() throws {
        var status = QueueStatus(scanID: Self.tricky)
        status.pending = 1
        status.files = 1
        status.results = 1
        status.workers = [QueueStatus.Worker(id: Self.tricky, batches: 1, leaseSeconds: 12.345)]
        let text = status.json
        #expect(text.hasSuffix("\n") && text.dropLast().firstIndex(of: "\n") == nil)
        let object = try parse(text)
        #expect(object["type"] as? String == "status" && object["scan_id"] as? String == Self.tricky)
        let batches = try #require(object["batches"] as? [String: Any])
        for (name, value) in ["total": 1, "pending": 1, "claimed": 0, "expired": 0, "done": 0, "failed": 0] {
            #expect(!isBoolean(batches[name]) && batches[name] as? Int == value, "batches.\(name)")
        }
        let files = try #require(object["files"] as? [String: Any])
        #expect(!isBoolean(files["total"]) && files["total"] as? Int == 1 && !isBoolean(files["done"]) && files["done"] as? Int == 0)
        for (name, value) in ["results": 1, "matches": 0, "errors": 0, "takedown_rows": 0] {
            #expect(!isBoolean(object[name]) && object[name] as? Int == value, "\(name)")
        }
        let worker = try #require((object["workers"] as? [[String: Any]])?.first)
        #expect(worker["worker"] as? String == Self.tricky)
        #expect(!isBoolean(worker["batches"]) && worker["batches"] as? Int == 1)
        #expect((worker["lease_seconds"] as? NSNumber)?.doubleValue == 12.3)

        let all = try parse(QueueStatus().json)
        #expect(all["scan_id"] == nil && (all["workers"] as? [Any])?.isEmpty == true)
    }

    /// JSONSerialization hands back numbers and booleans as NSNumber; a boolean is a CFBoolean.
    private func isBoolean(_ value: Any?) -> Bool {
        guard let value else { return false }
        return String(describing: type(of: value)).contains("Boolean") || type(of: value) == Bool.self
    }
}
