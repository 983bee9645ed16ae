import Foundation
import HashScanCore
import HashScanLists
import Testing

/// `pdq_quality` through the real endpoint: JSON numbers with an integral value 0-100 are accepted (0 and 1 were
/// once taken for Bools by Foundation's untyped parser on Linux), strings, Bools and values out of range are 400s.
@Suite("Request JSON is decoded by type")
struct RequestDecodingTests {
    static let list = makeList("demo", [(.pdq, Repository.sceneAPDQ, "scene-a")])

    @Test("pdq_quality 0, 1, 100 and 90.0 are accepted; \"90\", true, -1, 101, 50.5 and null are refused")
    func pdqQualityIsANumber() async throws {
        let server = try await TestServer.start([Self.list])
        defer { Task { await server.stop() } }
        for (quality, matches) in [("0", false), ("1", false), ("100", true), ("90.0", true), ("50", true), ("49", false)] {
            let answer = try await server.matchHashes(#"{"hashes":{"pdq":"\#(Repository.sceneAPDQ)","pdq_quality":\#(quality)}}"#)
            #expect(answer.status == 200, "pdq_quality \(quality): \(answer.text)")
            // Below the default minimum quality (50) a PDQ hash is not matched; at or above it, the exact hash is.
            #expect(answer.json["match"] as? Bool == matches, "pdq_quality \(quality): \(answer.text)")
            #expect((answer.json["hashes"] as? [String: Any])?["pdq_quality"] as? Int == Int(Double(quality)!), "\(answer.text)")
        }
        for quality in [#""90""#, "true", "false", "-1", "101", "50.5", "null", "[90]", "1e3"] {
            let answer = try await server.matchHashes(#"{"hashes":{"pdq":"\#(Repository.sceneAPDQ)","pdq_quality":\#(quality)}}"#)
            #expect(answer.status == 400, "pdq_quality \(quality): \(answer.text)")
            #expect(answer.errorCode == "bad_quality", "pdq_quality \(quality): \(answer.text)")
        }
        // The same rules inside a batch.
        let batch = try await server.matchHashes(#"{"items":[{"id":"a","hashes":{"pdq":"\#(Repository.sceneAPDQ)","pdq_quality":0}},{"id":"b","hashes":{"pdq":"\#(Repository.sceneAPDQ)","pdq_quality":1}}]}"#)
        #expect(batch.status == 200, "\(batch.text)")
        let refused = try await server.matchHashes(#"{"items":[{"id":"a","hashes":{"pdq":"\#(Repository.sceneAPDQ)","pdq_quality":true}}]}"#)
        #expect(refused.errorCode == "bad_quality", "\(refused.text)")
    }

    @Test("ids must be strings, hashes strings, items objects")
    func fieldsKeepTheirTypes() async throws {
        let server = try await TestServer.start([Self.list])
        defer { Task { await server.stop() } }
        // The MD5 below is an arbitrary well-formed digest: these requests are refused before any lookup.
        let cases: [(String, String)] = [
            (#"{"items":[{"id":7,"hashes":{"md5":"d0581f74e16a1f46b52fb9c2b45ae4b7"}}]}"#, "malformed_json"),
            (#"{"items":[{"id":true,"hashes":{"md5":"d0581f74e16a1f46b52fb9c2b45ae4b7"}}]}"#, "malformed_json"),
            (#"{"items":[1]}"#, "malformed_json"),
            (#"{"items":{"hashes":{}}}"#, "malformed_json"),
            (#"{"hashes":[]}"#, "malformed_json"),
            (#"{"hashes":{"md5":true}}"#, "bad_hash"),
            (#""hashes""#, "malformed_json"),
            (#"{"hashes":{"md5":"d0581f74e16a1f46b52fb9c2b45ae4b7"},"items":[]}"#, "malformed_json"),
        ]
        for (body, code) in cases {
            let answer = try await server.matchHashes(body)
            #expect(answer.status == 400, "\(body): \(answer.text)")
            #expect(answer.errorCode == code, "\(body): \(answer.text)")
        }
    }

    @Test("?algorithms= naming nothing is the default set; + is a space; an unknown name is 400", arguments: [
        ("", ["md5", "sha1", "sha256"]), (",", ["md5", "sha1", "sha256"]), ("+", ["md5", "sha1", "sha256"]),
        ("sha256", ["sha256"]), ("+SHA256,+pdq+", ["sha256"]), ("md5,,sha1", ["md5", "sha1"]), ("sha256%2B", ["sha256"]),
    ])
    func algorithmsQuery(query: String, digests: [String]) async throws {
        let server = try await TestServer.start([Self.list])
        defer { Task { await server.stop() } }
        // A body that is not an image: the digests asked for (or all three by default), no perceptual hash.
        let answer = try await server.send("POST", "/v1/hash?algorithms=\(query)", key: TestKeys.hash, body: Array("text".utf8))
        #expect(answer.status == 200, "\(query): \(answer.text)")
        #expect((answer.json["hashes"] as? [String: Any] ?? [:]).keys.sorted() == digests, "\(query): \(answer.text)")
        let unknown = try await server.send("POST", "/v1/hash?algorithms=sha256,nope", key: TestKeys.hash, body: Array("text".utf8))
        #expect(unknown.status == 400 && unknown.errorCode == "unknown_algorithm")
    }
}
