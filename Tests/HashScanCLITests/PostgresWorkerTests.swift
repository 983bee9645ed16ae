import Foundation
import HashScanPostgres
import PostgresNIO
import Testing

/// A `hashscan` process started in the background by a shell that returns at once (so it is no child this test
/// process waits on, and holds none of its pipes); its pid and, when it ends, its exit status land in files.
private struct DetachedHashscan {
    let name: String
    let directory: URL

    init(_ arguments: [String], name: String, in directory: URL) throws {
        self.name = name
        self.directory = directory
        let launcher = Process()
        launcher.executableURL = URL(fileURLWithPath: "/bin/bash")
        launcher.arguments = ["-c", """
            for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null; done
            cd "$1" || exit 1
            name=$2; shift 2
            ( "$0" "$@" > "$name.out" 2> "$name.err" < /dev/null & pid=$!; echo $pid > "$name.pid"; wait $pid; echo $? > "$name.rc" ) \
                > /dev/null 2>&1 < /dev/null &
            """, HashscanProcess.binary.path, directory.path, name] + arguments
        launcher.standardOutput = FileHandle.nullDevice
        launcher.standardError = FileHandle.nullDevice
        try launcher.run()
        launcher.waitUntilExit()
    }

    private func read(_ suffix: String) -> String? {
        (try? String(contentsOf: directory.appendingPathComponent("\(name).\(suffix)"), encoding: .utf8))
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    var pid: Int32? {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let text = read("pid"), let pid = Int32(text) { return pid }
            usleep(10_000)
        }
        return nil
    }

    /// Waits for the exit status; nil after `timeout` seconds (the process is then killed).
    func wait(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let text = read("rc"), let status = Int32(text) { return status }
            usleep(50_000)
        }
        if let pid { kill(pid, SIGKILL) }
        return nil
    }

    var stdout: String { read("out") ?? "" }
    var stderr: String { read("err") ?? "" }
}

/// 30 directories of 1,000 small files behind the symbolic link `in` of `tree`; returns where they are and the
/// 500th file of each directory (to plant in a list). 30,000 files cost minutes through Foundation on a disk
/// (≈ 4 ms each) and well under a second on tmpfs: they go to /dev/shm where it exists, written with plain
/// system calls. The caller removes them with `removeTree`.
private func makeSmallFiles(in tree: TemporaryTree) throws -> (URL, [URL]) {
    let shm = URL(fileURLWithPath: "/dev/shm")
    let files = FileManager.default.isWritableFile(atPath: shm.path)
        ? shm.appendingPathComponent("hashscan-test-\(UUID().uuidString)") : tree.url.appendingPathComponent("files")
    var planted: [URL] = []
    do {
        try FileManager.default.createSymbolicLink(at: tree.url.appendingPathComponent("in"), withDestinationURL: files)
        for directory in 0..<30 {
            let folder = files.appendingPathComponent("d\(directory)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for file in 0..<1000 {
                let url = folder.appendingPathComponent("f\(file).txt")
                try writeSmallFile(url.path, "file \(directory)-\(file)\n")
                if file == 500 { planted.append(url) }
            }
        }
    } catch {
        removeTree(files)
        throw error
    }
    return (files, planted)
}

private func writeSmallFile(_ path: String, _ text: String) throws {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown) }
    defer { close(descriptor) }
    let bytes = Array(text.utf8)
    guard write(descriptor, bytes, bytes.count) == bytes.count else { throw CocoaError(.fileWriteUnknown) }
}

private func removeTree(_ url: URL) {
    let remover = Process()
    remover.executableURL = URL(fileURLWithPath: "/bin/rm")
    remover.arguments = ["-rf", url.path]
    try? remover.run()
    remover.waitUntilExit()
}

@Suite("PostgreSQL work queue: enqueue, worker, status (real server)")
struct PostgresWorkerTests {
    @Test("three workers over 30,000 files, one killed mid-batch: every file stored once, no batch left claimed")
    func threeWorkersOneKilled() throws {
        let database = try ScratchDatabase()
        let tree = try TemporaryTree()
        let (files, planted) = try makeSmallFiles(in: tree)
        defer { removeTree(files) }
        let digests = try coreutilsDigests("sha256sum", files: planted)
        try tree.write("list.txt", digests.enumerated().map { "sha256:\($1),PLANT-\($0)\n" }.joined())

        let enqueue = try HashscanProcess.run(["enqueue", "--db", database.text, "--batch-size", "1000", "--scan-id", "acceptance", "in"], in: tree.url)
        #expect(enqueue.status == 0, "\(enqueue.stderr)")
        let queued = try #require(enqueue.records(ofType: "enqueue").first)
        #expect(queued["files"] as? Int == 30_000 && queued["batches"] as? Int == 30 && queued["scan_id"] as? String == "acceptance")

        // Status before any worker: everything pending.
        let before = try HashscanProcess.run(["status", "--db", database.text, "--json"], in: tree.url)
        let pending = try #require(before.records(ofType: "status").first)
        #expect((pending["batches"] as? [String: Int])?["pending"] == 30)
        #expect((pending["files"] as? [String: Int]) == ["total": 30_000, "done": 0])

        let common = ["worker", "--db", database.text, "--list", "list.txt", "--lease", "2", "--jobs", "1"]
        let workers = try ["A", "B", "C"].map { try DetachedHashscan(common + ["--worker-id", $0], name: $0, in: tree.url) }
        let victim = try #require(workers[0].pid)

        // Kill A once it has stored a batch and holds another: mid-batch, lease in force.
        var heldAtDeath = 0
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let (done, held) = try { () throws -> (Int, Int) in
                let values = try database.integers("""
                    SELECT count(*) FILTER (WHERE status = 'done' AND worker = 'A'),
                           count(*) FILTER (WHERE status = 'claimed' AND worker = 'A') FROM hashscan_batches
                    """)
                return (values[0], values[1])
            }()
            if done >= 1 && held == 1 {
                kill(victim, SIGKILL)
                heldAtDeath = try database.count("SELECT count(*) FROM hashscan_batches WHERE status = 'claimed' AND worker = 'A'")
                break
            }
            if try database.count("SELECT count(*) FROM hashscan_batches WHERE status <> 'done'") == 0 { break }
            usleep(2_000)
        }
        #expect(heldAtDeath == 1, "worker A was killed while it held a batch")

        let statusA = workers[0].wait(timeout: 30)
        let statusB = workers[1].wait(timeout: 240)
        let statusC = workers[2].wait(timeout: 240)
        #expect(statusA == 128 + SIGKILL)
        #expect(statusB.map { [0, 1].contains($0) } == true, "B: \(workers[1].stderr)")
        #expect(statusC.map { [0, 1].contains($0) } == true, "C: \(workers[2].stderr)")

        // Every file processed, each result stored exactly once, every batch done, none claimed.
        #expect(try database.count("SELECT count(*) FROM hashscan_results") == 30_000)
        #expect(try database.count("SELECT count(DISTINCT path) FROM hashscan_results") == 30_000)
        #expect(try database.count("SELECT count(*) FROM hashscan_results WHERE path NOT LIKE 'in/d%/f%.txt'") == 0)
        #expect(try database.count("SELECT count(*) FROM hashscan_batches WHERE status <> 'done'") == 0)
        #expect(try database.count("SELECT coalesce(sum(file_count), 0) FROM hashscan_batches") == 30_000)
        // A's batch was taken over after its lease: claimed more than once, finished by someone else.
        #expect(try database.count("SELECT count(*) FROM hashscan_batches WHERE attempts > 1 AND worker <> 'A'") >= heldAtDeath)
        #expect(try database.count("SELECT count(*) FROM hashscan_results WHERE kind = 'match'") == 30)
        #expect(try database.count("SELECT count(*) FROM hashscan_takedown WHERE scan_id = 'acceptance' AND list = 'list'") == 30)
        #expect(try database.count("SELECT count(*) FROM hashscan_results WHERE kind = 'match' AND record ? 'idempotency_key'") == 30)
        // The stored records are scan's: a clean file's record has its three digests.
        #expect(try database.count("SELECT count(*) FROM hashscan_results WHERE kind = 'file' AND record->'hashes' ?& array['md5','sha1','sha256']") == 29_970)

        // What the surviving workers say they did, plus what A stored before it died, is everything.
        let summaries = [workers[1], workers[2]].compactMap { worker in
            jsonObjectLines(Data(worker.stdout.utf8), source: "worker \(worker.name)'s stdout").first
        }
        #expect(summaries.count == 2)
        let storedByA = try database.count("SELECT count(*) FROM hashscan_results WHERE worker = 'A'")
        #expect(summaries.compactMap { $0["files"] as? Int }.reduce(0, +) + storedByA == 30_000)

        // Status says what the tables say.
        try expectStatusMatchesTables(database, in: tree)
    }

    private func expectStatusMatchesTables(_ database: ScratchDatabase, in tree: TemporaryTree) throws {
        let result = try HashscanProcess.run(["status", "--db", database.text, "--json"], in: tree.url)
        #expect(result.status == 0)
        let status = try #require(result.records(ofType: "status").first)
        let batches = try #require(status["batches"] as? [String: Int])
        let files = try #require(status["files"] as? [String: Int])
        let counts = try database.integers("""
            SELECT count(*), count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'claimed'),
                   count(*) FILTER (WHERE status = 'done'), count(*) FILTER (WHERE status = 'failed'),
                   coalesce(sum(file_count), 0), coalesce(sum(file_count) FILTER (WHERE status = 'done'), 0),
                   (SELECT count(*) FROM hashscan_results), (SELECT count(*) FROM hashscan_results WHERE kind = 'match'),
                   (SELECT count(*) FROM hashscan_results WHERE kind = 'error'), (SELECT count(*) FROM hashscan_takedown)
              FROM hashscan_batches
            """)
        #expect([batches["total"], batches["pending"], batches["claimed"], batches["done"], batches["failed"],
                 files["total"], files["done"], status["results"] as? Int, status["matches"] as? Int,
                 status["errors"] as? Int, status["takedown_rows"] as? Int].map { $0 ?? -1 } == counts)
        #expect((status["workers"] as? [Any])?.isEmpty == true)

        let text = try HashscanProcess.run(["status", "--db", database.text], in: tree.url)
        let output = String(decoding: text.stdout, as: UTF8.self)
        #expect(output.contains("batches   \(counts[0]): \(counts[1]) pending, \(counts[2]) claimed, \(counts[3]) done, \(counts[4]) failed"))
        #expect(output.contains("takedown  \(counts[10]) rows"))
    }

    @Test("a manifest's locators and fields reach the results and the takedown table; a missing file is an error result")
    func manifestAndErrors() throws {
        let database = try ScratchDatabase()
        let tree = try TemporaryTree()
        let hit = try tree.write("store/hit.bin", seededBytes(count: 700, seed: 11))
        try tree.write("store/clean.bin", seededBytes(count: 500, seed: 12))
        try tree.write("list.txt", "sha256:\(try coreutilsDigests("sha256sum", files: [hit])[0]),HIT-1\n")
        try tree.write("batch.jsonl", """
            {"path":"store/hit.bin","locator":"s3://bucket/hit","upload_id":42}
            {"path":"store/clean.bin","locator":"s3://bucket/clean"}
            {"path":"store/gone.bin","locator":"s3://bucket/gone"}
            not json

            """)
        let enqueue = try HashscanProcess.run(["enqueue", "--db", database.text, "--manifest", "batch.jsonl", "--batch-size", "2"], in: tree.url)
        #expect(enqueue.status == 0, "\(enqueue.stderr)")
        #expect(enqueue.records(ofType: "enqueue").first?["files"] as? Int == 4)
        let worker = try HashscanProcess.run(["worker", "--db", database.text, "--list", "list.txt", "--lease", "5"], in: tree.url)
        #expect(worker.status == 1, "a match was stored: \(worker.stderr)")
        let summary = try #require(worker.records(ofType: "worker").first)
        #expect(summary["files"] as? Int == 4 && summary["matches"] as? Int == 1 && summary["errors"] as? Int == 2)
        #expect(try database.count("SELECT count(*) FROM hashscan_takedown WHERE locator = 's3://bucket/hit' AND entry = 'HIT-1' AND (record->'extra'->>'upload_id')::int = 42") == 1)
        #expect(try database.count("SELECT count(*) FROM hashscan_results WHERE kind = 'error' AND record->>'code' = 'not_found' AND record->>'locator' = 's3://bucket/gone'") == 1)
        #expect(try database.count("SELECT count(*) FROM hashscan_results WHERE kind = 'error' AND record->>'code' = 'invalid_manifest'") == 1)
        try expectStatusMatchesTables(database, in: tree)

        // A second worker finds nothing to do and says so with exit 0.
        let idle = try HashscanProcess.run(["worker", "--db", database.text, "--list", "list.txt"], in: tree.url)
        #expect(idle.status == 0 && idle.records(ofType: "worker").first?["batches"] as? Int == 0)
    }

    @Test("SIGTERM: a worker stores the batch in hand and stops with 130; nothing is left claimed")
    func termFinishesBatch() throws {
        let database = try ScratchDatabase()
        let tree = try TemporaryTree()
        let (files, _) = try makeSmallFiles(in: tree)
        defer { removeTree(files) }
        try tree.write("list.txt", "md5:00000000000000000000000000000000\n")
        let enqueue = try HashscanProcess.run(["enqueue", "--db", database.text, "--batch-size", "500", "in"], in: tree.url)
        #expect(enqueue.status == 0, "\(enqueue.stderr)")
        let worker = try DetachedHashscan(["worker", "--db", database.text, "--list", "list.txt", "--jobs", "1", "--worker-id", "T"],
                                          name: "T", in: tree.url)
        let pid = try #require(worker.pid)
        let deadline = Date().addingTimeInterval(60)
        while try database.count("SELECT count(*) FROM hashscan_batches WHERE status = 'done'") < 1 && Date() < deadline { usleep(5_000) }
        kill(pid, SIGTERM)
        #expect(worker.wait(timeout: 60) == 130, "\(worker.stderr)")
        let summary = try #require(try? JSONSerialization.jsonObject(with: Data(worker.stdout.utf8)) as? [String: Any])
        #expect(summary["interrupted"] as? Bool == true)
        #expect(try database.count("SELECT count(*) FROM hashscan_batches WHERE status = 'claimed'") == 0)
        let done = try database.count("SELECT count(*) FROM hashscan_batches WHERE status = 'done'")
        #expect(done >= 1 && done < 60 && summary["batches"] as? Int == done)
        #expect(try database.count("SELECT count(*) FROM hashscan_results") == done * 500)
    }

    @Test("a database that is down: enqueue, worker and status stop with exit 70 and say why", arguments: ["enqueue", "worker", "status"])
    func databaseDown(_ command: String) throws {
        let tree = try TemporaryTree()
        try tree.write("list.txt", "md5:00000000000000000000000000000000\n")
        try tree.write("in/a.bin", "a")
        // Port 1 on loopback: nothing listens there, so the connection is refused at once.
        let url = "postgres://nobody@127.0.0.1:1/none"
        let arguments: [String] = switch command {
        case "enqueue": ["enqueue", "--db", url, "in"]
        case "worker": ["worker", "--db", url, "--list", "list.txt"]
        default: ["status", "--db", url]
        }
        let result = try HashscanProcess.run(arguments, in: tree.url, timeout: 60)
        #expect(result.status == 70)
        #expect(result.stderr.contains("hashscan: cannot connect to postgres://nobody@127.0.0.1:1/none"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test("a malformed --db URL is a usage error")
    func badURL() throws {
        let tree = try TemporaryTree()
        let result = try HashscanProcess.run(["status", "--db", "mysql://u@h/db"], in: tree.url)
        #expect(result.status == 64)
        #expect(result.stderr.contains("not a postgres:// URL"))
    }
}

@Suite("scan --sink postgres:// (real server)")
struct ScanPostgresSinkTests {
    @Test("every hit becomes one takedown row under its key; a rerun of the same scan adds none; a resumed scan repeats none")
    func takedownRows() throws {
        let database = try ScratchDatabase()
        let tree = try TemporaryTree()
        var list = ""
        for index in 0..<6 {
            let file = try tree.write("in/m\(index).bin", seededBytes(count: 200 + index, seed: UInt64(500 + index)))
            list += "sha256:\(try coreutilsDigests("sha256sum", files: [file])[0]),ENTRY-\(index)\n"
            if index < 2 { list += "md5:\(try coreutilsDigests("md5sum", files: [file])[0]),MD5-\(index)\n" }
        }
        try tree.write("in/clean.bin", seededBytes(count: 999, seed: 1))
        try tree.write("list.txt", list)
        let first = try HashscanProcess.run(["scan", "in", "--list", "list.txt", "--sink", database.text, "--scan-id", "nightly-1"], in: tree.url)
        #expect(first.status == 1)
        #expect(first.summary?["sink_delivered"] as? Int == 6)
        #expect(first.summary?["sink_spooled"] as? Int == 0)
        let hitKeys = Set(first.records(ofType: "match").flatMap { ($0["matches"] as? [[String: Any]] ?? []).compactMap { $0["idempotency_key"] as? String } })
        #expect(hitKeys.count == 8)
        #expect(try database.count("SELECT count(*) FROM hashscan_takedown") == 8)
        #expect(try database.count("SELECT count(DISTINCT idempotency_key) FROM hashscan_takedown WHERE scan_id = 'nightly-1'") == 8)

        // The same scan again (a retried job): the same keys, no new row.
        _ = try HashscanProcess.run(["scan", "in", "--list", "list.txt", "--sink", database.text, "--scan-id", "nightly-1"], in: tree.url)
        #expect(try database.count("SELECT count(*) FROM hashscan_takedown") == 8)

        // A resumed scan with a state: the rows of the files it redoes are not repeated.
        _ = try HashscanProcess.run(["scan", "in", "--list", "list.txt", "--sink", database.text, "--state", "s.db", "--scan-id", "nightly-2"], in: tree.url)
        _ = try HashscanProcess.run(["scan", "in", "--list", "list.txt", "--sink", database.text, "--state", "s.db", "--resume"], in: tree.url)
        #expect(try database.count("SELECT count(*) FROM hashscan_takedown WHERE scan_id = 'nightly-2'") == 8)
    }

    @Test("a database that is down stops the scan before any file is read (exit 70)")
    func downAtStart() throws {
        let tree = try TemporaryTree()
        try tree.write("in/a.bin", seededBytes(count: 10, seed: 2))
        try tree.write("list.txt", "md5:00000000000000000000000000000000\n")
        let result = try HashscanProcess.run(["scan", "in", "--list", "list.txt", "--sink", "postgres://nobody@127.0.0.1:9/none"], in: tree.url)
        #expect(result.status == 70)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("cannot connect"))
    }
}
