import Foundation
import HashScanCore
import HashScanPipeline

/// One file of a queued batch, stored as a JSON object in the batch's `files` array:
/// `{"path": …, "path_base64": …, "follow": true, "locator": …, "extra": {…}, "error": {"code": …, "message": …}}`.
/// `path_base64` is present (and is the path) when the name is not UTF-8; `error` when the file could not even be
/// listed at enqueue time, so the worker reports it like `scan` would, and every file still gets one result.
package enum BatchEntry {
    package static func encode(_ item: WorkItem) -> String {
        switch item {
        case .file(let path, let follow, let context): encode(path, follow: follow, context: context, error: nil)
        case .failed(let path, let error, let context): encode(path, follow: false, context: context, error: error)
        }
    }

    /// The work item an entry stands for; a damaged entry becomes an error for its path, so it is still reported.
    package static func decode(_ text: String) -> WorkItem {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            return .failed(RawPath(text), ScanError(.invalidManifest, "unreadable queue entry"), context: nil)
        }
        let path: RawPath
        if let encoded = object["path_base64"] as? String, let bytes = Data(base64Encoded: encoded) {
            path = RawPath(bytes: Array(bytes))
        } else if let text = object["path"] as? String {
            path = RawPath(text)
        } else {
            return .failed(RawPath(text), ScanError(.invalidManifest, "queue entry without a path"), context: nil)
        }
        var context: FileContext? = nil
        let locator = object["locator"] as? String
        let extra = object["extra"] as? [String: Any] ?? [:]
        if locator != nil || !extra.isEmpty {
            var fileContext = FileContext(locator: locator)
            for name in extra.keys.sorted() {
                guard let data = try? JSONSerialization.data(withJSONObject: extra[name]!, options: [.fragmentsAllowed, .sortedKeys, .withoutEscapingSlashes])
                else { continue }
                fileContext.extras.append((name, String(decoding: data, as: UTF8.self)))
            }
            context = fileContext
        }
        if let error = object["error"] as? [String: Any] {
            let code = ScanError.Code(rawValue: error["code"] as? String ?? "io")
            return .failed(path, ScanError(code, error["message"] as? String ?? ""), context: context)
        }
        return .file(path, followFinalLink: object["follow"] as? Bool ?? false, context: context)
    }

    private static func encode(_ path: RawPath, follow: Bool, context: FileContext?, error: ScanError?) -> String {
        var json = JSONLineBuilder()
        json.beginObject()
        json.field("path", path.string)
        if !path.isValidUTF8 { json.field("path_base64", Data(path.bytes).base64EncodedString()) }
        if follow { json.field("follow", true) }
        json.field("locator", ifPresent: context?.locator)
        if let extras = context?.extras, !extras.isEmpty {
            // Manifest values are already JSON: carried as they are.
            json.key("extra")
            json.beginObject()
            for (name, value) in extras {
                json.dynamicKey(name)
                json.rawJSON(value)
            }
            json.endObject()
        }
        if let error { RecordEncoder.appendError("error", code: error.code.rawValue, message: error.message, to: &json) }
        json.endObject()
        return String(decoding: json.bytes, as: UTF8.self)
    }
}
