// ListBench: measurements of compiled lists for issue #4, driven by Benchmarks/scripts/compare-lists.sh.
// Each subcommand prints one JSON object per measurement on stdout (the script appends them to swift.jsonl);
// progress goes to stderr. PDQ data comes from raw files written by compare_lists.py, so FAISS loads the same bytes.
//
//   ListBench pdq-compile --data DIR --out FILE --dataset NAME
//   ListBench pdq-query   --list FILE --data DIR --dataset NAME [--residency mapped|resident] [--threads 1,2]
//                         [--kinds random,near] [--limit N] [--repeat N] [--min-seconds S] [--radius 31]
//                         [--results FILE] [--stats N]
//   ListBench pdq-linear  --data DIR [--kinds random,near] [--limit N] [--radius 31] --results FILE
//   ListBench sha-compile --count N [--seed S] --out FILE
//   ListBench sha-query   --list FILE --count N [--seed S] [--lookups N] [--threads 1,2] [--repeat N] [--batch-only]
//                         [--residency mapped|resident]
//   ListBench vics-gen    --media N [--every K] [--padding B] [--seed S] --out FILE
//   ListBench vpdq-match  --out FILE [--frames N] [--frames-per-entry N] ...   (VPDQMatch.swift)
import Dispatch
import Foundation
import HashScanCore
import HashScanLists

// MARK: - Arguments and output

struct Arguments {
    let command: String
    private var values: [String: String] = [:]

    init(_ raw: [String]) {
        command = raw.first ?? "help"
        var index = 1
        while index < raw.count {
            let key = raw[index]
            guard key.hasPrefix("--") else { fail("unexpected argument \(key)") }
            if index + 1 < raw.count, !raw[index + 1].hasPrefix("--") {
                values[String(key.dropFirst(2))] = raw[index + 1]
                index += 2
            } else {
                values[String(key.dropFirst(2))] = "true"
                index += 1
            }
        }
    }

    func string(_ name: String) -> String {
        guard let value = values[name] else { fail("--\(name) is required") }
        return value
    }

    func string(_ name: String, default value: String) -> String { values[name] ?? value }
    func int(_ name: String, default value: Int) -> Int { values[name].flatMap { Int($0.replacingOccurrences(of: "_", with: "")) } ?? value }
    func double(_ name: String, default value: Double) -> Double { values[name].flatMap(Double.init) ?? value }
    func ints(_ name: String, default value: [Int]) -> [Int] {
        values[name].map { $0.split(separator: ",").compactMap { Int($0) } } ?? value
    }
    func list(_ name: String, default value: [String]) -> [String] {
        values[name].map { $0.split(separator: ",").map(String.init) } ?? value
    }
    func flag(_ name: String) -> Bool { values[name] != nil }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ListBench: \(message)\n".utf8))
    exit(2)
}

func progress(_ message: String) {
    FileHandle.standardError.write(Data("   \(message)\n".utf8))
}

func emit(_ record: [String: Any]) {
    guard let data = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]) else { fail("cannot encode \(record)") }
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}

// MARK: - Clocks and memory

func now() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// User + system CPU seconds of the whole process (all threads).
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

/// Fields of /proc/self/status in MiB: VmRSS, VmHWM (peak), RssAnon, RssFile, RssShmem.
func memoryStatus() -> [String: Double] {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return [:] }
    var out: [String: Double] = [:]
    for line in text.split(separator: "\n") {
        let parts = line.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, ["VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"].contains(String(parts[0])) else { continue }
        let kib = Double(parts[1].split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "0") ?? 0
        out[String(parts[0])] = kib / 1024
    }
    return out
}

func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
}

// MARK: - Data

/// Raw 32-byte PDQ hashes, as compare_lists.py writes them.
func loadHashes(_ path: String, limit: Int = .max) -> [Digest] {
    guard let handle = FileHandle(forReadingAtPath: path) else { fail("cannot open \(path)") }
    defer { try? handle.close() }
    var hashes: [Digest] = []
    hashes.reserveCapacity(min(limit, fileSize(path) / 32))
    while hashes.count < limit, let chunk = try? handle.read(upToCount: 32 << 20), !chunk.isEmpty {
        chunk.withUnsafeBytes { raw in
            var offset = 0
            while offset + 32 <= raw.count && hashes.count < limit {
                hashes.append(Digest(UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + 32)])))
                offset += 32
            }
        }
    }
    return hashes
}

/// The i-th SHA-256 "digest" of a seeded set: four SplitMix64 outputs at counter positions 4i...4i+3, so any
/// entry can be regenerated alone (the lookup process needs no copy of the 3.2 GB input).
@inline(__always)
func splitmix(_ seed: UInt64, _ position: UInt64) -> UInt64 {
    var z = seed &+ (position &+ 1) &* 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D1_049B_B133_111E
    return z ^ (z >> 31)
}

@inline(__always)
func seededDigest(seed: UInt64, index: Int) -> Digest {
    withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 4) { words in
        for k in 0..<4 { words[k] = splitmix(seed, UInt64(index) &* 4 &+ UInt64(k)).bigEndian }
        return Digest(UnsafeRawBufferPointer(words))
    }
}

/// Row of a hit: bulk lists report entries as `line:N`, N = row + 1.
func row(of hit: ListHit) -> Int {
    guard hit.entry.hasPrefix("line:"), let line = Int(hit.entry.dropFirst(5)) else { fail("unexpected entry id \(hit.entry)") }
    return line - 1
}

/// Runs `body(worker, range)` on `threads` threads over `count` items split evenly; returns wall and CPU seconds.
func timed(threads: Int, count: Int, _ body: @escaping @Sendable (Int, Range<Int>) -> Void) -> (wall: Double, cpu: Double) {
    let wall = now(), cpu = cpuSeconds()
    if threads <= 1 {
        body(0, 0..<count)
    } else {
        DispatchQueue.concurrentPerform(iterations: threads) { worker in
            let lower = count * worker / threads, upper = count * (worker + 1) / threads
            body(worker, lower..<upper)
        }
    }
    return (now() - wall, cpuSeconds() - cpu)
}

final class Box<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}

// MARK: - PDQ

func pdqCompile(_ arguments: Arguments) {
    let data = arguments.string("data"), out = arguments.string("out")
    let hashes = loadHashes(data + "/haystack.bin")
    progress("pdq-compile: \(hashes.count) hashes loaded")
    let inputMiB = Double(hashes.count * MemoryLayout<Digest>.stride) / 1_048_576
    let wall = now(), cpu = cpuSeconds()
    do {
        try CompiledListWriter.write(bulk: [.pdq: hashes], name: "bench-pdq", version: arguments.string("dataset"), to: out)
    } catch {
        fail("\(error)")
    }
    let elapsed = now() - wall, used = cpuSeconds() - cpu
    let list = try? CompiledList(path: out)
    let plan = list.map { "\($0.counts[.pdq] ?? 0) rows" } ?? "?"
    emit(["what": "pdq-compile", "dataset": arguments.string("dataset"), "entries": hashes.count, "wall": elapsed, "cpu": used,
          "file_bytes": fileSize(out), "peak_rss_mib": memoryStatus()["VmHWM"] ?? 0, "input_mib": inputMiB, "plan": plan])
}

func pdqQuery(_ arguments: Arguments) {
    let path = arguments.string("list"), data = arguments.string("data"), dataset = arguments.string("dataset")
    let residencyName = arguments.string("residency", default: "mapped")
    let residency: CompiledList.Residency = residencyName == "resident" ? .resident : .mapped
    let radius = arguments.int("radius", default: 31)
    let limit = arguments.int("limit", default: .max)
    let repeats = arguments.int("repeat", default: 3)
    let minimumSeconds = arguments.double("min-seconds", default: 1.0)
    let statsSample = arguments.int("stats", default: 0)

    let opened = now()
    let list: CompiledList
    do { list = try CompiledList(path: path, residency: residency) } catch { fail("\(error)") }
    let openMs = (now() - opened) * 1000
    let afterOpen = memoryStatus()
    emit(["what": "pdq-open", "dataset": dataset, "residency": residencyName, "open_ms": openMs, "rss_mib": afterOpen["VmRSS"] ?? 0,
          "entries": list.counts[.pdq] ?? 0, "file_bytes": list.fileSize])
    progress("pdq-query: opened \(residencyName) in \(String(format: "%.2f", openMs)) ms")

    var resultLines: [String] = []
    for kind in arguments.list("kinds", default: ["random", "near"]) {
        let queries = loadHashes("\(data)/queries-\(kind).bin", limit: limit)
        // Untimed first pass: faults the mapping in and gives the results to check; its rate is reported as "cold".
        let results = Box([[(Int, Int)]](repeating: [], count: queries.count))
        let cold = timed(threads: 1, count: queries.count) { _, range in
            for index in range {
                results.value[index] = list.query(.pdq, queries[index], maxDistance: radius).map { (row(of: $0), $0.distance) }.sorted { $0.0 < $1.0 }
            }
        }
        let hits = results.value.reduce(0) { $0 + $1.count }
        emit(["what": "pdq-cold", "dataset": dataset, "residency": residencyName, "queries_kind": kind, "queries": queries.count,
              "wall": cold.wall, "cpu": cold.cpu])
        for (number, found) in results.value.enumerated() {
            resultLines.append("\(kind) \(number) " + found.map { "\($0.0):\($0.1)" }.joined(separator: " "))
        }
        var candidatesPerQuery: Double? = nil
        var probesPerQuery: Double? = nil
        if statsSample > 0 {
            var candidates = 0, probes = 0, nonEmpty = 0
            let sample = min(statsSample, queries.count)
            for query in queries.prefix(sample) {
                let statistics = list.searchStatistics(.pdq, query, maxDistance: radius)!
                candidates += statistics.candidates
                probes += statistics.probes
                nonEmpty += statistics.nonEmptyProbes
            }
            candidatesPerQuery = Double(candidates) / Double(sample)
            probesPerQuery = Double(probes) / Double(sample)
            emit(["what": "pdq-stats", "dataset": dataset, "queries_kind": kind, "sample": sample,
                  "candidates_per_query": candidatesPerQuery!, "probes_per_query": probesPerQuery!,
                  "nonempty_probes_per_query": Double(nonEmpty) / Double(sample), "hits_per_query": Double(hits) / Double(queries.count)])
        }
        for threads in arguments.ints("threads", default: [1, 2]) {
            for repetition in 1...repeats {
                // Enough passes over the queries to last `min-seconds`, counted from the first pass's rate.
                let passes = max(1, Int((minimumSeconds / max(cold.wall / Double(max(threads, 1)), 1e-6)).rounded(.up)))
                let sink = Box([Int](repeating: 0, count: threads))
                let total = queries.count * passes
                let time = timed(threads: threads, count: total) { worker, range in
                    var found = 0
                    for index in range { found &+= list.query(.pdq, queries[index % queries.count], maxDistance: radius).count }
                    sink.value[worker] = found
                }
                var record: [String: Any] = ["what": "pdq-query", "dataset": dataset, "residency": residencyName, "threads": threads,
                                             "queries_kind": kind, "queries": total, "wall": time.wall, "cpu": time.cpu,
                                             "repetition": repetition, "hits_per_query": Double(sink.value.reduce(0, +)) / Double(total),
                                             "radius": radius]
                if let candidatesPerQuery { record["candidates_per_query"] = candidatesPerQuery }
                if let probesPerQuery { record["probes_per_query"] = probesPerQuery }
                emit(record)
                progress("pdq-query \(dataset) \(residencyName) \(kind) threads \(threads) rep \(repetition): "
                    + String(format: "%.0f q/s (%.0f per CPU-s)", Double(total) / time.wall, Double(total) / time.cpu))
            }
        }
    }
    let memory = memoryStatus()
    emit(["what": "pdq-memory", "dataset": dataset, "residency": residencyName, "rss_mib": memory["VmRSS"] ?? 0,
          "hwm_mib": memory["VmHWM"] ?? 0, "file_bytes": list.fileSize])
    if arguments.flag("results") {
        try? resultLines.joined(separator: "\n").appending("\n").write(toFile: arguments.string("results"), atomically: true, encoding: .utf8)
    }
}

/// The reference: every row's distance to every query, with the same POPCNT arithmetic as nothing else shares.
func pdqLinear(_ arguments: Arguments) {
    let data = arguments.string("data"), radius = arguments.int("radius", default: 31), limit = arguments.int("limit", default: 100)
    let haystack = try! Data(contentsOf: URL(fileURLWithPath: data + "/haystack.bin"))
    var lines: [String] = []
    let started = now()
    for kind in arguments.list("kinds", default: ["random", "near"]) {
        let queries = loadHashes("\(data)/queries-\(kind).bin", limit: limit)
        let words = queries.map { q in (0..<4).map { q.wordAt($0) } }
        let found = Box([[(Int, Int)]](repeating: [], count: queries.count))
        haystack.withUnsafeBytes { raw in
            let rows = raw.count / 32
            let base = raw.baseAddress!
            nonisolated(unsafe) let shared = base
            _ = timed(threads: 2, count: queries.count) { _, range in
                for q in range {
                    let (w0, w1, w2, w3) = (words[q][0], words[q][1], words[q][2], words[q][3])
                    var hits: [(Int, Int)] = []
                    for r in 0..<rows {
                        let p = shared + r * 32
                        let d = (UInt64(bigEndian: p.loadUnaligned(as: UInt64.self)) ^ w0).nonzeroBitCount
                            + (UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) ^ w1).nonzeroBitCount
                            + (UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self)) ^ w2).nonzeroBitCount
                            + (UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)) ^ w3).nonzeroBitCount
                        if d <= radius { hits.append((r, d)) }
                    }
                    found.value[q] = hits
                }
            }
        }
        for (number, hits) in found.value.enumerated() {
            lines.append("\(kind) \(number) " + hits.map { "\($0.0):\($0.1)" }.joined(separator: " "))
        }
    }
    try? lines.joined(separator: "\n").appending("\n").write(toFile: arguments.string("results"), atomically: true, encoding: .utf8)
    progress(String(format: "pdq-linear: %d queries in %.1f s", lines.count, now() - started))
}

// MARK: - SHA-256

func shaCompile(_ arguments: Arguments) {
    let count = arguments.int("count", default: 10_000_000), seed = UInt64(arguments.int("seed", default: 42))
    let out = arguments.string("out")
    let generated = now()
    var digests: [Digest] = []
    digests.reserveCapacity(count)
    for index in 0..<count { digests.append(seededDigest(seed: seed, index: index)) }
    progress(String(format: "sha-compile: %d digests generated in %.1f s", count, now() - generated))
    let inputMiB = Double(count * MemoryLayout<Digest>.stride) / 1_048_576
    let wall = now(), cpu = cpuSeconds()
    do {
        try CompiledListWriter.write(bulk: [.sha256: digests], name: "bench-sha256", version: nil, to: out)
    } catch {
        fail("\(error)")
    }
    emit(["what": "sha-compile", "entries": count, "wall": now() - wall, "cpu": cpuSeconds() - cpu, "file_bytes": fileSize(out),
          "peak_rss_mib": memoryStatus()["VmHWM"] ?? 0, "input_mib": inputMiB])
}

func shaQuery(_ arguments: Arguments) {
    let path = arguments.string("list"), count = arguments.int("count", default: 10_000_000)
    let seed = UInt64(arguments.int("seed", default: 42)), lookups = arguments.int("lookups", default: 4_000_000)
    let repeats = arguments.int("repeat", default: 3)
    let baseline = memoryStatus()
    let opened = now()
    let list: CompiledList
    let residencyName = arguments.string("residency", default: "mapped")
    let residency: CompiledList.Residency = residencyName == "resident" ? .resident : .mapped
    do { list = try CompiledList(path: path, residency: residency) } catch { fail("\(error)") }
    let openMs = (now() - opened) * 1000
    // The resident copy is the anonymous memory the open added (measured before any key exists).
    let copyMiB = max(0, (memoryStatus()["RssAnon"] ?? 0) - (baseline["RssAnon"] ?? 0))
    emit(["what": "sha-open", "entries": count, "open_ms": openMs, "rss_mib": memoryStatus()["VmRSS"] ?? 0, "residency": residencyName,
          "copy_mib": copyMiB])
    guard list.counts[.sha256] == count else { fail("the list holds \(list.counts[.sha256] ?? 0) SHA-256 entries, not \(count)") }

    // Keys: present = entries at seeded random positions (regenerated, not read from the list); absent = another seed.
    var state = seed ^ 0x5DEE_CE66
    func next() -> UInt64 {
        state &+= 1
        return splitmix(0xA5A5_5A5A, state)
    }
    let present = (0..<lookups).map { _ in seededDigest(seed: seed, index: Int(next() % UInt64(count))) }
    let absent = (0..<lookups).map { _ in seededDigest(seed: seed &+ 0x1_0000_0001, index: Int(next() % UInt64(1 << 40))) }

    // Untimed pass over every key: faults the mapping in (a long-running scanner has it mapped) and checks answers.
    let warm = now()
    let presentCounts = list.matchCounts(.sha256, present), absentCounts = list.matchCounts(.sha256, absent)
    if let bad = presentCounts.firstIndex(where: { $0 < 1 }) {
        fail("present key \(bad) not found by matchCounts (query() finds \(list.query(.sha256, present[bad]).count)); \(presentCounts.filter { $0 < 1 }.count) missing")
    }
    guard absentCounts.allSatisfy({ $0 == 0 }) else { fail("an absent key was found") }
    progress(String(format: "sha-query: warm-up and checks in %.1f s", now() - warm))
    let keysMiB = Double(2 * lookups * MemoryLayout<Digest>.stride) / 1_048_576

    // Memory as /proc/self/status gives it: the list's pages (RssFile + RssShmem: a list on tmpfs counts as shmem)
    // and the process' anonymous memory, which holds the 2 x lookups keys of this benchmark.
    func memoryRecord(_ stage: String) -> [String: Any] {
        let memory = memoryStatus()
        // The list's memory: its file pages, plus the resident copy.
        let filePages = (memory["RssFile"] ?? 0) + (memory["RssShmem"] ?? 0) - (baseline["RssFile"] ?? 0) - (baseline["RssShmem"] ?? 0)
        return ["what": "sha-memory", "residency": residencyName, "list_mib": filePages + copyMiB,
                "stage": stage, "entries": count, "lookups_done": lookups * 2, "rss_mib": memory["VmRSS"] ?? 0,
                "rss_file_mib": (memory["RssFile"] ?? 0) + (memory["RssShmem"] ?? 0), "rss_anon_mib": memory["RssAnon"] ?? 0,
                "keys_mib": keysMiB, "raw_mib": Double(count * 32) / 1_048_576, "file_mib": Double(list.fileSize) / 1_048_576,
                "baseline_file_mib": (baseline["RssFile"] ?? 0) + (baseline["RssShmem"] ?? 0), "baseline_rss_mib": baseline["VmRSS"] ?? 0]
    }

    let batch = 4096
    let threadCounts = arguments.ints("threads", default: [1, 2])
    func runBatch(_ threads: Int, _ repetition: Int, _ keysName: String, _ keys: [Digest]) {
        let sink = Box([Int](repeating: 0, count: threads))
        let batched = timed(threads: threads, count: keys.count) { worker, range in
            var found = 0
            var counts = [Int32](repeating: 0, count: batch)
            keys.withUnsafeBufferPointer { all in
                counts.withUnsafeMutableBufferPointer { out in
                    var start = range.lowerBound
                    while start < range.upperBound {
                        let end = min(start + batch, range.upperBound)
                        list.matchCounts(.sha256, UnsafeBufferPointer(rebasing: all[start..<end]), into: out)
                        for position in 0..<(end - start) { found &+= Int(out[position]) }
                        start = end
                    }
                }
            }
            sink.value[worker] = found
        }
        emit(["what": "sha-query", "api": "batch matchCounts (4,096 keys a call)", "keys": keysName, "threads": threads, "residency": residencyName,
              "lookups": keys.count, "wall": batched.wall, "cpu": batched.cpu, "repetition": repetition, "entries": count])
        progress(String(format: "sha-query batch %@ threads %d rep %d: %.2f M/s (%.2f M per CPU-s)", keysName, threads, repetition,
                        Double(keys.count) / batched.wall / 1e6, Double(keys.count) / batched.cpu / 1e6))
    }
    func runSingle(_ threads: Int, _ repetition: Int, _ keysName: String, _ keys: [Digest]) {
        let sink = Box([Int](repeating: 0, count: threads))
        let single = timed(threads: threads, count: keys.count) { worker, range in
            var found = 0
            for index in range { found &+= list.query(.sha256, keys[index]).count }
            sink.value[worker] = found
        }
        emit(["what": "sha-query", "api": "query() one key a call", "keys": keysName, "threads": threads, "residency": residencyName,
              "lookups": keys.count, "wall": single.wall, "cpu": single.cpu, "repetition": repetition, "entries": count])
        progress(String(format: "sha-query query() %@ threads %d rep %d: %.2f M/s (%.2f M per CPU-s)", keysName, threads, repetition,
                        Double(keys.count) / single.wall / 1e6, Double(keys.count) / single.cpu / 1e6))
    }
    // Batch lookups first: they read the digests and the prefix table only, so the memory after them is what a
    // scan that finds few matches keeps resident.
    for repetition in 1...repeats {
        for threads in threadCounts {
            runBatch(threads, repetition, "present", present)
            runBatch(threads, repetition, "absent", absent)
        }
    }
    emit(memoryRecord("after batch lookups (digests + prefix table)"))
    if arguments.flag("batch-only") { return }
    // query() builds a ListHit for each match, reading the entry's line record: a hit touches the line table too.
    for repetition in 1...repeats {
        for threads in threadCounts {
            runSingle(threads, repetition, "present", present)
            runSingle(threads, repetition, "absent", absent)
        }
    }
    for index in stride(from: 0, to: lookups, by: max(1, lookups / 2000)) {
        guard list.query(.sha256, present[index]).count == Int(presentCounts[index]), list.query(.sha256, absent[index]).isEmpty else {
            fail("query() and matchCounts() disagree on key \(index)")
        }
    }
    emit(memoryRecord("after query() on present keys too (+ line records of the hits)"))
}

// MARK: - VICS

func vicsGenerate(_ arguments: Arguments) {
    let out = arguments.string("out")
    let media = arguments.int("media", default: 100_000)
    let started = now()
    do {
        let kept = try SyntheticVICSWriter.write(mediaCount: media, to: out, categoryOneEvery: arguments.int("every", default: 100),
                                                 paddingBytes: arguments.int("padding", default: 0),
                                                 seed: UInt64(arguments.int("seed", default: 1)))
        emit(["what": "vics-gen", "media": media, "category_one": kept, "bytes": fileSize(out), "seconds": now() - started])
    } catch {
        fail("\(error)")
    }
}

// MARK: - Main

let arguments = Arguments(Array(CommandLine.arguments.dropFirst()))
switch arguments.command {
case "pdq-compile": pdqCompile(arguments)
case "pdq-query": pdqQuery(arguments)
case "pdq-linear": pdqLinear(arguments)
case "sha-compile": shaCompile(arguments)
case "sha-query": shaQuery(arguments)
case "vics-gen": vicsGenerate(arguments)
case "vpdq-match": vpdqMatch(arguments)
default:
    FileHandle.standardError.write(Data("usage: see the header of Benchmarks/Sources/ListBench/main.swift\n".utf8))
    exit(arguments.command == "help" ? 0 : 2)
}
