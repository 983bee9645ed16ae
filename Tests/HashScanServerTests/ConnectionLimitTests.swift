import Foundation
import HashScanCore
import HashScanLists
import HashScanServer
import Testing

/// The service's bounds on what a client can hold: connections, time without a request head, head size, and a
/// verdict that cannot be audited.
@Suite("match service: bounded connections, heads and audit", .serialized)
struct ConnectionLimitTests {
    static let list = makeList("known", [(.md5, "d0581f74e16a1f46b52fb9c2b45ae4b7", "R-1")])

    @Test("a head that trickles in is cut off at the idle timeout, and so is a connection that sends nothing")
    func slowHeadsAreCutOff() async throws {
        let server = try await TestServer.start([Self.list]) { $0.idleTimeout = 1 }
        defer { Task { await server.stop() } }
        let slow = try RawConnection(port: server.port)
        let silent = try RawConnection(port: server.port)
        slow.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        var outcome = RawConnection.Reading.nothingYet
        // One header line every 0.25 s or more, 32 lines (8 s at least): a slow-header client that never finishes
        // its head. Bytes keep arriving, so only a deadline on the whole head (not on silence) can close it.
        var sent = 0
        while sent < 32 {
            outcome = await slow.read(within: 0.25)
            if outcome != .nothingYet { break }
            slow.send("X-Trickle-\(sent): x\r\n")
            sent += 1
        }
        #expect(outcome == .closed, "the trickling connection was not closed after \(sent) header lines: \(outcome)")
        #expect(await silent.read(within: 3) == .closed)
        // The service itself goes on.
        let health = try await server.send("GET", "/healthz")
        #expect(health.status == 200)
    }

    @Test("a head over the limit gets no 5xx and no answer past the limit; the service goes on")
    func largeHeadsAreRefused() async throws {
        let server = try await TestServer.start([Self.list]) { $0.maxHeaderBytes = 4_096 }
        defer { Task { await server.stop() } }
        let connection = try RawConnection(port: server.port)
        connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Large: \(String(repeating: "a", count: 20_000))\r\n\r\n")
        var received: [UInt8] = []
        while case .bytes(let bytes) = await connection.read(within: 3) { received += bytes }
        let text = String(decoding: received, as: UTF8.self)
        #expect(!text.hasPrefix("HTTP/1.1 2") && !text.hasPrefix("HTTP/1.1 5"), "answered: \(text.prefix(80))")
        // Within the limit, the same header is fine.
        let fine = try await server.send("GET", "/healthz", headers: ["X-Small": String(repeating: "a", count: 1_000)])
        #expect(fine.status == 200)
    }

    @Test("connections beyond the limit wait to be accepted until one closes")
    func connectionsAreBounded() async throws {
        let server = try await TestServer.start([Self.list]) { $0.maxConnections = 2 }
        defer { Task { await server.stop() } }
        var holders: [RawConnection] = [try RawConnection(port: server.port), try RawConnection(port: server.port)]
        // Give the service a moment to accept both (the count rises on accept).
        try await Task.sleep(for: .milliseconds(300))
        let third = try RawConnection(port: server.port)
        third.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        #expect(await third.read(within: 1) == .nothingYet, "a third connection was served while two were open")
        holders.removeFirst()
        guard case .bytes(let bytes) = await third.read(within: 10) else {
            Issue.record("the waiting connection was not served after one closed")
            return
        }
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("HTTP/1.1 200"))
        _ = holders
    }

    /// /dev/full takes the open and refuses every write (ENOSPC), even for root.
    @Test("--audit-required: a verdict that cannot be audited is refused with 503; without it, answered and counted")
    func auditRequired() async throws {
        let body = #"{"hashes":{"md5":"d0581f74e16a1f46b52fb9c2b45ae4b7"}}"#
        let strict = try await TestServer.start([Self.list]) { $0.auditPath = "/dev/full"; $0.auditRequired = true }
        let refused = try await strict.matchHashes(body, key: TestKeys.match)
        #expect(refused.status == 503)
        #expect(refused.errorCode == "audit_unavailable")
        #expect(!refused.text.contains("R-1"), "no verdict in the refusal")
        await strict.stop()

        let lenient = try await TestServer.start([Self.list]) { $0.auditPath = "/dev/full" }
        defer { Task { await lenient.stop() } }
        let answered = try await lenient.matchHashes(body, key: TestKeys.match)
        #expect(answered.status == 200)
        #expect(answered.json["match"] as? Bool == true)
        let metrics = try await lenient.send("GET", "/metrics", key: TestKeys.admin)
        #expect(metrics.text.contains("hashscan_audit_write_failures_total 1\n"), "\(metrics.text)")
    }
}
