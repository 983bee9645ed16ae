import Foundation
import HashScanCore
import HashScanServer
import HashScanServerTLS
import Synchronization
import Testing

/// HTTPS with a certificate and key from files, checked with curl (Debian's, installed by scripts/setup) against
/// certificates made by the openssl command line: the right certificate is served, a renewed one takes over on
/// reload, and a broken one at reload leaves the old one serving.
@Suite("match service over TLS", .serialized)
struct TLSServiceTests {
    struct Tool {
        let status: Int32
        let output: String
    }

    /// Runs a tool on a Dispatch thread (a blocked cooperative thread could starve the server under test, which
    /// answers on that pool); a missing one fails the test (exit 127 from env), never skips it.
    static func run(_ name: String, _ arguments: [String]) async throws -> Tool {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try runBlocking(name, arguments) }) }
        }
    }

    private static func runBlocking(_ name: String, _ arguments: [String]) throws -> Tool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [name] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 127 {
            throw LoopbackClient.Failure(description: "\(name) is not installed (scripts/setup installs it)")
        }
        return Tool(status: process.terminationStatus, output: text)
    }

    /// A self-signed P-256 certificate for 127.0.0.1.
    static func makeCertificate(_ folder: URL, _ name: String) async throws -> (certificate: String, key: String) {
        let certificate = folder.appendingPathComponent("\(name).pem").path
        let key = folder.appendingPathComponent("\(name).key").path
        let made = try await run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                       "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                                       "-keyout", key, "-out", certificate])
        #expect(made.status == 0, "\(made.output)")
        return (certificate, key)
    }

    /// curl's exit status and body for GET /healthz over HTTPS, trusting only `authority`.
    static func healthz(port: Int, trusting authority: String) async throws -> Tool {
        try await run("curl", ["-sS", "--max-time", "10", "--cacert", authority, "https://127.0.0.1:\(port)/healthz"])
    }

    @Test("HTTPS serves the configured certificate; reload takes a renewed one and keeps the old one when the new is broken")
    func certificateReloads() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hashscan-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try await Self.makeCertificate(folder, "first")
        let second = try await Self.makeCertificate(folder, "second")
        let live = (certificate: folder.appendingPathComponent("live.pem").path, key: folder.appendingPathComponent("live.key").path)
        try FileManager.default.copyItem(atPath: first.certificate, toPath: live.certificate)
        try FileManager.default.copyItem(atPath: first.key, toPath: live.key)

        let tls = try ReloadableTLS(certificatePath: live.certificate, keyPath: live.key)
        let messages = Mutex<[String]>([])
        let server = try await TestServer.start(
            [makeList("known", [(.md5, "d0581f74e16a1f46b52fb9c2b45ae4b7", "R-1")])],
            wiring: .init(
                connections: { tls.wrap($0) },
                reloadSteps: [{
                    do { try tls.reload(); return nil } catch { return "tls: \(error)" }
                }],
                log: { message in messages.withLock { $0.append(message) } }))
        defer { Task { await server.stop() } }

        let served = try await Self.healthz(port: server.port, trusting: first.certificate)
        #expect(served.status == 0, "\(served.output)")
        #expect(served.output.contains(#""status":"ok""#))
        // curl exit 60: the peer's certificate is not the one trusted.
        #expect(try await Self.healthz(port: server.port, trusting: second.certificate).status == 60)
        // Plain HTTP on the TLS port gets no HTTP answer.
        #expect((try? await server.send("GET", "/healthz")) == nil)

        // Renewal: the files change, a reload picks them up for new connections.
        try FileManager.default.removeItem(atPath: live.certificate)
        try FileManager.default.removeItem(atPath: live.key)
        try FileManager.default.copyItem(atPath: second.certificate, toPath: live.certificate)
        try FileManager.default.copyItem(atPath: second.key, toPath: live.key)
        _ = server.server.reload(reason: "test")
        #expect(try await Self.healthz(port: server.port, trusting: second.certificate).status == 0)
        #expect(try await Self.healthz(port: server.port, trusting: first.certificate).status == 60)

        // A broken certificate at reload: refused, said so, the renewed one still served.
        try Data("not a certificate\n".utf8).write(to: URL(fileURLWithPath: live.certificate))
        _ = server.server.reload(reason: "test")
        #expect(messages.withLock { $0 }.contains { $0.hasPrefix("tls: ") && $0.contains("live.pem") }, "\(messages.withLock { $0 })")
        #expect(try await Self.healthz(port: server.port, trusting: second.certificate).status == 0)
        // A key that does not belong to the certificate is refused too.
        try FileManager.default.removeItem(atPath: live.certificate)
        try FileManager.default.copyItem(atPath: first.certificate, toPath: live.certificate)
        #expect(throws: ReloadableTLS.Failure.self) { try tls.reload() }
        #expect(try await Self.healthz(port: server.port, trusting: second.certificate).status == 0)
    }
}
