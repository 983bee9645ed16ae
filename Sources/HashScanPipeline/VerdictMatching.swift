import HashScanCore
import HashScanHashing
import HashScanLists

/// The matching rules for one set of hashes, shared by the scan and the HTTP service: PDQ hashes below the minimum
/// quality are left out, and with dihedral variants every variant is tried, keeping the closest hit per entry and
/// naming the variant that hit. A video's vPDQ frames are matched as a set against each vPDQ entry's frames.
package enum VerdictMatching {
    package static func match(_ hashes: FileHashes, matcher: any HashMatcher, minimumPDQQuality: Int,
                              vpdqQueryPercent: Double = 80, vpdqEntryPercent: Double = 80) -> [ListHit] {
        var hits = pdqAndDigests(hashes, matcher: matcher, minimumPDQQuality: minimumPDQQuality)
        if let frames = hashes.vpdq, matcher.algorithms.contains(.vpdq) {
            hits += vpdq(frames, matcher: matcher, minimumQuality: minimumPDQQuality,
                         queryPercent: vpdqQueryPercent, entryPercent: vpdqEntryPercent)
            hits.sort(by: ListHit.recordOrder)
        }
        return hits
    }

    private static func pdqAndDigests(_ hashes: FileHashes, matcher: any HashMatcher, minimumPDQQuality: Int) -> [ListHit] {
        var candidates = hashes
        let reliablePDQ = hashes.pdqQuality.map { $0 >= minimumPDQQuality } ?? true
        if !reliablePDQ { candidates[.pdq] = nil }
        var hits = matcher.matches(for: candidates)
        guard reliablePDQ, let variants = hashes.pdqDihedral, variants.count == 8, matcher.algorithms.contains(.pdq) else { return hits }
        for index in hits.indices where hits[index].algorithm == .pdq { hits[index].variant = PDQDihedralVariant.original.name }
        for (position, variant) in variants.enumerated().dropFirst() {
            for var hit in matcher.matches(for: FileHashes(digests: [.pdq: variant])) {
                hit.variant = PDQDihedralVariant(rawValue: position)?.name
                if let existing = hits.firstIndex(where: { $0.algorithm == .pdq && $0.list == hit.list && $0.entry == hit.entry }) {
                    if hit.distance < hits[existing].distance { hits[existing] = hit }
                } else {
                    hits.append(hit)
                }
            }
        }
        return hits.sorted(by: ListHit.recordOrder)
    }

    /// vPDQ as the reference matches it, over the list's frame index: the query's distinct frames of quality at least
    /// the minimum are each looked up within the list's threshold (31); an entry matches when the share of query
    /// frames that found one of its frames reaches `queryPercent`, or the share of its frames found reaches
    /// `entryPercent` (a trimmed re-upload, and a longer video containing a known clip, both match).
    static func vpdq(_ frames: [VPDQFrame], matcher: any HashMatcher, minimumQuality: Int, queryPercent: Double,
                     entryPercent: Double) -> [ListHit] {
        // Distinct reliable frames, each with the first time it appears.
        var seen = Set<Digest>()
        var query: [(hash: Digest, timestamp: Double)] = []
        for frame in frames where frame.quality >= minimumQuality && seen.insert(frame.pdq).inserted {
            query.append((frame.pdq, frame.timestamp))
        }
        guard !query.isEmpty else { return [] }
        struct Key: Hashable { let list: String; let entry: String }
        struct Tally {
            var best: ListHit
            var queryFrames = Set<Int>()
            var entryFrames = Set<Digest>()
        }
        var tallies: [Key: Tally] = [:]
        for (position, frame) in query.enumerated() {
            for hit in matcher.matches(for: FileHashes(digests: [.vpdq: frame.hash])) where hit.algorithm == .vpdq {
                let key = Key(list: hit.list, entry: hit.entry)
                var tally = tallies[key] ?? Tally(best: hit)
                if hit.distance < tally.best.distance { tally.best = hit }
                tally.queryFrames.insert(position)
                tally.entryFrames.insert(hit.reference)
                tallies[key] = tally
            }
        }
        guard !tallies.isEmpty else { return [] }
        let sizes = matcher.entrySizes(.vpdq)
        // Runs of matched frames: frames further apart than twice the sampling step start a new range.
        let steps = zip(query.dropFirst(), query).map { $0.timestamp - $1.timestamp }.filter { $0 > 0 }
        let gap = 2 * (steps.min() ?? 1)
        var hits: [ListHit] = []
        for (key, tally) in tallies {
            let entryFrames = max(tally.entryFrames.count, sizes[key.list]?[key.entry] ?? 0)
            let queryShare = 100 * Double(tally.queryFrames.count) / Double(query.count)
            let entryShare = 100 * Double(tally.entryFrames.count) / Double(max(1, entryFrames))
            guard queryShare >= queryPercent || entryShare >= entryPercent else { continue }
            let times = tally.queryFrames.map { query[$0].timestamp }.sorted()
            var ranges: [VPDQMatch.Range] = []
            for time in times {
                if let last = ranges.last, time - last.end <= gap {
                    ranges[ranges.count - 1].end = time
                } else {
                    ranges.append(VPDQMatch.Range(start: time, end: time))
                }
            }
            var hit = tally.best
            hit.vpdq = VPDQMatch(queryPercent: queryShare, entryPercent: entryShare, queryFramesMatched: tally.queryFrames.count,
                                 queryFrames: query.count, entryFramesMatched: tally.entryFrames.count, entryFrames: entryFrames,
                                 ranges: ranges)
            hits.append(hit)
        }
        return hits
    }
}
