import Foundation
import HashScanCore
import HashScanLists
import HashScanServer
import Testing

@Suite("match service endpoints", .serialized)
struct MatchEndpointTests {
    /// The demo list's entries (synthetic, hashlists/demo/demo-list.txt), as an in-memory list.
    static let demoList = makeList("demo-list", [
        (.md5, "d0581f74e16a1f46b52fb9c2b45ae4b7", "DEMO-0001"),  // md5sum (GNU coreutils 9.1) of demo/uploads/2026-11/b/upload-0005.txt
        (.sha256, "7ffb5f202d32f7a7e6247a34afcc0836aa5ed91b253d84e9fc1cbe144a55c1e5", "DEMO-0003"),  // sha256sum (GNU coreutils 9.1) of demo/uploads/2026-11/b/upload-0004.bin
        (.pdq, Repository.sceneAPDQ, "DEMO-0004"),
    ])

    @Test("POST /v1/match: an image on the list by PDQ, its digests equal to coreutils'")
    func matchUploadByPDQ() async throws {
        let server = try await TestServer.start([Self.demoList])
        defer { Task { await server.stop() } }
        let image = try Repository.bytes("demo/images/scene-a.jpg")
        let answer = try await server.send("POST", "/v1/match", key: TestKeys.match, headers: ["Content-Type": "image/jpeg"], body: image)
        #expect(answer.status == 200, "\(answer.text)")
        let json = answer.json
        #expect(json["match"] as? Bool == true)
        let matches = try #require(json["matches"] as? [[String: Any]])
        #expect(matches.count == 1)
        #expect(matches.first?["list"] as? String == "demo-list")
        #expect(matches.first?["list_version"] as? String == "2026-11-29")
        #expect(matches.first?["entry"] as? String == "DEMO-0004")
        #expect(matches.first?["category"] as? String == "A1")
        #expect(matches.first?["algorithm"] as? String == "pdq")
        #expect(matches.first?["distance"] == nil && matches.first?["threshold"] == nil, "a match-scoped key sees no distance")
        #expect(matches.first?["reference"] == nil, "an answer never carries a list's own hash")
        let hashes = try #require(json["hashes"] as? [String: Any])
        #expect(hashes["pdq"] as? String == Repository.sceneAPDQ)
        #expect((hashes["pdq_quality"] as? Int ?? 0) >= 50)
        #expect(hashes["sha256"] as? String == (try coreutilsDigest("sha256sum", image)))
        #expect(hashes["md5"] as? String == (try coreutilsDigest("md5sum", image)))
        #expect(hashes["sha1"] as? String == (try coreutilsDigest("sha1sum", image)))
        #expect(json["size"] as? Int == image.count)
        let info = try #require(json["image"] as? [String: Any])
        #expect(info["format"] as? String == "jpeg")
        #expect(answer.headers["x-request-id"] == json["request_id"] as? String)
    }

    @Test("POST /v1/match with multipart/form-data: the file part is hashed, other fields ignored, as if sent raw")
    func matchMultipartUpload() async throws {
        let server = try await TestServer.start([Self.demoList])
        defer { Task { await server.stop() } }
        let image = try Repository.bytes("demo/images/scene-a.jpg")
        // A browser-style form: a text field before the file, CRLF line ends, a boundary that also occurs as a
        // prefix inside the text field (without the leading CRLF, so it is content).
        let boundary = "----hashscanFormBoundary7MA4YWxkTrZu0gW"
        func part(_ headers: String, _ content: [UInt8]) -> [UInt8] { Array("--\(boundary)\r\n\(headers)\r\n\r\n".utf8) + content + Array("\r\n".utf8) }
        let caption = part("Content-Disposition: form-data; name=\"caption\"", Array("holiday --\(boundary) photo".utf8))
        let file = part("Content-Disposition: form-data; name=\"file\"; filename=\"scene-a.jpg\"\r\nContent-Type: image/jpeg", image)
        let body = Array("preamble to ignore\r\n".utf8) + caption + file + Array("--\(boundary)--\r\n".utf8)
        let headers = ["Content-Type": "multipart/form-data; boundary=\"\(boundary)\""]
        let answer = try await server.send("POST", "/v1/match", key: TestKeys.match, headers: headers, body: body)
        #expect(answer.status == 200, "\(answer.text)")
        #expect(answer.json["match"] as? Bool == true)
        #expect((answer.json["matches"] as? [[String: Any]])?.first?["entry"] as? String == "DEMO-0004")
        let hashes = try #require(answer.json["hashes"] as? [String: Any])
        #expect(hashes["sha256"] as? String == (try coreutilsDigest("sha256sum", image)))
        #expect(hashes["pdq"] as? String == Repository.sceneAPDQ)
        #expect(answer.json["size"] as? Int == image.count)

        // The only part with a filename is the file even when it is not named "file"; /v1/hash reads it the same way.
        let named = part("Content-Disposition: form-data; name=\"upload\"; filename=\"x.jpg\"", image)
        let hashOnly = try await server.send("POST", "/v1/hash", key: TestKeys.hash, headers: headers,
                                             body: caption + named + Array("--\(boundary)--".utf8))
        #expect(hashOnly.status == 200, "\(hashOnly.text)")
        #expect((hashOnly.json["hashes"] as? [String: Any])?["md5"] as? String == (try coreutilsDigest("md5sum", image)))
        // Two filename parts and none named "file": which one to judge is ambiguous, so neither is.
        let two = try await server.send("POST", "/v1/match", key: TestKeys.match, headers: headers,
                                        body: named + named + Array("--\(boundary)--".utf8))
        #expect(two.status == 400)
        #expect(two.errorCode == "ambiguous_multipart")
    }

    @Test("POST /v1/match: the re-encoded copy matches within a few bits; a file by digest; a clean file does not")
    func matchNearAndDigestAndClean() async throws {
        let server = try await TestServer.start([Self.demoList])
        defer { Task { await server.stop() } }
        let copy = try await server.send("POST", "/v1/match", key: TestKeys.distance, body: try Repository.bytes("demo/images/scene-a-reupload.jpg"))
        #expect(copy.status == 200)
        let hit = (copy.json["matches"] as? [[String: Any]])?.first
        #expect(hit?["entry"] as? String == "DEMO-0004")
        #expect((1...31).contains(hit?["distance"] as? Int ?? -1))

        let upload = try Repository.bytes("demo/uploads/2026-11/b/upload-0005.txt")
        let byDigest = try await server.send("POST", "/v1/match", key: TestKeys.match, body: upload)
        #expect(byDigest.json["match"] as? Bool == true)
        #expect((byDigest.json["matches"] as? [[String: Any]])?.first?["algorithm"] as? String == "md5")
        #expect(byDigest.json["image"] == nil)

        let clean = try await server.send("POST", "/v1/match", key: TestKeys.match, body: try Repository.bytes("demo/documents/meeting-notes.txt"))
        #expect(clean.status == 200)
        #expect(clean.json["match"] as? Bool == false)
        #expect((clean.json["matches"] as? [Any])?.isEmpty == true)
    }

    @Test("POST /v1/hash on a synthetic image, then a list built from its hashes matches it by every algorithm")
    func hashThenMatch() async throws {
        let server = try await TestServer.start([Self.demoList])
        defer { Task { await server.stop() } }
        let image = syntheticBMP()
        let hashed = try await server.send("POST", "/v1/hash", key: TestKeys.hash, body: image)
        #expect(hashed.status == 200, "\(hashed.text)")
        let hashes = try #require(hashed.json["hashes"] as? [String: Any])
        #expect(hashes["sha256"] as? String == (try coreutilsDigest("sha256sum", image)))
        #expect(hashes["md5"] as? String == (try coreutilsDigest("md5sum", image)))
        for name in ["pdq", "phash", "dhash", "ahash"] { #expect(hashes[name] is String, "\(name) missing") }
        #expect((hashed.json["image"] as? [String: Any])?["width"] as? Int == 160)

        // Only the hashes asked for.
        let some = try await server.send("POST", "/v1/hash?algorithms=sha256,dhash", key: TestKeys.hash, body: image)
        #expect(Set((some.json["hashes"] as? [String: Any])?.keys.map { $0 } ?? []) == ["sha256", "dhash"])

        server.setLists([Self.demoList, makeList("built", [
            (.pdq, hashes["pdq"] as! String, "B-PDQ"), (.phash, hashes["phash"] as! String, "B-PHASH"),
            (.sha1, hashes["sha1"] as! String, "B-SHA1"),
        ])])
        let reload = try await server.send("POST", "/v1/admin/reload", key: TestKeys.admin)
        #expect(reload.status == 200, "\(reload.text)")
        #expect(reload.json["generation"] as? Int == 2)

        let verdict = try await server.send("POST", "/v1/match", key: TestKeys.distance, body: image)
        let entries = (verdict.json["matches"] as? [[String: Any]] ?? []).compactMap { $0["entry"] as? String }
        #expect(Set(entries) == ["B-PDQ", "B-PHASH", "B-SHA1"])
        #expect((verdict.json["matches"] as? [[String: Any]] ?? []).allSatisfy { $0["distance"] as? Int == 0 })

        // A few pixels changed: a different file, so no digest hit, but still the same picture by PDQ.
        var touched = image
        for offset in stride(from: 54 + 3_000, to: 54 + 3_600, by: 3) { touched[offset] ^= 0x20 }
        let edited = try await server.send("POST", "/v1/match", key: TestKeys.distance, body: touched)
        let near = edited.json["matches"] as? [[String: Any]] ?? []
        #expect(!near.contains { $0["entry"] as? String == "B-SHA1" })
        #expect(near.contains { $0["entry"] as? String == "B-PDQ" && ($0["distance"] as? Int ?? 99) <= 31 }, "\(edited.text)")
    }

    @Test("POST /v1/match/hashes: one set, a batch, low-quality PDQ not matched")
    func matchHashes() async throws {
        let server = try await TestServer.start([Self.demoList])
        defer { Task { await server.stop() } }
        let single = try await server.matchHashes(#"{"hashes":{"md5":"D0581F74E16A1F46B52FB9C2B45AE4B7"}}"#)
        #expect(single.status == 200, "\(single.text)")
        #expect(single.json["match"] as? Bool == true)
        #expect((single.json["hashes"] as? [String: Any])?["md5"] as? String == "d0581f74e16a1f46b52fb9c2b45ae4b7")

        // PDQ one bit away from the entry.
        var near = Array(Repository.sceneAPDQ)
        near[0] = "f"  // b → f: one bit
        let batch = try await server.matchHashes("""
            {"items":[{"id":"u1","hashes":{"pdq":"\(String(near))","pdq_quality":90}},
                      {"id":"u2","hashes":{"sha256":"\(String(repeating: "ab", count: 32))"}},
                      {"id":"u3","hashes":{"pdq":"\(String(near))","pdq_quality":20}}]}
            """, key: TestKeys.distance)
        #expect(batch.status == 200, "\(batch.text)")
        #expect(batch.json["match"] as? Bool == true)
        let results = try #require(batch.json["results"] as? [[String: Any]])
        #expect(results.map { $0["id"] as? String } == ["u1", "u2", "u3"])
        #expect(results.map { $0["match"] as? Bool } == [true, false, false])
        #expect((results[0]["matches"] as? [[String: Any]])?.first?["distance"] as? Int == 1)
    }

    @Test("the bit-flip walk: a match-scoped key learns nothing of an entry's bits; a match:distance key sees distances")
    func bitFlipWalkRecoversNothing() async throws {
        let server = try await TestServer.start([Self.demoList])
        defer { Task { await server.stop() } }
        // A near-duplicate of the demo entry's PDQ, 4 bits off, then each of its 256 one-bit flips in one batch: with
        // distances, every flip that lowers the distance is a bit of the entry (the attack the issue measured).
        var bits = Digest(hex: Repository.sceneAPDQ)!.bytes
        for bit in [3, 70, 141, 250] { bits[bit / 8] ^= UInt8(0x80 >> (bit % 8)) }
        let near = Digest(bytes: bits)
        func flipped(_ bit: Int) -> String {
            var copy = near.bytes
            copy[bit / 8] ^= UInt8(0x80 >> (bit % 8))
            return Digest(bytes: copy).hex
        }
        let items = (0..<256).map { #"{"id":"\#($0)","hashes":{"pdq":"\#(flipped($0))","pdq_quality":100}}"# }
        let batch = #"{"items":["# + items.joined(separator: ",") + "]}"
        func walk(_ key: String) async throws -> (verdicts: Set<String>, recovered: [Int]) {
            let first = try await server.matchHashes(#"{"hashes":{"pdq":"\#(near.hex)","pdq_quality":100}}"#, key: key)
            #expect(first.json["match"] as? Bool == true, "\(first.text)")
            let answer = try await server.matchHashes(batch, key: key)
            #expect(answer.status == 200, "\(answer.text)")
            let results = answer.json["results"] as? [[String: Any]] ?? []
            #expect(results.count == 256)
            let base = (first.json["matches"] as? [[String: Any]])?.first?["distance"] as? Int
            var verdicts = Set<String>()
            var recovered: [Int] = []
            for (index, result) in results.enumerated() {
                let hit = (result["matches"] as? [[String: Any]])?.first
                // Everything the answer says about the entry, as the client sees it.
                verdicts.insert("\(result["match"] ?? "-")|\(hit?["entry"] ?? "-")|\(hit?["category"] ?? "-")|\(hit?["distance"] ?? "-")")
                if let base, let distance = hit?["distance"] as? Int, distance < base { recovered.append(index) }
            }
            return (verdicts, recovered)
        }
        let plain = try await walk(TestKeys.match)
        #expect(plain.verdicts.count == 1, "the 256 answers differ, so they tell bits apart: \(plain.verdicts)")
        #expect(plain.recovered.isEmpty)
        let trusted = try await walk(TestKeys.distance)
        // With distances the walk works: the 4 changed bits come back (this is why the scope exists separately).
        #expect(trusted.recovered == [3, 70, 141, 250], "\(trusted.recovered)")
    }

    /// Verdicts alone still leak at the edge of the radius: from a hash exactly at the threshold (31 bits off),
    /// each one-bit flip matches or not depending on whether that bit was one of the 31. No answer format can
    /// hide that, so the service counts distinct near-edge hashes per key and entry and raises an alert.
    @Test("a walk at the edge of the radius is detected: a metric and an audit event naming key and entry, never a hash")
    func edgeWalkIsDetected() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hashscan-probe-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let server = try await TestServer.start([Self.demoList]) { $0.auditPath = path }
        defer { Task { await server.stop() } }
        let entry = Digest(hex: Repository.sceneAPDQ)!.bytes
        func hash(flipping bits: some Sequence<Int>) -> String {
            var copy = entry
            for bit in bits { copy[bit / 8] ^= UInt8(0x80 >> (bit % 8)) }
            return Digest(bytes: copy).hex
        }
        // A wave of re-uploads: 40 distinct near-duplicates, all well inside the radius (2 to 20 bits off).
        let wave = (0..<40).map { index in
            #"{"id":"w\#(index)","hashes":{"pdq":"\#(hash(flipping: (0..<(2 + index % 19)).map { ($0 * 37 + index) % 256 }))","pdq_quality":100}}"#
        }
        let waveAnswer = try await server.matchHashes(#"{"items":["# + wave.joined(separator: ",") + "]}", key: TestKeys.match)
        #expect((waveAnswer.json["results"] as? [[String: Any]])?.allSatisfy { $0["match"] as? Bool == true } == true)
        let quiet = try await server.send("GET", "/metrics", key: TestKeys.admin)
        #expect(!quiet.text.contains("hashscan_probe_alerts_total{"), "re-uploads are no probe")

        // The walk: 31 bits off (a match at the threshold), then its 256 one-bit neighbours.
        let edge = Array(0..<31)
        let start = try await server.matchHashes(#"{"hashes":{"pdq":"\#(hash(flipping: edge))","pdq_quality":100}}"#, key: TestKeys.match)
        #expect(start.json["match"] as? Bool == true)
        let flips = (0..<256).map { bit in
            #"{"id":"\#(bit)","hashes":{"pdq":"\#(hash(flipping: edge + [bit]))","pdq_quality":100}}"#
        }
        let answer = try await server.matchHashes(#"{"items":["# + flips.joined(separator: ",") + "]}", key: TestKeys.match)
        let results = answer.json["results"] as? [[String: Any]] ?? []
        // What leaks: the flips that still match are exactly the 31 bits moved (flipping one back gives 30).
        let matched = results.enumerated().filter { $0.element["match"] as? Bool == true }.map(\.offset)
        #expect(matched == edge)

        let metrics = try await server.send("GET", "/metrics", key: TestKeys.admin)
        let alerts = metrics.text.split(separator: "\n").first { $0.hasPrefix("hashscan_probe_alerts_total{key=\"uploader\"}") }
        #expect(alerts.map { Int($0.split(separator: " ").last ?? "") ?? 0 } ?? 0 >= 1, "\(metrics.text)")
        let audit = try String(contentsOfFile: path, encoding: .utf8)
        let events = audit.split(separator: "\n").compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
            .filter { $0["event"] as? String == "probe_suspected" }
        let event = try #require(events.first, "no probe_suspected audit event")
        #expect(event["key_id"] as? String == "uploader")
        #expect(event["list"] as? String == "demo-list")
        #expect(event["entry"] as? String == "DEMO-0004")
        #expect(event["algorithm"] as? String == "pdq")
        #expect((event["queries"] as? Int ?? 0) >= 16)
        let eventLine = audit.split(separator: "\n").first { $0.contains("probe_suspected") }.map(String.init) ?? ""
        #expect(!eventLine.contains(Repository.sceneAPDQ), "the alert never carries the entry's hash")
    }

    @Test("GET /v1/lists names the lists and counts, never an entry; /healthz and /readyz")
    func listsAndHealth() async throws {
        let server = try await TestServer.start([Self.demoList])
        defer { Task { await server.stop() } }
        let lists = try await server.send("GET", "/v1/lists", key: TestKeys.match)
        #expect(lists.status == 200)
        let list = try #require((lists.json["lists"] as? [[String: Any]])?.first)
        #expect(list["name"] as? String == "demo-list")
        #expect(list["entries"] as? Int == 3)
        #expect(list["algorithms"] as? [String] == ["md5", "sha256", "pdq"])
        #expect(!lists.text.contains("d0581f74"), "no entry hash may leave the service")
        #expect(lists.json["loaded_at"] is String)

        let health = try await server.send("GET", "/healthz")
        #expect(health.status == 200)
        #expect(health.json["status"] as? String == "ok")
        let ready = try await server.send("GET", "/readyz")
        #expect(ready.status == 200)
        #expect(ready.json["generation"] as? Int == 1)
    }
}
