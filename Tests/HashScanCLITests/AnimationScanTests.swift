import Foundation
import HashScanTestSupport
import Testing

/// Animated GIF and WebP through the CLI: the first frame keeps its PDQ; with vPDQ on, frames are sampled like a
/// video's and matched like one, across formats (a GIF actioned once finds its WebP re-encode); a still GIF has no vPDQ.
@Suite("animations through hashscan")
struct AnimationScanTests {
    static let width = 160, height = 120

    @Test("hash: an animated GIF or WebP has the first frame's PDQ, one frame a second of vPDQ and a video object")
    func animationRecords() throws {
        let tree = try TemporaryTree()
        let clip = AnimatedPictures.clip(width: Self.width, height: Self.height, count: 30)  // 3 s at 10 frames a second
        try tree.write("clip.gif", Data(AnimatedPictures.gif(clip, width: Self.width, height: Self.height, delay: 10)))
        try tree.write("clip.webp", Data(AnimatedPictures.webp(clip, width: Self.width, height: Self.height, duration: 100)))
        try tree.write("still.gif", Data(AnimatedPictures.gif([clip[0]], width: Self.width, height: Self.height)))
        let result = try HashscanProcess.run(["hash", "--algorithms", "pdq,vpdq", "clip.gif", "clip.webp", "still.gif"], in: tree.url)
        #expect(result.status == 0, "\(result.stderr)")
        let records = Dictionary(uniqueKeysWithValues: result.records(ofType: "file").map { ($0["path"] as! String, $0) })
        for (path, container) in [("clip.gif", "gif"), ("clip.webp", "webp")] {
            let record = try #require(records[path])
            let hashes = try #require(record["hashes"] as? [String: Any])
            #expect((hashes["pdq"] as? String)?.count == 64, "\(path): the first frame's PDQ")
            let frames = try #require(hashes["vpdq"] as? [[String: Any]], "\(path) has no vPDQ")
            #expect(frames.map { $0["frame"] as? Int } == [0, 10, 20], "\(path)")
            #expect(frames.map { $0["timestamp"] as? Double } == [0, 1, 2], "\(path)")
            #expect(frames.allSatisfy { ($0["quality"] as? Int ?? 0) >= 50 }, "\(path)")
            let video = try #require(record["video"] as? [String: Any])
            #expect(video["container"] as? String == container && video["frames_decoded"] as? Int == 30, "\(video)")
            #expect(video["width"] as? Int == Self.width && video["height"] as? Int == Self.height)
            // The first sampled frame is the still picture the image side hashed (both at the frame's own size or not).
            #expect(ImageScanTests.hammingDistance(hashes["pdq"] as! String, frames[0]["pdq"] as! String) <= 8)
        }
        let still = try #require(records["still.gif"])
        #expect((still["hashes"] as? [String: Any])?["vpdq"] == nil && still["video"] == nil, "\(still)")
        #expect(result.summary?["videos"] as? Int == 2)
    }

    @Test("a GIF actioned once (its record compiled as a list) finds its WebP re-encode and not another clip")
    func animationsMatchAcrossFormats() throws {
        let tree = try TemporaryTree()
        let clip = AnimatedPictures.clip(width: Self.width, height: Self.height, count: 40, seed: 3)
        let other = AnimatedPictures.clip(width: Self.width, height: Self.height, count: 40, seed: 4)
        try tree.write("actioned/clip.gif", Data(AnimatedPictures.gif(clip, width: Self.width, height: Self.height)))
        let hashed = try HashscanProcess.run(["hash", "--algorithms", "vpdq", "actioned"], in: tree.url)
        #expect(hashed.status == 0, "\(hashed.stderr)")
        try tree.write("actioned.jsonl", hashed.stdout)
        let compiled = try HashscanProcess.run(["lists", "compile", "actioned.jsonl", "--name", "actioned", "-o", "actioned.hsl"], in: tree.url)
        #expect(compiled.status == 0, "\(compiled.stderr)")

        try tree.write("uploads/reencoded.webp", Data(AnimatedPictures.webp(clip, width: Self.width, height: Self.height, quality: 60)))
        // The last quarter only: a trimmed re-upload, found by the query share.
        try tree.write("uploads/trimmed.webp", Data(AnimatedPictures.webp(Array(clip[30...]), width: Self.width, height: Self.height)))
        try tree.write("uploads/other.webp", Data(AnimatedPictures.webp(other, width: Self.width, height: Self.height)))
        try tree.write("uploads/other.gif", Data(AnimatedPictures.gif(other, width: Self.width, height: Self.height)))
        let scan = try HashscanProcess.run(["scan", "uploads", "--list", "actioned.hsl"], in: tree.url)
        #expect(scan.status == 1, "\(scan.stderr)")
        let matches = scan.records(ofType: "match")
        #expect(Set(matches.compactMap { $0["path"] as? String }) == ["uploads/reencoded.webp", "uploads/trimmed.webp"], "\(matches)")
        for match in matches {
            let hits = try #require(match["matches"] as? [[String: Any]])
            #expect(hits.allSatisfy { $0["algorithm"] as? String == "vpdq" && $0["entry"] as? String == "actioned/clip.gif" }, "\(hits)")
        }
        #expect(scan.summary?["videos"] as? Int == 4)
    }
}
