import HashScanCore
import HashScanLists
@testable import HashScanPipeline
import Testing

/// The vPDQ rule on synthetic frame sets: an entry matches by the query's share of matched frames or by the
/// entry's share of frames found, low-quality and repeated frames do not count, and time ranges follow the matches.
@Suite("vPDQ matching")
struct VPDQMatchingTests {
    /// A reproducible PDQ-sized hash; far apart from every other seed's (random 256-bit values differ in ~128 bits).
    static func hash(_ seed: UInt64) -> Digest {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var bytes: [UInt8] = []
        for _ in 0..<32 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            bytes.append(UInt8(truncatingIfNeeded: state))
        }
        return Digest(bytes: bytes)
    }

    static func flip(_ digest: Digest, bits: Int) -> Digest {
        var bytes = digest.bytes
        for bit in 0..<bits { bytes[bit / 8] ^= 1 << (bit % 8) }
        return Digest(bytes: bytes)
    }

    static func list(_ entries: [String: [Digest]]) -> InMemoryListMatcher {
        let listEntries = entries.sorted { $0.key < $1.key }.flatMap { entry, frames in
            frames.enumerated().map { ListEntry(algorithm: .vpdq, hash: $0.element, entryID: entry, line: $0.offset + 1) }
        }
        return InMemoryListMatcher(lists: [HashList(name: "videos", entries: listEntries)])
    }

    static func frames(_ hashes: [Digest], quality: Int = 90) -> [VPDQFrame] {
        hashes.enumerated().map { VPDQFrame(frame: $0.offset * 30, timestamp: Double($0.offset), pdq: $0.element, quality: quality) }
    }

    @Test("a trimmed re-upload matches by query share; a longer video containing the clip by entry share")
    func bothDirections() {
        let clip = (0..<20).map { Self.hash(UInt64($0)) }
        let matcher = Self.list(["clip": clip])
        // The middle five seconds, re-encoded (a few bits off each frame).
        let trimmed = Self.frames(clip[5..<10].map { Self.flip($0, bits: 6) })
        let trimmedHits = VerdictMatching.match(FileHashes(vpdq: trimmed), matcher: matcher, minimumPDQQuality: 50)
        #expect(trimmedHits.count == 1)
        #expect(trimmedHits.first?.vpdq?.queryPercent == 100 && trimmedHits.first?.vpdq?.entryPercent == 25)
        #expect(trimmedHits.first?.distance == 6)
        #expect(trimmedHits.first?.vpdq?.ranges == [VPDQMatch.Range(start: 0, end: 4)])
        // The whole clip inside a video four times as long.
        let longer = Self.frames((100..<130).map { Self.hash(UInt64($0)) } + clip + (200..<230).map { Self.hash(UInt64($0)) })
        let longerHits = VerdictMatching.match(FileHashes(vpdq: longer), matcher: matcher, minimumPDQQuality: 50)
        #expect(longerHits.first?.vpdq?.entryPercent == 100 && longerHits.first?.vpdq?.queryPercent == 25)
        #expect(longerHits.first?.vpdq?.ranges == [VPDQMatch.Range(start: 30, end: 49)])
        // Neither share reaches 80%: no match.
        let partial = Self.frames(clip[0..<8] + (300..<320).map { Self.hash(UInt64($0)) })
        #expect(VerdictMatching.match(FileHashes(vpdq: partial), matcher: matcher, minimumPDQQuality: 50).isEmpty)
        // Lower thresholds let it through.
        let lenient = VerdictMatching.match(FileHashes(vpdq: partial), matcher: matcher, minimumPDQQuality: 50,
                                            vpdqQueryPercent: 25, vpdqEntryPercent: 100)
        #expect(lenient.first?.vpdq?.queryPercent ?? 0 > 28 && lenient.first?.vpdq?.queryPercent ?? 0 < 29)
    }

    @Test("frames below the minimum quality and repeated frames are not counted; far frames never match")
    func qualityAndRepeats() {
        let clip = (0..<10).map { Self.hash(UInt64($0)) }
        let matcher = Self.list(["clip": clip, "other": (50..<60).map { Self.hash(UInt64($0)) }])
        // The clip's frames, each twice, plus ten dark frames that would not match.
        var query = Self.frames(clip + clip)
        query += Self.frames((400..<410).map { Self.hash(UInt64($0)) }, quality: 20)
        let hits = VerdictMatching.match(FileHashes(vpdq: query), matcher: matcher, minimumPDQQuality: 50)
        #expect(hits.map(\.entry) == ["clip"])
        #expect(hits.first?.vpdq?.queryFrames == 10 && hits.first?.vpdq?.queryPercent == 100)
        // Only low-quality frames: nothing to match on.
        #expect(VerdictMatching.match(FileHashes(vpdq: Self.frames(clip, quality: 10)), matcher: matcher, minimumPDQQuality: 50).isEmpty)
        // 32 bits off is beyond the threshold (31).
        #expect(VerdictMatching.match(FileHashes(vpdq: Self.frames(clip.map { Self.flip($0, bits: 32) })), matcher: matcher,
                                      minimumPDQQuality: 50).isEmpty)
    }
}
