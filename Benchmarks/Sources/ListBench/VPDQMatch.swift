// ListBench vpdq-match: vPDQ matching of whole-video queries against a compiled list of vPDQ entries
// (driven by Benchmarks/scripts/compare-video.sh). One JSON object per measurement on stdout, progress on stderr.
//
//   ListBench vpdq-match --out FILE [--frames 10000000] [--frames-per-entry 60] [--walk-bits 0] [--seed 42]
//                        [--queries 200] [--query-frames 60] [--noise-bits 8] [--threads 1] [--repeat 3]
//                        [--min-seconds 2] [--residency mapped|resident] [--keep]
//
// The list: `frames / frames-per-entry` entries (ids v0, v1, ...), each a set of `frames-per-entry` PDQ frames. With
// --walk-bits 0 every frame is an independent seeded random hash; with --walk-bits B an entry's frames are a random
// walk (each frame is the previous one with B bits flipped), closer to consecutive frames of one video.
// The queries, `query-frames` frames each: "random" (fresh random frames, nothing should match) and "near" (the
// first frames of a seeded random entry, each with `noise-bits` distinct bits flipped: that entry must match).
//
// Matching follows the scan's rule (HashScanPipeline's VerdictMatching.vpdq, which is package-internal, so it is
// restated here over the public matcher API): the query's distinct frames are each looked up through
// `matches(for:)` within the list's vPDQ threshold (31), hits are grouped by entry (query frames that found the
// entry, distinct entry frames found), and an entry matches when either share reaches 80% of its side
// (`entrySizes(.vpdq)` gives the entry side). The time ranges of a match record are not built (a few comparisons
// per matched frame).
import Foundation
import HashScanCore
import HashScanLists

/// Bit positions 0..<256 from a seeded stream: `count` distinct ones.
private func distinctBits(_ count: Int, seed: UInt64, position: inout UInt64) -> [Int] {
    var chosen: [Int] = []
    while chosen.count < count {
        let bit = Int(splitmix(seed, position) % 256)
        position &+= 1
        if !chosen.contains(bit) { chosen.append(bit) }
    }
    return chosen
}

private func flipping(_ digest: Digest, _ bits: [Int]) -> Digest {
    var bytes = digest.bytes
    for bit in bits { bytes[bit >> 3] ^= UInt8(1) << UInt8(bit & 7) }
    return Digest(bytes: bytes)
}

/// The frames of entry `entry`, regenerated from the seed alone.
private func entryFrames(_ entry: Int, perEntry: Int, walkBits: Int, seed: UInt64) -> [Digest] {
    let first = entry * perEntry
    guard walkBits > 0 else { return (0..<perEntry).map { seededDigest(seed: seed, index: first + $0) } }
    var frames = [seededDigest(seed: seed, index: first)]
    var position = UInt64(first) &* 4096
    while frames.count < perEntry {
        frames.append(flipping(frames[frames.count - 1], distinctBits(walkBits, seed: seed ^ 0x77A1_F00D, position: &position)))
    }
    return frames
}

/// The entries a video's frames match, by the scan's vPDQ rule (see the header).
func vpdqMatchedEntries(_ frames: [Digest], list: CompiledList, sizes: [String: Int], queryPercent: Double = 80,
                        entryPercent: Double = 80) -> [String] {
    var seen = Set<Digest>()
    let query = frames.filter { seen.insert($0).inserted }
    guard !query.isEmpty else { return [] }
    var queryFrames: [String: Set<Int>] = [:]
    var entryFramesFound: [String: Set<Digest>] = [:]
    for (position, frame) in query.enumerated() {
        for hit in list.matches(for: FileHashes(digests: [.vpdq: frame])) where hit.algorithm == .vpdq {
            queryFrames[hit.entry, default: []].insert(position)
            entryFramesFound[hit.entry, default: []].insert(hit.reference)
        }
    }
    var matched: [String] = []
    for (entry, positions) in queryFrames {
        let found = entryFramesFound[entry]?.count ?? 0
        let entrySize = max(found, sizes[entry] ?? 0)
        let queryShare = 100 * Double(positions.count) / Double(query.count)
        let entryShare = 100 * Double(found) / Double(max(1, entrySize))
        if queryShare >= queryPercent || entryShare >= entryPercent { matched.append(entry) }
    }
    return matched.sorted()
}

func vpdqMatch(_ arguments: Arguments) {
    let out = arguments.string("out")
    let totalFrames = arguments.int("frames", default: 10_000_000)
    let perEntry = arguments.int("frames-per-entry", default: 60)
    let walkBits = arguments.int("walk-bits", default: 0)
    let seed = UInt64(arguments.int("seed", default: 42))
    let queryCount = arguments.int("queries", default: 200)
    let queryFrameCount = arguments.int("query-frames", default: 60)
    let noiseBits = arguments.int("noise-bits", default: 8)
    let repeats = arguments.int("repeat", default: 3)
    let minimumSeconds = arguments.double("min-seconds", default: 2.0)
    let residencyName = arguments.string("residency", default: "mapped")
    let residency: CompiledList.Residency = residencyName == "resident" ? .resident : .mapped
    let entries = max(1, (totalFrames + perEntry - 1) / perEntry)
    let dataset = walkBits > 0 ? "walk-\(walkBits)" : "random"
    guard queryFrameCount <= perEntry else { fail("--query-frames must not exceed --frames-per-entry") }

    // Build and compile the list.
    let generated = now()
    var listEntries: [ListEntry] = []
    listEntries.reserveCapacity(entries * perEntry)
    for entry in 0..<entries {
        let id = "v\(entry)"
        for frame in entryFrames(entry, perEntry: perEntry, walkBits: walkBits, seed: seed) {
            listEntries.append(ListEntry(algorithm: .vpdq, hash: frame, entryID: id, line: listEntries.count + 1))
        }
    }
    let frameCount = listEntries.count
    progress(String(format: "vpdq-match: %d entries x %d frames (%@) generated in %.1f s", entries, perEntry, dataset, now() - generated))
    let wall = now(), cpu = cpuSeconds()
    do {
        try CompiledListWriter.write(HashList(name: "bench-vpdq", version: dataset, entries: listEntries), to: out)
    } catch {
        fail("\(error)")
    }
    listEntries = []
    emit(["what": "vpdq-compile", "dataset": dataset, "entries": entries, "frames": frameCount, "wall": now() - wall,
          "cpu": cpuSeconds() - cpu, "file_bytes": fileSize(out), "peak_rss_mib": memoryStatus()["VmHWM"] ?? 0])
    progress(String(format: "vpdq-match: compiled %d frames in %.1f s (%.0f MiB)", frameCount, now() - wall, Double(fileSize(out)) / 1_048_576))

    let opened = now()
    let list: CompiledList
    do { list = try CompiledList(path: out, residency: residency) } catch { fail("\(error)") }
    if !arguments.flag("keep") { unlink(out) }  // the mapping stays valid after unlink
    let sizes = list.entrySizes(.vpdq)[list.name] ?? [:]
    emit(["what": "vpdq-open", "dataset": dataset, "residency": residencyName, "open_ms": (now() - opened) * 1000,
          "rss_mib": memoryStatus()["VmRSS"] ?? 0, "frames": list.counts[.vpdq] ?? 0, "entries": sizes.count])
    guard list.counts[.vpdq] == frameCount, sizes.count == entries else {
        fail("the list holds \(list.counts[.vpdq] ?? 0) frames in \(sizes.count) entries, not \(frameCount) in \(entries)")
    }

    // Queries.
    var position: UInt64 = 0x51DE
    var random: [[Digest]] = [], near: [[Digest]] = [], nearSource: [String] = []
    for query in 0..<queryCount {
        random.append((0..<queryFrameCount).map { seededDigest(seed: seed &+ 0x9000_0001, index: query * queryFrameCount + $0) })
        let entry = Int(splitmix(seed ^ 0xE17, UInt64(query)) % UInt64(entries))
        let frames = entryFrames(entry, perEntry: perEntry, walkBits: walkBits, seed: seed).prefix(queryFrameCount)
        near.append(frames.map { flipping($0, distinctBits(noiseBits, seed: seed ^ 0xA0153, position: &position)) })
        nearSource.append("v\(entry)")
    }

    for (kind, queries) in [("random", random), ("near", near)] {
        // Untimed first pass: faults the mapping in and checks the answers.
        let answers = Box([[String]](repeating: [], count: queries.count))
        let cold = timed(threads: 1, count: queries.count) { _, range in
            for index in range { answers.value[index] = vpdqMatchedEntries(queries[index], list: list, sizes: sizes) }
        }
        var expected = 0, unexpected = 0
        for (index, matched) in answers.value.enumerated() {
            if kind == "near" && matched.contains(nearSource[index]) { expected += 1 }
            unexpected += matched.filter { kind == "random" || $0 != nearSource[index] }.count
        }
        var frameHits = 0
        for query in queries.prefix(20) {
            for frame in query { frameHits += list.matches(for: FileHashes(digests: [.vpdq: frame])).count }
        }
        emit(["what": "vpdq-check", "dataset": dataset, "queries_kind": kind, "queries": queries.count,
              "matched_source": expected, "other_matches": unexpected, "cold_wall": cold.wall, "cold_cpu": cold.cpu,
              "frame_hits_per_query": Double(frameHits) / Double(min(20, queries.count))])
        progress("vpdq-match \(kind): \(expected) of \(queries.count) matched their source entry, \(unexpected) other matches")
        if kind == "near" && expected != queries.count { fail("\(queries.count - expected) near queries did not match their entry") }
        if unexpected > 0 { fail("\(unexpected) unexpected matches") }

        for threads in arguments.ints("threads", default: [1]) {
            for repetition in 1...repeats {
                let passes = max(1, Int((minimumSeconds / max(cold.wall / Double(max(threads, 1)), 1e-6)).rounded(.up)))
                let total = queries.count * passes
                let sink = Box([Int](repeating: 0, count: threads))
                let time = timed(threads: threads, count: total) { worker, range in
                    var found = 0
                    for index in range { found &+= vpdqMatchedEntries(queries[index % queries.count], list: list, sizes: sizes).count }
                    sink.value[worker] = found
                }
                emit(["what": "vpdq-query", "dataset": dataset, "residency": residencyName, "threads": threads,
                      "queries_kind": kind, "queries": total, "query_frames": queryFrameCount, "frames": frameCount,
                      "wall": time.wall, "cpu": time.cpu, "repetition": repetition,
                      "matches_per_query": Double(sink.value.reduce(0, +)) / Double(total)])
                progress("vpdq-match \(dataset) \(residencyName) \(kind) threads \(threads) rep \(repetition): "
                    + String(format: "%.1f q/s (%.1f per CPU-s)", Double(total) / time.wall, Double(total) / time.cpu))
            }
        }
    }
    emit(["what": "vpdq-memory", "dataset": dataset, "residency": residencyName, "rss_mib": memoryStatus()["VmRSS"] ?? 0,
          "hwm_mib": memoryStatus()["VmHWM"] ?? 0])
}
