import Foundation
import Testing

/// A webhook receiver on loopback (Python's standard library): stalls the first `stalls` requests for
/// `stallSeconds` (then records them: the sender has given up by then, so it sends again), fails the next
/// `failures` with 500, then records each delivery's Idempotency-Key and body.
final class WebhookReceiver {
    let pid: Int32
    let port: Int
    let log: URL

    init(directory: URL, failures: Int, stalls: Int = 0, stallSeconds: Double = 0) throws {
        log = directory.appendingPathComponent("received-\(UUID().uuidString).jsonl")
        let script = """
            import http.server, json, os, sys, threading, time
            # Never outlive the test run, whatever happens to the test process.
            threading.Timer(120, os._exit, [0]).start()
            # Close descriptors inherited from the test process (other tests' pipes), so they see their EOF.
            os.closerange(3, 65536)
            failures = int(sys.argv[2]); stalls = int(sys.argv[3]); stall = float(sys.argv[4]); log = sys.argv[1]
            seen = [0]; lock = threading.Lock()
            class H(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
                    with lock:
                        seen[0] += 1; n = seen[0]
                    if n <= stalls:
                        time.sleep(stall)
                    elif n <= stalls + failures:
                        self.send_response(500); self.end_headers(); return
                    with open(log, 'a') as f:
                        f.write(json.dumps({'key': self.headers.get('Idempotency-Key'), 'body': json.loads(body)}) + '\\n')
                    self.send_response(204); self.end_headers()
                def log_message(self, *a): pass
            server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """
        // Started in the background by a shell that exits at once, so the receiver is not a child this test
        // process waits on; it writes its port to a file and is stopped by pid.
        let portFile = directory.appendingPathComponent("port-\(UUID().uuidString)")
        let scriptFile = directory.appendingPathComponent("receiver-\(UUID().uuidString).py")
        try script.write(to: scriptFile, atomically: true, encoding: .utf8)
        let launcher = Process()
        launcher.executableURL = URL(fileURLWithPath: "/bin/sh")
        launcher.arguments = ["-c", "/usr/bin/python3 \"$0\" \"$1\" \"$2\" \"$3\" \"$4\" > \"$5\" 2>/dev/null < /dev/null & echo $!",
                              scriptFile.path, log.path, String(failures), String(stalls), String(stallSeconds), portFile.path]
        let output = Pipe()
        launcher.standardOutput = output
        try launcher.run()
        launcher.waitUntilExit()
        pid = Int32(String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        var found = 0
        let deadline = Date().addingTimeInterval(20)
        while found == 0 && Date() < deadline {
            found = Int(((try? String(contentsOf: portFile, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            if found == 0 { usleep(20_000) }
        }
        port = found
        guard found > 0 else {
            if pid > 0 { kill(pid, SIGKILL) }
            let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
            throw Failure(description: python ? "the webhook receiver (/usr/bin/python3) did not report its port within 20 s"
                                               : "the webhook tests need /usr/bin/python3 for their receiver: it is not installed")
        }
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Stops the receiver (tests call it; deinit is a fallback).
    func stop() {
        if pid > 0 { kill(pid, SIGKILL) }
    }

    deinit { stop() }

    var received: [[String: Any]] {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}

@Suite("Webhook sink", .serialized)
struct WebhookTests {
    private func tree(matches: Int) throws -> TemporaryTree {
        let tree = try TemporaryTree()
        var entries = ""
        for index in 0..<matches {
            let file = try tree.write("in/m\(index).bin", seededBytes(count: 300 + index, seed: UInt64(100 + index)))
            entries += "sha256:\(try coreutilsDigests("sha256sum", files: [file])[0]),E\(index)\n"
        }
        try tree.write("in/clean.bin", seededBytes(count: 999, seed: 7))
        try tree.write("list.txt", entries)
        return tree
    }

    @Test("a receiver that fails at first still gets every match once it recovers, each with a stable Idempotency-Key")
    func retriesUntilDelivered() throws {
        let tree = try tree(matches: 3)
        let receiver = try WebhookReceiver(directory: tree.url, failures: 4)
        defer { receiver.stop() }
        try #require(receiver.port > 0)
        let result = try HashscanProcess.run(["scan", "in", "--list", "list.txt", "--webhook", "http://127.0.0.1:\(receiver.port)/hook"], in: tree.url)
        #expect(result.status == 1)
        #expect(result.summary?["webhook_delivered"] as? Int == 3)
        #expect(result.summary?["webhook_spooled"] as? Int == 0)
        let received = receiver.received
        #expect(Set(received.compactMap { ($0["body"] as? [String: Any])?["path"] as? String }) == ["in/m0.bin", "in/m1.bin", "in/m2.bin"])
        #expect(received.allSatisfy { ($0["key"] as? String)?.count == 64 })
    }

    @Test("with the receiver down, matches are spooled; replay delivers them with the same keys")
    func spoolAndReplay() throws {
        let tree = try tree(matches: 2)
        // Port 9 (discard) on loopback: nothing listens there on a test machine, so connections are refused.
        let deadPort = 9
        let down = try HashscanProcess.run(["scan", "in", "--list", "list.txt", "--webhook", "http://127.0.0.1:\(deadPort)/hook",
                                            "--webhook-spool", "spool.jsonl"], in: tree.url, timeout: 120)
        #expect(down.status == 1, "the matches are still reported by the exit code and on stdout")
        #expect(down.records(ofType: "match").count == 2)
        #expect(down.summary?["webhook_spooled"] as? Int == 2)
        #expect(down.stderr.contains("spool.jsonl"))

        let spooledKeys = Set(jsonObjectLines(try Data(contentsOf: tree.url.appendingPathComponent("spool.jsonl")), source: "spool.jsonl")
            .compactMap { $0["key"] as? String })
        #expect(spooledKeys.count == 2)
        // A replay killed half-way leaves its records in `spool.jsonl.replaying`: the next replay sends them.
        try FileManager.default.moveItem(at: tree.url.appendingPathComponent("spool.jsonl"),
                                         to: tree.url.appendingPathComponent("spool.jsonl.replaying"))
        let receiver = try WebhookReceiver(directory: tree.url, failures: 0)
        defer { receiver.stop() }
        let replay = try HashscanProcess.run(["sink", "replay", "--webhook", "http://127.0.0.1:\(receiver.port)/hook", "--spool", "spool.jsonl"], in: tree.url)
        #expect(replay.status == 0)
        #expect(receiver.received.count == 2)
        #expect(Set(receiver.received.compactMap { $0["key"] as? String }) == spooledKeys)
        let again = try HashscanProcess.run(["sink", "replay", "--webhook", "http://127.0.0.1:\(receiver.port)/hook", "--spool", "spool.jsonl"], in: tree.url)
        #expect(again.records(ofType: "replay").first?["pending"] as? Int == 0, "the spool is empty once delivered")
        #expect(!FileManager.default.fileExists(atPath: tree.url.appendingPathComponent("spool.jsonl.replaying").path))
    }

    @Test("refused, then 500s, then stalled past the timeout: after recovery and replay every match is delivered, under its record's key")
    func refusedFailingStalling() throws {
        let tree = try tree(matches: 4)
        let down = try HashscanProcess.run(["scan", "in", "--list", "list.txt", "--webhook", "http://127.0.0.1:9/hook",
                                            "--webhook-spool", "spool.jsonl", "--webhook-timeout", "1"], in: tree.url, timeout: 120)
        #expect(down.status == 1)
        #expect(down.summary?["webhook_spooled"] as? Int == 4)
        let recordKeys = Set(down.records(ofType: "match").compactMap { $0["idempotency_key"] as? String })
        #expect(recordKeys.count == 4)

        // Back up, but sick: two requests stall for 3 s (the sender gives up after 1 s and tries again), two get 500.
        let receiver = try WebhookReceiver(directory: tree.url, failures: 2, stalls: 2, stallSeconds: 3)
        defer { receiver.stop() }
        try #require(receiver.port > 0)
        let replay = try HashscanProcess.run(["sink", "replay", "--webhook", "http://127.0.0.1:\(receiver.port)/hook", "--spool", "spool.jsonl",
                                              "--webhook-timeout", "1"], in: tree.url, timeout: 120)
        #expect(replay.status == 0, "\(replay.stderr)")
        Thread.sleep(forTimeInterval: 3.5)  // the stalled requests finish on the receiver's side too
        let received = receiver.received
        // At least once: a stalled request may arrive after its retry, under the same key.
        #expect(Set(received.compactMap { $0["key"] as? String }) == recordKeys)
        for delivery in received {
            let body = delivery["body"] as? [String: Any]
            #expect(body?["idempotency_key"] as? String == delivery["key"] as? String, "the header is the record's own key")
        }
        let spool = (try? String(contentsOf: tree.url.appendingPathComponent("spool.jsonl"), encoding: .utf8)) ?? ""
        #expect(spool.isEmpty, "nothing is left in the spool")
    }
}
