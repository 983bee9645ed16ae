import Foundation
import HashScanCore

/// The body of `POST /v1/match/hashes`: one set of hashes, `{"hashes":{…}}`, or a batch,
/// `{"items":[{"id":"…","hashes":{…}}, …]}`. Hex is checked for length and digits; unknown names are refused.
struct HashesRequest {
    struct Item {
        var id: String?
        var hashes: FileHashes
    }

    var items: [Item]
    var isBatch: Bool

    static func parse(_ bytes: [UInt8], maxBatch: Int) throws(APIError) -> HashesRequest {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
            throw .badRequest("malformed_json", "the body is not a JSON object")
        }
        if let unknown = object.keys.sorted().first(where: { $0 != "hashes" && $0 != "items" }) {
            throw .badRequest("unknown_field", "unknown field '\(unknown)' (expected 'hashes' or 'items')")
        }
        switch (object["hashes"], object["items"]) {
        case (let hashes?, nil):
            return HashesRequest(items: [Item(id: nil, hashes: try parseHashes(hashes, at: "hashes"))], isBatch: false)
        case (nil, let items?):
            guard let array = items as? [Any] else { throw .badRequest("malformed_json", "'items' must be an array") }
            guard !array.isEmpty else { throw .badRequest("no_hashes", "'items' is empty") }
            guard array.count <= maxBatch else {
                throw .badRequest("batch_too_large", "\(array.count) items; at most \(maxBatch) per request")
            }
            var parsed: [Item] = []
            parsed.reserveCapacity(array.count)
            for (index, element) in array.enumerated() {
                guard let item = element as? [String: Any] else { throw .badRequest("malformed_json", "items[\(index)] is not an object") }
                if let unknown = item.keys.sorted().first(where: { $0 != "hashes" && $0 != "id" }) {
                    throw .badRequest("unknown_field", "items[\(index)]: unknown field '\(unknown)'")
                }
                var id: String? = nil
                if let value = item["id"] {
                    guard let text = value as? String, text.utf8.count <= 256 else {
                        throw .badRequest("malformed_json", "items[\(index)].id must be a string of at most 256 bytes")
                    }
                    id = text
                }
                guard let hashes = item["hashes"] else { throw .badRequest("no_hashes", "items[\(index)] has no 'hashes'") }
                parsed.append(Item(id: id, hashes: try parseHashes(hashes, at: "items[\(index)].hashes")))
            }
            return HashesRequest(items: parsed, isBatch: true)
        default:
            throw .badRequest("malformed_json", "give either 'hashes' (one set) or 'items' (a batch)")
        }
    }

    /// `{"md5":"…","sha256":"…","pdq":"…","pdq_quality":87,"phash":"…"}`.
    static func parseHashes(_ value: Any, at location: String) throws(APIError) -> FileHashes {
        guard let object = value as? [String: Any] else { throw .badRequest("malformed_json", "\(location) must be an object") }
        var hashes = FileHashes()
        for (name, value) in object.sorted(by: { $0.key < $1.key }) {
            if name == "pdq_quality" {
                guard let number = value as? NSNumber, !(value is Bool), let quality = Int(exactly: number.doubleValue),
                      (0...100).contains(quality) else {
                    throw .badRequest("bad_quality", "\(location).pdq_quality must be an integer 0-100")
                }
                hashes.pdqQuality = quality
                continue
            }
            guard let algorithm = HashAlgorithm(rawValue: name) else {
                throw .badRequest("unknown_algorithm", "\(location): unknown algorithm '\(name)' (known: \(HashAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")), pdq_quality)")
            }
            guard let hex = value as? String, hex.utf8.count == algorithm.byteCount * 2, let digest = Digest(hex: hex) else {
                throw .badRequest("bad_hash", "\(location).\(name) must be \(algorithm.byteCount * 2) hex digits")
            }
            hashes[algorithm] = digest
        }
        guard !hashes.isEmpty else { throw .badRequest("no_hashes", "\(location) names no hash") }
        if hashes.pdqQuality != nil && hashes[.pdq] == nil {
            throw .badRequest("bad_quality", "\(location).pdq_quality given without a pdq hash")
        }
        return hashes
    }
}
