import Foundation
import HashScanCore
import HashScanLists
import HashScanServer
import Synchronization
import Testing

@Suite("reloads, metrics and the audit log", .serialized)
struct ReloadAndAuditTests {
    /// R-1 is md5sum (GNU coreutils 9.1) of demo/uploads/2026-11/b/upload-0005.txt, the upload the tests send; the
    /// 40 ones of R-2 are an arbitrary SHA-1.
    static let listA = makeList("rotating", version: "a", [(.md5, "d0581f74e16a1f46b52fb9c2b45ae4b7", "R-1")])
    static let listB = makeList("rotating", version: "b", [(.md5, "d0581f74e16a1f46b52fb9c2b45ae4b7", "R-1"),
                                                            (.sha1, String(repeating: "1", count: 40), "R-2")])

    @Test("repeated reloads during a stream of requests: every request answered 200 with a whole verdict")
    func reloadUnderLoad() async throws {
        let server = try await TestServer.start([Self.listA])
        defer { Task { await server.stop() } }
        let upload = try Repository.bytes("demo/uploads/2026-11/b/upload-0005.txt")
        let failures = Locked<[String]>([])
        let versions = Locked<Set<String>>([])
        let reloads = Task {
            for round in 0..<20 {
                server.setLists([round % 2 == 0 ? Self.listB : Self.listA])
                if case .failure(let error) = server.server.reload(reason: "test") { failures.withLock { $0.append("reload: \(error)") } }
                try? await Task.sleep(for: .milliseconds(15))
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for client in 0..<4 {
                group.addTask {
                    for index in 0..<40 {
                        do {
                            let answer = client % 2 == 0
                                ? try await server.send("POST", "/v1/match", key: TestKeys.match, body: upload)
                                : try await server.matchHashes(#"{"hashes":{"md5":"d0581f74e16a1f46b52fb9c2b45ae4b7"}}"#)
                            let hit = (answer.json["matches"] as? [[String: Any]])?.first
                            if answer.status != 200 || hit?["entry"] as? String != "R-1" {
                                failures.withLock { $0.append("client \(client) #\(index): \(answer.status) \(answer.text)") }
                            }
                            if let version = hit?["list_version"] as? String { versions.withLock { _ = $0.insert(version) } }
                        } catch {
                            failures.withLock { $0.append("client \(client) #\(index): \(error)") }
                        }
                    }
                }
            }
        }
        await reloads.value
        #expect(failures.withLock { $0 } == [])
        #expect(server.server.store.current.generation == 21)
        #expect(!versions.withLock { $0 }.isEmpty, "every hit names its list's version")
        #expect(versions.withLock { $0 }.isSubset(of: ["a", "b"]))
    }

    @Test("a reload that fails keeps the lists in use")
    func failedReload() async throws {
        let broken = Locked(false)
        let store = try MatcherStore {
            if broken.withLock({ $0 }) { throw LoopbackClient.Failure(description: "list unreadable") }
            return [LoadedList(matcher: InMemoryListMatcher(lists: [Self.listA]), name: "rotating", version: "a", entries: 1)]
        }
        broken.withLock { $0 = true }
        guard case .failure = store.reload() else { Issue.record("reload should fail"); return }
        #expect(store.current.generation == 1)
        #expect(store.current.lists.first?.version == "a")
    }

    @Test("GET /metrics: requests by route and status, latency, matches by list, decode errors")
    func metrics() async throws {
        let server = try await TestServer.start([Self.listA])
        defer { Task { await server.stop() } }
        _ = try await server.matchHashes(#"{"hashes":{"md5":"d0581f74e16a1f46b52fb9c2b45ae4b7"}}"#)
        _ = try await server.matchHashes(#"{"hashes":{"md5":"00000000000000000000000000000000"}}"#)
        _ = try await server.matchHashes(#"{"hashes":{"md5":"00"}}"#)
        let image = try Repository.bytes("demo/images/scene-a.jpg")
        _ = try await server.send("POST", "/v1/hash", key: TestKeys.hash, body: Array(image.prefix(2000)))
        let answer = try await server.send("GET", "/metrics", key: TestKeys.admin)
        #expect(answer.status == 200)
        #expect(answer.headers["content-type"]?.hasPrefix("text/plain") == true)
        let text = answer.text
        for line in [
            #"hashscan_http_requests_total{route="/v1/match/hashes",status="200"} 2"#,
            #"hashscan_http_requests_total{route="/v1/match/hashes",status="400"} 1"#,
            #"hashscan_http_requests_total{route="/v1/hash",status="422"} 1"#,
            #"hashscan_http_request_duration_seconds_count{route="/v1/match/hashes"} 3"#,
            #"hashscan_http_request_duration_seconds_bucket{route="/v1/match/hashes",le="+Inf"} 3"#,
            #"hashscan_matches_total{list="rotating"} 1"#,
            #"hashscan_verdicts_total{match="false"} 1"#,
            #"hashscan_decode_errors_total{code="corrupt_image"} 1"#,
            #"hashscan_list_entries{list="rotating"} 1"#,
            "# TYPE hashscan_http_request_duration_seconds histogram",
        ] {
            #expect(text.contains(line + "\n"), "missing: \(line)")
        }
    }

    @Test("the audit log: one line per verdict with request id, key id, hashes and matches; never content")
    func auditLog() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hashscan-audit-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let server = try await TestServer.start([Self.listA]) { $0.auditPath = path }
        defer { Task { await server.stop() } }
        let upload = try Repository.bytes("demo/uploads/2026-11/b/upload-0005.txt")
        let first = try await server.send("POST", "/v1/match", key: TestKeys.match, body: upload)
        _ = try await server.matchHashes(#"{"items":[{"id":"x1","hashes":{"md5":"00000000000000000000000000000000"}},{"id":"x2","hashes":{"sha1":"1111111111111111111111111111111111111111"}}]}"#,
                                         key: TestKeys.admin)
        _ = try await server.send("POST", "/v1/hash", key: TestKeys.hash, body: upload)  // not a verdict: not audited
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n").map { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? [:] }
        #expect(lines.count == 3)
        #expect(lines[0]["request_id"] as? String == first.json["request_id"] as? String)
        #expect(lines[0]["key_id"] as? String == "uploader")
        #expect(lines[0]["route"] as? String == "/v1/match")
        #expect(lines[0]["match"] as? Bool == true)
        #expect((lines[0]["hashes"] as? [String: Any])?["md5"] as? String == "d0581f74e16a1f46b52fb9c2b45ae4b7")
        #expect((lines[0]["matches"] as? [[String: Any]])?.first?["entry"] as? String == "R-1")
        #expect(lines[0]["time"] is String)
        #expect(lines[1]["key_id"] as? String == "ops")
        #expect(lines.dropFirst().map { $0["id"] as? String } == ["x1", "x2"])
        let content = String(decoding: upload, as: UTF8.self)
        #expect(!text.contains(content.prefix(20)), "the audit log never holds content")
    }
}
