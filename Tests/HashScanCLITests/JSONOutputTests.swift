import Foundation
import HashScanPostgres
import PostgresNIO
import Testing

/// Every machine-readable output outside the scan records, as a program reads it: each line parsed with
/// JSONSerialization, each field checked for its value and its JSON type. Strings carry a quote, a backslash, a
/// newline and non-ASCII text; counts of 0 and 1 must be numbers, never booleans (JSONSerialization on Linux
/// parses both into NSNumber, so the helpers below tell them apart by class).
@Suite("JSON outputs: lists, state, progress, keygen, bench, enqueue/worker/status")
struct JSONOutputTests {
    /// A string every writer must escape: quote, backslash, newline, tab, a control character, non-ASCII.
    static let tricky = "q\"b\\c\nd\te\u{01} é ☃"
    /// The same without control characters, for values that must be one line (scan ids).
    static let oneLine = "a\"b\\c é ☃"

    @Test("the helpers tell a JSON number 0 or 1 from a boolean")
    func helpersTellNumbersFromBooleans() throws {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(#"{"zero":0,"one":1,"yes":true,"no":false,"half":0.5}"#.utf8)) as? [String: Any])
        #expect(integer(object["zero"]) == 0 && integer(object["one"]) == 1)
        #expect(boolean(object["zero"]) == nil && boolean(object["one"]) == nil)
        #expect(boolean(object["yes"]) == true && boolean(object["no"]) == false)
        #expect(integer(object["yes"]) == nil && integer(object["no"]) == nil && number(object["yes"]) == nil)
        #expect(number(object["half"]) == 0.5 && integer(object["half"]) == nil)
    }

    // MARK: lists

    /// Two compiled lists: `old.hsl` (one SHA-256 entry, one PDQ entry) named `tricky`, and `new.hsl` adding one
    /// SHA-256 entry whose id has a quote, a backslash and non-ASCII text.
    private func twoLists() throws -> (TemporaryTree, added: String) {
        let tree = try TemporaryTree()
        let first = String(repeating: "ab", count: 32), added = String(repeating: "cd", count: 32)
        try tree.write("old.txt", "sha256:\(first),K-1\npdq:d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22,P-1\n")
        try tree.write("more.txt", "sha256:\(added),K-\"2\\é\n")
        let old = try HashscanProcess.run(["lists", "compile", "old.txt", "--name", Self.tricky, "-o", "old.hsl"], in: tree.url)
        #expect(old.status == 0, "\(old.stderr)")
        let new = try HashscanProcess.run(["lists", "compile", "old.txt", "more.txt", "--name", "next", "--version", Self.oneLine, "-o", "new.hsl"], in: tree.url)
        #expect(new.status == 0, "\(new.stderr)")
        return (tree, added)
    }

    @Test("lists info: one JSON object; the name escaped, counts and thresholds numbers, version only when set")
    func listsInfo() throws {
        let (tree, _) = try twoLists()
        let result = try HashscanProcess.run(["lists", "info", "old.hsl"], in: tree.url)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try singleObject(result.stdout)
        #expect(object["name"] as? String == Self.tricky)
        #expect(object["version"] == nil)
        let counts = try #require(object["counts"] as? [String: Any])
        #expect(counts.count == 2 && integer(counts["sha256"]) == 1 && integer(counts["pdq"]) == 1)
        #expect(integer((object["thresholds"] as? [String: Any])?["pdq"]) == 31)
        let bytes = try FileManager.default.attributesOfItem(atPath: tree.url.appendingPathComponent("old.hsl").path)[.size] as? Int
        #expect(integer(object["file_bytes"]) == bytes)
        #expect((object["created"] as? String)?.hasSuffix("Z") == true)
        #expect(object["hashscan_version"] is String)
        let sources = try #require(object["sources"] as? [[String: Any]])
        let digest = try coreutilsDigests("sha256sum", files: [tree.url.appendingPathComponent("old.txt")])[0]
        #expect(sources.count == 1)
        #expect(sources.first?["path"] as? String == "old.txt" && sources.first?["format"] as? String == "plain")
        #expect(sources.first?["sha256"] as? String == digest)

        let next = try singleObject(try HashscanProcess.run(["lists", "info", "new.hsl"], in: tree.url).stdout)
        #expect(next["version"] as? String == Self.oneLine)
        #expect(integer((next["counts"] as? [String: Any])?["sha256"]) == 2)
        #expect((next["sources"] as? [[String: Any]])?.map { $0["path"] as? String } == ["old.txt", "more.txt"])
    }

    @Test("lists diff --entries: each change and the summary are JSON Lines; 0 and 1 are numbers")
    func listsDiff() throws {
        let (tree, added) = try twoLists()
        let forward = try HashscanProcess.run(["lists", "diff", "old.hsl", "new.hsl", "--entries"], in: tree.url)
        #expect(forward.status == 0, "\(forward.stderr)")
        let records = forward.records
        #expect(records.count == 2)
        let change = try #require(records.first)
        #expect(change["type"] as? String == "added")
        #expect(change["algorithm"] as? String == "sha256")
        #expect(change["hash"] as? String == added)
        #expect(change["entry"] as? String == "K-\"2\\é")
        let summary = try #require(records.last)
        #expect(summary["type"] as? String == "diff_summary")
        #expect(integer(summary["added"]) == 1 && integer(summary["removed"]) == 0)

        let backward = try HashscanProcess.run(["lists", "diff", "new.hsl", "old.hsl", "--entries"], in: tree.url)
        #expect(backward.records.map { $0["type"] as? String } == ["removed", "diff_summary"])
        #expect(backward.records.first?["entry"] as? String == "K-\"2\\é")
        #expect(integer(backward.records.last?["added"]) == 0 && integer(backward.records.last?["removed"]) == 1)

        let counts = try HashscanProcess.run(["lists", "diff", "old.hsl", "old.hsl"], in: tree.url)
        #expect(counts.records.count == 1)
        #expect(integer(counts.records.first?["added"]) == 0 && integer(counts.records.first?["removed"]) == 0)
    }

    @Test("lists query: one record a hash; match is a boolean, the list name escaped")
    func listsQuery() throws {
        let (tree, _) = try twoLists()
        let hit = try HashscanProcess.run(["lists", "query", "old.hsl", "sha256:" + String(repeating: "ab", count: 32), "sha256:" + String(repeating: "00", count: 32)], in: tree.url)
        #expect(hit.status == 1, "\(hit.stderr)")
        let records = hit.records(ofType: "query")
        #expect(records.count == 2)
        #expect(boolean(records.first?["match"]) == true && boolean(records.last?["match"]) == false)
        let match = try #require((records.first?["matches"] as? [[String: Any]])?.first)
        #expect(match["list"] as? String == Self.tricky && match["entry"] as? String == "K-1")
    }

    // MARK: state, progress

    /// Two files, one of which (`in/x`) the list `list.txt` matches.
    private func smallScanTree() throws -> TemporaryTree {
        let tree = try TemporaryTree()
        let matching = try tree.write("in/x", Data("matching".utf8))
        try tree.write("in/y", Data("clean".utf8))
        try tree.write("list.txt", "sha256:\(try coreutilsDigests("sha256sum", files: [matching])[0]),E-1\n")
        return tree
    }

    @Test("state --json: one object; the scan id escaped, counters of 0 and 1 numbers")
    func stateJSON() throws {
        let tree = try smallScanTree()
        let scan = try HashscanProcess.run(["scan", "in", "--list", "list.txt", "--state", "state.db", "--scan-id", Self.oneLine], in: tree.url)
        #expect(scan.status == 1, "\(scan.stderr)")
        let result = try HashscanProcess.run(["state", "state.db", "--json"], in: tree.url)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try singleObject(result.stdout)
        #expect(object["type"] as? String == "state")
        #expect(integer(object["schema_version"]) != nil)
        #expect(integer(object["files"]) == 2)
        #expect(object["current_scan"] as? String == Self.oneLine)
        let scans = try #require(object["scans"] as? [[String: Any]])
        let entry = try #require(scans.first)
        #expect(scans.count == 1)
        #expect(entry["scan_id"] as? String == Self.oneLine)
        #expect(entry["status"] as? String == "complete")
        #expect(integer(entry["runs"]) == 1)
        #expect(integer(entry["files"]) == 2)
        #expect(integer(entry["bytes_read"]) == 13)
        #expect(integer(entry["files_reused"]) == 0)
        #expect(integer(entry["matched_files"]) == 1)
        #expect(integer(entry["files_in_state"]) == 2)
        #expect(integer(entry["matched_files_in_state"]) == 1)
        let started = try #require(integer(entry["started_at"]))
        let finished = try #require(integer(entry["finished_at"]))
        #expect(started > 1_600_000_000 && finished >= started)
    }

    @Test("--progress json: every stderr line a progress record of numbers; the last one has the final counts")
    func progressJSON() throws {
        let tree = try smallScanTree()
        let result = try HashscanProcess.run(["scan", "in", "--list", "list.txt", "--progress", "json", "--progress-interval", "0.1"], in: tree.url)
        #expect(result.status == 1, "\(result.stderr)")
        let records = jsonObjectLines(Data(result.stderr.utf8), source: "stderr with --progress json")
        #expect(!records.isEmpty && records.allSatisfy { $0["type"] as? String == "progress" })
        for record in records {
            #expect(number(record["seconds"]) != nil && number(record["files_per_second"]) != nil, "\(record)")
            for name in ["files", "bytes", "files_reused", "matches", "errors"] { #expect(integer(record[name]) != nil, "\(name): \(record)") }
            if let eta = record["eta_seconds"] { #expect(integer(eta) != nil) }
        }
        let last = try #require(records.last)
        #expect(integer(last["files"]) == 2 && integer(last["bytes"]) == 13)
        #expect(integer(last["matches"]) == 1 && integer(last["errors"]) == 0 && integer(last["files_reused"]) == 0)
    }

    // MARK: serve keygen

    @Test("serve keygen: the keys-file line is JSON with the id escaped; a whole rate is the number 1, not true")
    func keygenLine() throws {
        let tree = try TemporaryTree()
        let first = try HashscanProcess.run(["serve", "keygen", "--id", Self.tricky, "--scopes", "match,hash", "--rate", "1", "--keys", "keys.jsonl"], in: tree.url)
        #expect(first.status == 0, "\(first.stderr)")
        let second = try HashscanProcess.run(["serve", "keygen", "--id", "half", "--scopes", "admin", "--rate", "0.5", "--keys", "keys.jsonl"], in: tree.url)
        #expect(second.status == 0, "\(second.stderr)")
        let third = try HashscanProcess.run(["serve", "keygen", "--id", "unlimited", "--scopes", "hash", "--no-rate-limit", "--keys", "keys.jsonl"], in: tree.url)
        #expect(third.status == 0, "\(third.stderr)")
        let fourth = try HashscanProcess.run(["serve", "keygen", "--id", "default", "--scopes", "match:distance", "--keys", "keys.jsonl"], in: tree.url)
        #expect(fourth.status == 0, "\(fourth.stderr)")
        let file = try Data(contentsOf: tree.url.appendingPathComponent("keys.jsonl"))
        let lines = jsonObjectLines(file, source: "keys.jsonl")
        #expect(lines.count == 4)
        let key = String(decoding: first.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let keyFile = try tree.write("key.txt", Data(key.utf8))
        #expect(lines.first?["id"] as? String == Self.tricky)
        #expect(lines.first?["sha256"] as? String == (try coreutilsDigests("sha256sum", files: [keyFile])[0]))
        #expect(lines.first?["scopes"] as? [String] == ["hash", "match"])
        #expect(integer(lines.first?["rate_per_second"]) == 1)
        #expect(number(lines[1]["rate_per_second"]) == 0.5 && lines[1]["scopes"] as? [String] == ["admin"])
        #expect(lines[2]["rate_per_second"] == nil, "--no-rate-limit writes no rate")
        #expect(integer(lines[3]["rate_per_second"]) == 1_000 && lines[3]["scopes"] as? [String] == ["match:distance"], "keygen's default rate")
        // keygen reads the file back (KeysFile.parse): the same id is refused, and the file is left as it was.
        let again = try HashscanProcess.run(["serve", "keygen", "--id", Self.tricky, "--scopes", "match", "--keys", "keys.jsonl"], in: tree.url)
        #expect(again.status != 0)
        #expect(try Data(contentsOf: tree.url.appendingPathComponent("keys.jsonl")) == file)
    }

    // MARK: bench

    /// An earlier `bench --json` result, written by hand: strings to escape, counts of 0 and 1, booleans.
    private static func benchFixture() throws -> Data {
        let object: [String: Any] = [
            "type": "bench", "schema": 1, "hashscan_version": "0.0.1", "date": "2026-01-02T03:04:05Z",
            "machine": ["cpu_model": tricky, "cpu_flags": ["avx2": false, "sha_ni": true], "cores": 1, "memory_bytes": 0, "os": "Linux é"],
            "libraries": ["openssl": "Open\"SSL\\ 3"],
            "corpus": ["source": "directory", "path": tricky, "files": 1, "bytes": 0, "images": ["jpeg": 0, "png": 1],
                       "unreadable_files": 0, "not_sampled_files": 1, "file_system": "ext4"],
            "lists": ["generated": false, "names": [tricky, "b"], "total_entries": 1, "entries": ["sha256": 1], "pdq_radius": 0],
            "seconds_per_stage": 0.5, "jobs": [1, 2],
            "stages": [
                ["stage": "read", "jobs": 1, "seconds": 0.5, "cpu_seconds": 0, "figures": ["mb_per_second": 1, "files_per_second": 0.25], "failures": 0],
                ["stage": "scan", "jobs": 2, "seconds": 1, "cpu_seconds": 1.75, "figures": ["files_per_second": 12.125], "failures": 1],
            ],
        ]
        return try JSONSerialization.data(withJSONObject: object)
    }

    @Test("bench --json (--from an earlier result): every field with its type; re-reading the output gives the same bytes")
    func benchJSON() throws {
        let tree = try TemporaryTree()
        try tree.write("earlier.json", try Self.benchFixture())
        let result = try HashscanProcess.run(["bench", "--from", "earlier.json", "--json"], in: tree.url)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try singleObject(result.stdout)
        #expect(object["type"] as? String == "bench" && integer(object["schema"]) == 1)
        #expect(object["hashscan_version"] as? String == "0.0.1" && object["date"] as? String == "2026-01-02T03:04:05Z")
        #expect(number(object["seconds_per_stage"]) == 0.5)
        #expect((object["jobs"] as? [Any])?.map { integer($0) } == [1, 2])
        #expect(object["comparison"] == nil)
        let machine = try #require(object["machine"] as? [String: Any])
        #expect(machine["cpu_model"] as? String == Self.tricky && machine["os"] as? String == "Linux é")
        #expect(integer(machine["cores"]) == 1 && integer(machine["memory_bytes"]) == 0)
        let flags = try #require(machine["cpu_flags"] as? [String: Any])
        #expect(boolean(flags["avx2"]) == false && boolean(flags["sha_ni"]) == true)
        #expect((object["libraries"] as? [String: Any])?["openssl"] as? String == "Open\"SSL\\ 3")
        let corpus = try #require(object["corpus"] as? [String: Any])
        #expect(corpus["source"] as? String == "directory" && corpus["path"] as? String == Self.tricky)
        #expect(integer(corpus["files"]) == 1 && integer(corpus["bytes"]) == 0)
        #expect(integer(corpus["unreadable_files"]) == 0 && integer(corpus["not_sampled_files"]) == 1)
        #expect(corpus["seed"] == nil && corpus["requested_bytes"] == nil)
        let images = try #require(corpus["images"] as? [String: Any])
        #expect(integer(images["jpeg"]) == 0 && integer(images["png"]) == 1)
        let lists = try #require(object["lists"] as? [String: Any])
        #expect(boolean(lists["generated"]) == false && lists["names"] as? [String] == [Self.tricky, "b"])
        #expect(integer(lists["total_entries"]) == 1 && integer(lists["pdq_radius"]) == 0)
        #expect(integer((lists["entries"] as? [String: Any])?["sha256"]) == 1)
        let stages = try #require(object["stages"] as? [[String: Any]])
        #expect(stages.map { $0["stage"] as? String } == ["read", "scan"])
        #expect(integer(stages[0]["jobs"]) == 1 && integer(stages[0]["failures"]) == 0 && integer(stages[1]["failures"]) == 1)
        #expect(number(stages[0]["seconds"]) == 0.5 && number(stages[0]["cpu_seconds"]) == 0 && number(stages[1]["cpu_seconds"]) == 1.75)
        let figures = try #require(stages[0]["figures"] as? [String: Any])
        #expect(number(figures["mb_per_second"]) == 1 && number(figures["files_per_second"]) == 0.25)
        #expect(number((stages[1]["figures"] as? [String: Any])?["files_per_second"]) == 12.125)

        // The output is itself a result --from and --compare read: printing it again changes no byte.
        try tree.write("printed.json", result.stdout)
        let again = try HashscanProcess.run(["bench", "--from", "printed.json", "--json"], in: tree.url)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout == result.stdout)
    }

    @Test("bench --compare: the comparison object, ratios numbers, the old machine's facts escaped")
    func benchComparisonJSON() throws {
        let tree = try TemporaryTree()
        try tree.write("earlier.json", try Self.benchFixture())
        let result = try HashscanProcess.run(["bench", "--from", "earlier.json", "--compare", "earlier.json", "--json"], in: tree.url)
        #expect(result.status == 0, "\(result.stderr)")
        let comparison = try #require(try singleObject(result.stdout)["comparison"] as? [String: Any])
        #expect(comparison["file"] as? String == "earlier.json")
        #expect(comparison["old_cpu_model"] as? String == Self.tricky && integer(comparison["old_cores"]) == 1)
        #expect(comparison["old_hashscan_version"] as? String == "0.0.1" && comparison["old_date"] as? String == "2026-01-02T03:04:05Z")
        let ratios = try #require(comparison["ratios"] as? [[String: Any]])
        #expect(ratios.count == 3)
        for ratio in ratios {
            #expect(number(ratio["ratio"]) == 1 && number(ratio["old"]) == number(ratio["new"]), "\(ratio)")
            #expect(integer(ratio["jobs"]) != nil && ratio["stage"] is String && ratio["figure"] is String)
        }
        try tree.write("compared.json", result.stdout)
        let again = try HashscanProcess.run(["bench", "--from", "compared.json", "--compare", "earlier.json", "--json"], in: tree.url)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout == result.stdout)
    }

    // MARK: enqueue, worker, status (PostgreSQL)

    @Test("enqueue, status --json and worker over a real server: ids escaped, 0 and 1 numbers, interrupted a boolean")
    func queueRecords() throws {
        let database = try ScratchDatabase()
        let tree = try smallScanTree()
        try tree.write("batch.jsonl", #"{"path":"in/y","note":"q\"b\\c\nd é","n":0,"flag":true}"# + "\n")
        let enqueue = try HashscanProcess.run(["enqueue", "--db", database.text, "--scan-id", Self.tricky, "--manifest", "batch.jsonl", "in/x"], in: tree.url)
        #expect(enqueue.status == 0, "\(enqueue.stderr)")
        #expect(enqueue.records.count == 1)
        let queued = try #require(enqueue.records(ofType: "enqueue").first)
        #expect(queued["scan_id"] as? String == Self.tricky)
        #expect(integer(queued["batches"]) == 1 && integer(queued["files"]) == 2)
        #expect(integer(queued["errors"]) == 0 && integer(queued["skipped_symlinks"]) == 0)

        let before = try status(database, in: tree)
        #expect(before["scan_id"] as? String == Self.tricky)
        let batches = try #require(before["batches"] as? [String: Any])
        for (name, value) in ["total": 1, "pending": 1, "claimed": 0, "expired": 0, "done": 0, "failed": 0] {
            #expect(integer(batches[name]) == value, "batches.\(name)")
        }
        let files = try #require(before["files"] as? [String: Any])
        #expect(integer(files["total"]) == 2 && integer(files["done"]) == 0)
        for name in ["results", "matches", "errors", "takedown_rows"] { #expect(integer(before[name]) == 0, "\(name)") }
        #expect((before["workers"] as? [Any])?.isEmpty == true)

        let worker = try HashscanProcess.run(["worker", "--db", database.text, "--list", "list.txt", "--lease", "5", "--jobs", "1", "--worker-id", Self.tricky], in: tree.url)
        #expect(worker.status == 1, "\(worker.stderr)")
        #expect(worker.records.count == 1)
        let summary = try #require(worker.records(ofType: "worker").first)
        #expect(summary["worker"] as? String == Self.tricky)
        #expect(integer(summary["batches"]) == 1 && integer(summary["files"]) == 2 && integer(summary["matches"]) == 1)
        #expect(integer(summary["errors"]) == 0 && integer(summary["batches_lost"]) == 0 && integer(summary["batches_failed"]) == 0)
        #expect(boolean(summary["interrupted"]) == false)
        #expect(integer(summary["exit_code"]) == 1)

        let after = try status(database, in: tree)
        #expect(integer((after["batches"] as? [String: Any])?["done"]) == 1 && integer((after["batches"] as? [String: Any])?["pending"]) == 0)
        #expect(integer((after["files"] as? [String: Any])?["done"]) == 2)
        #expect(integer(after["results"]) == 2 && integer(after["matches"]) == 1 && integer(after["errors"]) == 0)
        #expect(integer(after["takedown_rows"]) == 1)
        // The manifest's fields went through the queue entry (BatchEntry) unchanged: string, number 0, boolean.
        #expect(try database.count("""
            SELECT count(*) FROM hashscan_results
             WHERE record->'extra'->>'note' = 'q"b\\c' || chr(10) || 'd é'
               AND jsonb_typeof(record->'extra'->'n') = 'number' AND (record->'extra'->>'n') = '0'
               AND jsonb_typeof(record->'extra'->'flag') = 'boolean'
            """) == 1)

        // Without --scan-id: no scan_id field.
        let all = try singleObject(try HashscanProcess.run(["status", "--db", database.text, "--json"], in: tree.url).stdout)
        #expect(all["scan_id"] == nil && integer(all["results"]) == 2)
    }

    private func status(_ database: ScratchDatabase, in tree: TemporaryTree) throws -> [String: Any] {
        let result = try HashscanProcess.run(["status", "--db", database.text, "--scan-id", Self.tricky, "--json"], in: tree.url)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try singleObject(result.stdout)
        #expect(object["type"] as? String == "status")
        return object
    }
}

// MARK: helpers

/// The one JSON object of `data`, which must be exactly one line ending in a newline.
private func singleObject(_ data: Data, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
    let text = String(decoding: data, as: UTF8.self)
    #expect(text.hasSuffix("\n") && text.dropLast().firstIndex(of: "\n") == nil, "not one line: \(text.prefix(300))", sourceLocation: sourceLocation)
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "not a JSON object: \(text.prefix(300))", sourceLocation: sourceLocation)
}

/// Whether JSONSerialization read a JSON `true`/`false` (a CFBoolean), as opposed to a number, which it also
/// hands back as an NSNumber that `as? Bool` accepts when it is 0 or 1.
private func isBooleanValue(_ value: Any) -> Bool {
    String(describing: type(of: value)).contains("Boolean") || type(of: value) == Bool.self
}

/// A JSON boolean, or nil (for a number too).
private func boolean(_ value: Any?) -> Bool? {
    guard let value, isBooleanValue(value) else { return nil }
    return value as? Bool
}

/// A JSON number, or nil (for a boolean too).
private func number(_ value: Any?) -> Double? {
    guard let value, !isBooleanValue(value), let number = value as? NSNumber else { return nil }
    return number.doubleValue
}

/// A JSON number without a fraction, or nil (for a boolean too).
private func integer(_ value: Any?) -> Int? {
    guard let double = number(value), double == double.rounded(), abs(double) < 1e15 else { return nil }
    return Int(double)
}
