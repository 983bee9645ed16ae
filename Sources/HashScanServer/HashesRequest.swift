import Foundation
import HashScanCore

/// The body of `POST /v1/match/hashes`: one set of hashes, `{"hashes":{…}}`, or a batch,
/// `{"items":[{"id":"…","hashes":{…}}, …]}`. Hex is checked for length and digits; unknown names are refused.
package struct HashesRequest {
    package struct Item {
        package var id: String?
        package var hashes: FileHashes
    }

    package var items: [Item]
    package var isBatch: Bool

    /// Decodes the body with a typed JSON decoder: numbers stay numbers (Foundation's untyped parser on Linux
    /// hands 0 and 1 back as Bools), strings stay strings, and every field is checked by name.
    package static func parse(_ bytes: [UInt8], maxBatch: Int) throws(APIError) -> HashesRequest {
        let decoder = JSONDecoder()
        decoder.userInfo[Body.maxBatchKey] = maxBatch
        do {
            return try decoder.decode(Body.self, from: Data(bytes)).request
        } catch let error as APIError {
            throw error
        } catch {
            throw .badRequest("malformed_json", "the body is not a JSON object of the documented shape")
        }
    }

    /// Any field name, so that unknown fields can be named in the answer.
    private struct Field: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private struct Body: Decodable {
        static let maxBatchKey = CodingUserInfoKey(rawValue: "maxBatch")!
        var request: HashesRequest

        init(from decoder: any Decoder) throws {
            let maxBatch = decoder.userInfo[Self.maxBatchKey] as? Int ?? 1_000
            let object: KeyedDecodingContainer<Field>
            do {
                object = try decoder.container(keyedBy: Field.self)
            } catch {
                throw APIError.badRequest("malformed_json", "the body is not a JSON object")
            }
            if let unknown = object.allKeys.map(\.stringValue).sorted().first(where: { $0 != "hashes" && $0 != "items" }) {
                throw APIError.badRequest("unknown_field", "unknown field '\(unknown)' (expected 'hashes' or 'items')")
            }
            switch (object.contains(Field("hashes")), object.contains(Field("items"))) {
            case (true, false):
                let hashes = try HashesRequest.hashes(in: object, key: Field("hashes"), at: "hashes")
                request = HashesRequest(items: [Item(id: nil, hashes: hashes)], isBatch: false)
            case (false, true):
                guard var array = try? object.nestedUnkeyedContainer(forKey: Field("items")) else {
                    throw APIError.badRequest("malformed_json", "'items' must be an array")
                }
                if let count = array.count {
                    guard count > 0 else { throw APIError.badRequest("no_hashes", "'items' is empty") }
                    guard count <= maxBatch else {
                        throw APIError.badRequest("batch_too_large", "\(count) items; at most \(maxBatch) per request")
                    }
                }
                var parsed: [Item] = []
                while !array.isAtEnd {
                    let index = array.currentIndex
                    guard let item = try? array.nestedContainer(keyedBy: Field.self) else {
                        throw APIError.badRequest("malformed_json", "items[\(index)] is not an object")
                    }
                    if let unknown = item.allKeys.map(\.stringValue).sorted().first(where: { $0 != "hashes" && $0 != "id" }) {
                        throw APIError.badRequest("unknown_field", "items[\(index)]: unknown field '\(unknown)'")
                    }
                    var id: String? = nil
                    if item.contains(Field("id")) {
                        guard let text = try? item.decode(String.self, forKey: Field("id")), text.utf8.count <= 256 else {
                            throw APIError.badRequest("malformed_json", "items[\(index)].id must be a string of at most 256 bytes")
                        }
                        id = text
                    }
                    guard item.contains(Field("hashes")) else {
                        throw APIError.badRequest("no_hashes", "items[\(index)] has no 'hashes'")
                    }
                    parsed.append(Item(id: id, hashes: try HashesRequest.hashes(in: item, key: Field("hashes"), at: "items[\(index)].hashes")))
                }
                request = HashesRequest(items: parsed, isBatch: true)
            default:
                throw APIError.badRequest("malformed_json", "give either 'hashes' (one set) or 'items' (a batch)")
            }
        }
    }

    /// `{"md5":"…","sha256":"…","pdq":"…","pdq_quality":87,"phash":"…"}`. `pdq_quality` is a JSON number with
    /// an integral value 0-100 (90 and 90.0 alike); a string or a Bool is refused.
    private static func hashes(in parent: KeyedDecodingContainer<Field>, key: Field, at location: String) throws -> FileHashes {
        guard let object = try? parent.nestedContainer(keyedBy: Field.self, forKey: key) else {
            throw APIError.badRequest("malformed_json", "\(location) must be an object")
        }
        var hashes = FileHashes()
        for field in object.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
            let name = field.stringValue
            if name == "pdq_quality" {
                guard let number = try? object.decode(Double.self, forKey: field), let quality = Int(exactly: number),
                      (0...100).contains(quality) else {
                    throw APIError.badRequest("bad_quality", "\(location).pdq_quality must be an integer 0-100")
                }
                hashes.pdqQuality = quality
                continue
            }
            guard let algorithm = HashAlgorithm(rawValue: name) else {
                throw APIError.badRequest("unknown_algorithm", "\(location): unknown algorithm '\(name)' (known: \(HashAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")), pdq_quality)")
            }
            guard let hex = try? object.decode(String.self, forKey: field), hex.utf8.count == algorithm.byteCount * 2,
                  let digest = Digest(hex: hex) else {
                throw APIError.badRequest("bad_hash", "\(location).\(name) must be \(algorithm.byteCount * 2) hex digits")
            }
            hashes[algorithm] = digest
        }
        guard !hashes.isEmpty else { throw APIError.badRequest("no_hashes", "\(location) names no hash") }
        if hashes.pdqQuality != nil && hashes[.pdq] == nil {
            throw APIError.badRequest("bad_quality", "\(location).pdq_quality given without a pdq hash")
        }
        return hashes
    }
}
