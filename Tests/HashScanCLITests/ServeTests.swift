import Foundation
import Synchronization
import Testing

/// `hashscan serve` as a process on a free loopback port: its answers against `hashscan hash` and coreutils for the
/// same bytes, keygen, the audit log, SIGHUP reloads under a stream of requests, and a graceful SIGTERM.
@Suite("hashscan serve", .serialized)
struct ServeTests {
    @Test("serve: /v1/hash equals `hashscan hash`; a list built from it matches; SIGHUP under load; SIGTERM")
    func serveEndToEnd() async throws {
        let tree = try TemporaryTree()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let image = root.appendingPathComponent("demo/images/scene-a.jpg")
        let imageBytes = Array(try Data(contentsOf: image))

        let keygen = try HashscanProcess.run(["serve", "keygen", "--id", "cli-test", "--scopes", "match,hash,admin", "--keys-file", "keys.jsonl"], in: tree.url)
        #expect(keygen.status == 0, "\(keygen.stderr)")
        let key = String(decoding: keygen.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(key.hasPrefix("hsk_") && key.count == 68)
        let keysText = try String(contentsOf: tree.url.appendingPathComponent("keys.jsonl"), encoding: .utf8)
        #expect(!keysText.contains(key), "the keys file holds only the key's hash")
        #expect(keysText.contains(try coreutilsStdin("sha256sum", Array(key.utf8))))

        let hashed = try HashscanProcess.run(["hash", "--algorithms", "md5,sha1,sha256,pdq,phash,dhash,ahash", image.path], in: tree.url)
        let cliHashes = try #require(hashed.records(ofType: "file").first?["hashes"] as? [String: Any])
        // The list: the CLI's PDQ and SHA-1 for the image, under a name the test changes later.
        try tree.write("list.txt", "# test list\npdq:\(cliHashes["pdq"] as! String),SERVE-PDQ\nsha1:\(cliHashes["sha1"] as! String),SERVE-SHA1\n")

        let server = try ServeProcess(["serve", "--list", "list.txt", "--listen", "127.0.0.1:0", "--keys", "keys.jsonl",
                                       "--audit", "audit.jsonl", "--workers", "2"], in: tree.url)
        defer { server.stop() }
        let auth = ["Authorization": "Bearer \(key)"]

        let answer = try ServeClient.send(port: server.port, "POST", "/v1/hash", headers: auth, body: imageBytes)
        #expect(answer.status == 200, "\(answer.text)")
        let served = try #require(answer.json["hashes"] as? [String: Any])
        for name in ["md5", "sha1", "sha256", "pdq", "phash", "dhash", "ahash"] {
            #expect(served[name] as? String == cliHashes[name] as? String, "\(name): server and `hashscan hash` differ")
        }
        #expect(served["pdq_quality"] as? Int == cliHashes["pdq_quality"] as? Int)
        #expect(served["sha256"] as? String == (try coreutilsStdin("sha256sum", imageBytes)))

        let verdict = try ServeClient.send(port: server.port, "POST", "/v1/match", headers: auth, body: imageBytes)
        #expect(verdict.status == 200)
        let entries = Set((verdict.json["matches"] as? [[String: Any]] ?? []).compactMap { $0["entry"] as? String })
        #expect(entries == ["SERVE-PDQ", "SERVE-SHA1"])
        let unauthorized = try ServeClient.send(port: server.port, "POST", "/v1/match", body: imageBytes)
        #expect(unauthorized.status == 401)

        // SIGHUP under load: a new list version appears, and no request fails meanwhile.
        let sha1 = cliHashes["sha1"] as! String
        let port = server.port
        let failures = ServeLocked<[String]>([])
        let stop = ServeLocked(false)
        let load = Thread {
            while !stop.withLock({ $0 }) {
                do {
                    let answer = try ServeClient.send(port: port, "POST", "/v1/match/hashes",
                                                      headers: auth.merging(["Content-Type": "application/json"]) { $1 },
                                                      body: Array(#"{"hashes":{"sha1":"\#(sha1)"}}"#.utf8))
                    if answer.status != 200 || answer.json["match"] as? Bool != true { failures.withLock { $0.append(answer.text) } }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        load.start()
        for round in 0..<5 {
            // Replaced atomically, as a list update should be: a reload never reads half a file.
            try Data("# v\(round)\nsha1:\(sha1),SERVE-SHA1\nmd5:\(String(repeating: "\(round)", count: 32)),OTHER\n".utf8)
                .write(to: tree.url.appendingPathComponent("list.txt"), options: .atomic)
            kill(server.pid, SIGHUP)
            try await Task.sleep(for: .milliseconds(200))
        }
        stop.withLock { $0 = true }
        while load.isExecuting { try await Task.sleep(for: .milliseconds(20)) }
        #expect(failures.withLock { $0 } == [])
        let lists = try ServeClient.send(port: server.port, "GET", "/v1/lists", headers: auth)
        #expect(lists.json["generation"] as? Int == 6, "\(lists.text)")
        #expect((lists.json["lists"] as? [[String: Any]])?.first?["entries"] as? Int == 2)

        let status = server.stop()
        #expect(status == 0, "exit status after SIGTERM")
        let audit = try String(contentsOf: tree.url.appendingPathComponent("audit.jsonl"), encoding: .utf8)
        let auditLines = audit.split(separator: "\n")
        #expect(auditLines.count >= 2)
        #expect(auditLines.first?.contains(#""key_id":"cli-test""#) == true)
        #expect(!audit.contains(key))
    }
}

/// `hashscan serve` in the background; the port is read from its `listening on` line on stderr.
private final class ServeProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    var pid: Int32 { process.processIdentifier }

    init(_ arguments: [String], in directory: URL) throws {
        process.executableURL = HashscanProcess.binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        var found: Int? = nil
        while found == nil && Date() < deadline && process.isRunning {
            let data = errors.fileHandleForReading.availableData
            if data.isEmpty { usleep(10_000); continue }
            text += String(decoding: data, as: UTF8.self)
            if let range = text.range(of: "listening on http://127.0.0.1:") {
                found = Int(text[range.upperBound...].prefix { $0.isNumber })
            }
        }
        guard let found else {
            process.terminate()
            throw ServeClient.Failure(description: "serve did not start: \(text)")
        }
        port = found
        // Keep draining stderr so the server never blocks on a full pipe.
        DispatchQueue.global().async { while !errors.fileHandleForReading.availableData.isEmpty {} }
    }

    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { process.interrupt(); kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// A minimal HTTP/1.1 client over a loopback socket (one request per connection).
private enum ServeClient {
    struct Answer {
        let status: Int
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]) ?? [:] }
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    static func send(port: Int, _ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8]? = nil) throws -> Answer {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket") }
        defer { close(fd) }
        var time = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(description: "connect: errno \(errno)") }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: \(body?.count ?? 0)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let request = Array((head + "\r\n").utf8) + (body ?? [])
        var offset = 0
        while offset < request.count {
            let written = request[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw Failure(description: "send: errno \(errno)") }
            offset += written
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count > 0 { received.append(contentsOf: buffer[0..<count]) } else if count < 0 && errno == EINTR { continue } else { break }
        }
        let separator = Array("\r\n\r\n".utf8)
        guard let end = received.indices.first(where: { received[$0...].starts(with: separator) }) else {
            throw Failure(description: "no response")
        }
        let statusLine = String(decoding: received[..<end], as: UTF8.self).prefix { $0 != "\r" }
        guard let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else { throw Failure(description: "bad status line") }
        return Answer(status: status, body: Array(received[(end + 4)...]))
    }
}

/// A coreutils digest of bytes given on standard input.
private func coreutilsStdin(_ tool: String, _ bytes: [UInt8]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    input.fileHandleForWriting.write(Data(bytes))
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0,
                 "\(tool) exited with \(process.terminationStatus)\(process.terminationStatus == 127 ? " (not installed: the tests need GNU coreutils)" : "")")
    let digest = String(String(decoding: data, as: UTF8.self).prefix { $0 != " " })
    try #require(!digest.isEmpty && digest.allSatisfy(\.isHexDigit), "\(tool) printed no digest: \(String(decoding: data, as: UTF8.self))")
    return digest
}

/// A value shared with the load thread.
private final class ServeLocked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<T: Sendable>(_ body: (inout Value) -> T) -> T { mutex.withLock { body(&$0) } }
}
