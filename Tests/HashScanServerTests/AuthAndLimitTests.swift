import Foundation
import HashScanCore
import HashScanServer
import Testing

@Suite("authentication, limits and bad input", .serialized)
struct AuthAndLimitTests {
    /// The demo list's MD5 and PDQ (see MatchEndpointTests and `Repository.sceneAPDQ`); here any well-formed hashes would do.
    static let list = makeList("limits", [(.md5, "d0581f74e16a1f46b52fb9c2b45ae4b7", "L-1"), (.pdq, Repository.sceneAPDQ, "L-2")])

    @Test("401 without a valid key, 403 outside the key's scopes")
    func authentication() async throws {
        let server = try await TestServer.start([Self.list])
        defer { Task { await server.stop() } }
        let body = Array("hello".utf8)
        let none = try await server.send("POST", "/v1/match", body: body)
        #expect(none.status == 401)
        #expect(none.errorCode == "unauthorized")
        #expect(none.headers["www-authenticate"] == "Bearer")
        let wrong = try await server.send("POST", "/v1/match", key: "match-key-0002", body: body)
        #expect(wrong.status == 401)
        let basic = try await server.send("POST", "/v1/match", headers: ["Authorization": "Basic \(TestKeys.match)"], body: body)
        #expect(basic.status == 401)

        let hashOnly = try await server.send("POST", "/v1/match", key: TestKeys.hash, body: body)
        #expect(hashOnly.status == 403)
        #expect(hashOnly.errorCode == "forbidden")
        let matchOnly = try await server.send("POST", "/v1/hash", key: TestKeys.match, body: body)
        #expect(matchOnly.status == 403)
        let metrics = try await server.send("GET", "/metrics", key: TestKeys.match)
        #expect(metrics.status == 403)
        let reload = try await server.send("POST", "/v1/admin/reload", key: TestKeys.hash)
        #expect(reload.status == 403)
        let ok = try await server.send("POST", "/v1/hash", key: TestKeys.hash, body: body)
        #expect(ok.status == 200)
    }

    @Test("429 over a key's rate, with Retry-After")
    func rateLimit() async throws {
        let server = try await TestServer.start([Self.list])
        defer { Task { await server.stop() } }
        var answers: [LoopbackClient.Answer] = []
        for _ in 0..<5 {
            answers.append(try await server.matchHashes(#"{"hashes":{"md5":"00000000000000000000000000000000"}}"#, key: TestKeys.slow))
        }
        let statuses = answers.map(\.status)
        #expect(statuses.prefix(2) == [200, 200])
        // Whichever request was refused first says why and when to come back.
        let limited = try #require(answers.first { $0.status == 429 }, "no 429 in \(statuses)")
        #expect(limited.errorCode == "rate_limited")
        #expect(Int(limited.headers["retry-after"] ?? "") ?? 0 >= 1)
        // Another key is not affected.
        #expect(try await server.matchHashes(#"{"hashes":{"md5":"00000000000000000000000000000000"}}"#).status == 200)
    }

    @Test("rate limits count items: a batch of 8 at 2 a second is answered, then the key waits about 4 s")
    func batchesCountTheirItems() async throws {
        let server = try await TestServer.start([Self.list])
        defer { Task { await server.stop() } }
        let items = (0..<8).map { #"{"id":"i\#($0)","hashes":{"md5":"00000000000000000000000000000000"}}"# }
        let batch = try await server.matchHashes(#"{"items":["# + items.joined(separator: ",") + "]}", key: TestKeys.slow)
        #expect(batch.status == 200, "\(batch.text)")
        let next = try await server.matchHashes(#"{"hashes":{"md5":"00000000000000000000000000000000"}}"#, key: TestKeys.slow)
        #expect(next.status == 429 && next.errorCode == "rate_limited", "\(next.text)")
        // 7 items owed at 2 a second (plus the token the refused request needed): about 4 s, never the 1 s of one request.
        #expect((Int(next.headers["retry-after"] ?? "") ?? 0) >= 3, "\(next.headers)")
    }

    @Test("requests without a valid key are limited per client address (429), keyed clients are not held back")
    func unauthenticatedRequestsAreLimited() async throws {
        let server = try await TestServer.start([Self.list])
        defer { Task { await server.stop() } }
        var statuses: [Int] = []
        for attempt in 0..<25 {
            let key = attempt % 2 == 0 ? "guess-\(attempt)" : ""
            statuses.append(try await server.send("GET", "/v1/lists", key: key.isEmpty ? nil : key).status)
        }
        #expect(statuses.prefix(10).allSatisfy { $0 == 401 }, "\(statuses)")
        #expect(statuses.contains(429), "25 keyless requests at once from one address: \(statuses)")
        #expect(Set(statuses).isSubset(of: [401, 429]))
        #expect(try await server.send("GET", "/v1/lists", key: TestKeys.match).status == 200)
    }

    @Test("413 for a body over the limit: declared, or streamed in chunks without a length")
    func bodyLimit() async throws {
        let server = try await TestServer.start([Self.list]) { $0.maxBodyBytes = 64 << 10 }
        defer { Task { await server.stop() } }
        let large = [UInt8](repeating: 7, count: 1 << 20)
        let declared = try await server.send("POST", "/v1/match", key: TestKeys.match, body: large)
        #expect(declared.status == 413)
        #expect(declared.errorCode == "body_too_large")
        let streamed = try await server.send("POST", "/v1/match", key: TestKeys.match, body: large, chunked: true)
        #expect(streamed.status == 413)
        #expect(streamed.errorCode == "body_too_large")
        // Just under the limit is fine, streamed too.
        let fits = try await server.send("POST", "/v1/match", key: TestKeys.match, body: [UInt8](repeating: 7, count: 60 << 10), chunked: true)
        #expect(fits.status == 200)
        #expect(fits.json["size"] as? Int == 60 << 10)
    }

    @Test("400 for malformed JSON, unknown algorithms, bad hex, empty or oversized batches; 415 for the wrong type")
    func badHashRequests() async throws {
        let server = try await TestServer.start([Self.list]) { $0.maxBatch = 2 }
        defer { Task { await server.stop() } }
        let cases: [(String, String)] = [
            (#"{"hashes":{"md5":"d0581f74"#, "malformed_json"),
            (#"[1,2]"#, "malformed_json"),
            (#"{"hashes":{"crc32":"d0581f74"}}"#, "unknown_algorithm"),
            (#"{"hashes":{"md5":"zz581f74e16a1f46b52fb9c2b45ae4b7"}}"#, "bad_hash"),
            (#"{"hashes":{"sha256":"d0581f74e16a1f46b52fb9c2b45ae4b7"}}"#, "bad_hash"),
            (#"{"hashes":{"md5":7}}"#, "bad_hash"),
            (#"{"hashes":{}}"#, "no_hashes"),
            (#"{"hashes":{"pdq_quality":80}}"#, "no_hashes"),
            (#"{"hashes":{"md5":"d0581f74e16a1f46b52fb9c2b45ae4b7","pdq_quality":80}}"#, "bad_quality"),
            (#"{"hashes":{"pdq":"\#(Repository.sceneAPDQ)","pdq_quality":101}}"#, "bad_quality"),
            (#"{"items":[]}"#, "no_hashes"),
            (#"{"items":[{"hashes":{"md5":"d0581f74e16a1f46b52fb9c2b45ae4b7"}},{"hashes":{"md5":"d0581f74e16a1f46b52fb9c2b45ae4b7"}},{"hashes":{"md5":"d0581f74e16a1f46b52fb9c2b45ae4b7"}}]}"#, "batch_too_large"),
            (#"{"hashes":{"md5":"d0581f74e16a1f46b52fb9c2b45ae4b7"},"extra":1}"#, "unknown_field"),
        ]
        for (body, code) in cases {
            let answer = try await server.matchHashes(body)
            #expect(answer.status == 400, "\(body)")
            #expect(answer.errorCode == code, "\(body): \(answer.text)")
            #expect((answer.json["error"] as? [String: Any])?["message"] is String)
        }
        let plain = try await server.send("POST", "/v1/match/hashes", key: TestKeys.match, headers: ["Content-Type": "text/plain"],
                                          body: Array(#"{"hashes":{"md5":"d0581f74e16a1f46b52fb9c2b45ae4b7"}}"#.utf8))
        #expect(plain.status == 415)
        let unknown = try await server.send("POST", "/v1/hash?algorithms=md5,crc32", key: TestKeys.hash, body: [1, 2, 3])
        #expect(unknown.status == 400)
        #expect(unknown.errorCode == "unknown_algorithm")
    }

    @Test("garbage bodies: a truncated JPEG is 422 corrupt_image with its digests, 0 bytes is 400, broken multipart 400/415")
    func garbageBodies() async throws {
        let server = try await TestServer.start([Self.list])
        defer { Task { await server.stop() } }
        let image = try Repository.bytes("demo/images/scene-a.jpg")
        let truncated = Array(image.prefix(image.count / 3))
        let answer = try await server.send("POST", "/v1/match", key: TestKeys.match, body: truncated)
        #expect(answer.status == 422, "\(answer.text)")
        #expect(answer.errorCode == "corrupt_image")
        #expect((answer.json["hashes"] as? [String: Any])?["sha256"] as? String == (try coreutilsDigest("sha256sum", truncated)))
        let hashOnly = try await server.send("POST", "/v1/hash", key: TestKeys.hash, body: truncated)
        #expect(hashOnly.status == 422)
        #expect(hashOnly.errorCode == "corrupt_image")
        // Only a JPEG header: still no crash.
        let header = try await server.send("POST", "/v1/match", key: TestKeys.match, body: Array(image.prefix(4)))
        #expect([200, 422].contains(header.status))

        let empty = try await server.send("POST", "/v1/match", key: TestKeys.match, body: [])
        #expect(empty.status == 400)
        #expect(empty.errorCode == "empty_body")
        // Multipart bodies that hold no usable file, and multipart types other than form-data.
        let broken: [(type: String, body: String, status: Int, code: String)] = [
            ("multipart/form-data; boundary=x", "--x--", 400, "no_file_part"),
            ("multipart/form-data", "--x\r\n\r\nabc\r\n--x--", 400, "malformed_multipart"),
            ("multipart/form-data; boundary=\(String(repeating: "b", count: 71))", "--b--", 400, "malformed_multipart"),
            ("multipart/form-data; boundary=x", "no boundary at all", 400, "malformed_multipart"),
            ("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\ntruncated", 400, "malformed_multipart"),
            ("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n\r\n--x--\r\n", 400, "empty_body"),
            ("multipart/mixed; boundary=x", "--x--", 415, "unsupported_media_type"),
        ]
        for (type, body, status, code) in broken {
            let answer = try await server.send("POST", "/v1/match", key: TestKeys.match, headers: ["Content-Type": type], body: Array(body.utf8))
            #expect(answer.status == status, "\(type): \(answer.text)")
            #expect(answer.errorCode == code, "\(type): \(answer.text)")
        }

        // A huge header with few bytes: refused by the decode limits, not allocated.
        var limitServerImage = syntheticBMP(width: 64, height: 64)
        withUnsafeBytes(of: UInt32(60_000).littleEndian) { limitServerImage.replaceSubrange(18..<22, with: $0) }
        withUnsafeBytes(of: UInt32(60_000).littleEndian) { limitServerImage.replaceSubrange(22..<26, with: $0) }
        let huge = try await server.send("POST", "/v1/hash", key: TestKeys.hash, body: limitServerImage)
        #expect(huge.status == 422)
        #expect(huge.errorCode == "too_large")
        // The server is still there.
        #expect(try await server.send("GET", "/healthz").status == 200)
    }

    @Test("unknown paths are 404 and wrong methods 405, as JSON errors")
    func routing() async throws {
        let server = try await TestServer.start([Self.list])
        defer { Task { await server.stop() } }
        let missing = try await server.send("GET", "/v1/lists/limits/entries", key: TestKeys.admin)
        #expect(missing.status == 404)
        #expect(missing.errorCode == "not_found")
        let method = try await server.send("GET", "/v1/match", key: TestKeys.match)
        #expect(method.status == 405)
        #expect(method.headers["allow"] == "POST")
    }

    @Test("a request slower than the timeout gets 408")
    func timeout() async throws {
        let server = try await TestServer.start([Self.list]) { $0.requestTimeout = 0.5 }
        defer { Task { await server.stop() } }
        let answer = try await LoopbackClient.send(port: server.port, "POST", "/v1/match",
                                                   headers: TestKeys.bearer(TestKeys.match).merging(["Content-Length": "100"]) { $1 })
        #expect(answer.status == 408)
        #expect(answer.errorCode == "request_timeout")
    }

    @Test("a flood of uploads beyond the workers and their queue: quick 503 busy answers, hash lookups unaffected, then service resumes")
    func floodGetsBusy() async throws {
        let server = try await TestServer.start([Self.list]) {
            $0.workers = 1
            $0.maxQueuedJobs = 2
        }
        defer { Task { await server.stop() } }
        // Occupy the only worker and fill its queue with jobs that wait on a gate: the pool is then saturated for
        // as long as the test wants, whatever the machine's speed.
        let gate = DispatchSemaphore(value: 0)
        let pool = server.server.pool
        var blockers: [Task<Void, any Error>] = []
        for expected in [(queued: 0, running: 1), (queued: 1, running: 1), (queued: 2, running: 1)] {
            blockers.append(Task { try await pool.run { _ in gate.wait() } })
            for _ in 0..<500 where pool.load != expected { try await Task.sleep(for: .milliseconds(10)) }
            #expect(pool.load == expected)
        }

        // (The loopback client blocks its thread, so the flood is sent one request after another.)
        let image = try Repository.bytes("demo/images/scene-a.jpg")
        for _ in 0..<8 {
            let answer = try await server.send("POST", "/v1/match", key: TestKeys.match, body: image)
            #expect(answer.status == 503, "\(answer.text)")
            #expect(answer.errorCode == "busy")
            #expect(answer.headers["retry-after"] == "1")
        }
        // Precomputed hashes need no worker: the blocking path keeps answering during the flood.
        let lookup = try await server.send("POST", "/v1/match/hashes", key: TestKeys.match, headers: ["Content-Type": "application/json"],
                                           body: Array(#"{"hashes":{"md5":"d0581f74e16a1f46b52fb9c2b45ae4b7"}}"#.utf8))
        #expect(lookup.status == 200)
        #expect(lookup.json["match"] as? Bool == true)
        // Batches are matched on threads of their own, not the saturated hashing workers.
        let batch = try await server.send("POST", "/v1/match/hashes", key: TestKeys.match, headers: ["Content-Type": "application/json"],
                                          body: Array(#"{"items":[{"id":"a","hashes":{"md5":"d0581f74e16a1f46b52fb9c2b45ae4b7"}},{"id":"b","hashes":{"md5":"00000000000000000000000000000000"}}]}"#.utf8))
        #expect(batch.status == 200, "\(batch.text)")
        let results = batch.json["results"] as? [[String: Any]] ?? []
        #expect(results.map { $0["match"] as? Bool } == [true, false], "\(batch.text)")

        for _ in blockers { gate.signal() }
        for blocker in blockers { _ = try await blocker.value }
        let after = try await server.send("POST", "/v1/match", key: TestKeys.match, body: image)
        #expect(after.status == 200, "\(after.text)")
        let metrics = try await server.send("GET", "/metrics", key: TestKeys.admin)
        #expect(metrics.text.contains(#"hashscan_http_requests_total{route="/v1/match",status="503"} 8"#), "\(metrics.text)")
    }

    @Test("the keys file is read strictly")
    func keysFile() throws {
        let keys = try KeysFile.parse(TestKeys.file)
        #expect(keys.map(\.id) == ["uploader", "hasher", "ops", "slow", "analyst"])
        #expect(keys.first { $0.id == "slow" }?.ratePerSecond == 2)
        #expect(keys.last?.scopes == [.matchDistance])
        let bad = [
            #"{"id":"a","sha256":"00","scopes":["match"]}"#,
            #"{"id":"a","sha256":"\#(String(repeating: "0", count: 64))","scopes":["read"]}"#,
            #"{"id":"a","sha256":"\#(String(repeating: "0", count: 64))","scopes":[]}"#,
            #"{"id":"a","sha256":"\#(String(repeating: "0", count: 64))","scopes":["match"],"key":"x"}"#,
            #"{"id":"a","sha256":"\#(String(repeating: "0", count: 64))","scopes":["match"],"rate_per_second":0}"#,
            "not json",
            "",
        ]
        for text in bad { #expect(throws: KeysFile.ParseError.self, "\(text)") { try KeysFile.parse(text) } }
        let line = KeysFile.line(for: APIKey(id: "x\"y", sha256: [UInt8](repeating: 1, count: 32), scopes: [.match, .admin], ratePerSecond: 5))
        #expect(try KeysFile.parse(line).first == APIKey(id: "x\"y", sha256: [UInt8](repeating: 1, count: 32), scopes: [.match, .admin], ratePerSecond: 5))
    }
}
