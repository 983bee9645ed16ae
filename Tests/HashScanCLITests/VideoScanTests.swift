import Foundation
import Testing

/// Videos through the CLI: `--algorithms vpdq` adds the frames' PDQ hashes and a `video` object to the record, the
/// digests stay those of coreutils, and a damaged video is an error record that keeps its digests.
@Suite("videos through hashscan")
struct VideoScanTests {
    static let video = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/threatexchange/repo/tmk/sample-videos/doorknob-hd-no-bar.mp4")

    @Test("hash --algorithms vpdq: frames at one a second, the video's facts, coreutils' digests")
    func vpdqRecord() throws {
        let tree = try TemporaryTree()
        let data = try Data(contentsOf: Self.video)
        let file = try tree.write("clip.mp4", data)
        let result = try HashscanProcess.run(["hash", "--algorithms", "md5,sha256,vpdq", "clip.mp4"], in: tree.url)
        #expect(result.status == 0, "\(result.stderr)")
        let record = try #require(result.records(ofType: "file").first)
        let hashes = try #require(record["hashes"] as? [String: Any])
        #expect(hashes["md5"] as? String == (try coreutilsDigests("md5sum", files: [file]))[0])
        #expect(hashes["sha256"] as? String == (try coreutilsDigests("sha256sum", files: [file]))[0])
        let frames = try #require(hashes["vpdq"] as? [[String: Any]])
        // 120 frames at 30 fps, one a second: frames 0, 30, 60 and 90 (frameMod = floor(1 s × 30 fps)).
        #expect(frames.map { $0["frame"] as? Int } == [0, 30, 60, 90])
        #expect(frames.map { $0["timestamp"] as? Double } == [0, 1, 2, 3])
        #expect(frames.allSatisfy { ($0["pdq"] as? String)?.count == 64 && $0["quality"] is Int })
        let video = try #require(record["video"] as? [String: Any])
        #expect(video["container"] as? String == "mov" && video["codec"] as? String == "h264")
        #expect(video["width"] as? Int == 1280 && video["height"] as? Int == 720)
        #expect(video["frames_decoded"] as? Int == 120 && video["frames_hashed"] as? Int == 4)
        #expect(result.summary?["videos"] as? Int == 1)

        // A sampling interval beyond a day is refused as usage (it once overflowed the frame interval).
        for bad in ["1e12", "-1", "nan"] {
            let refused = try HashscanProcess.run(["hash", "--algorithms", "vpdq", "--vpdq-seconds", bad, "clip.mp4"], in: tree.url)
            #expect(refused.status == 64 && refused.stdout.isEmpty, "--vpdq-seconds \(bad): \(refused.stderr)")
        }
        let every = try HashscanProcess.run(["hash", "--algorithms", "vpdq", "--vpdq-seconds", "0", "clip.mp4"], in: tree.url)
        let all = try #require(((every.records(ofType: "file").first?["hashes"] as? [String: Any])?["vpdq"] as? [[String: Any]]))
        #expect(all.count == 120)
    }

    @Test("a video larger than --max-video-bytes is decoded from its file, frame for frame as from memory; from standard input it is too_large")
    func largeVideosFromTheirFile() throws {
        let tree = try TemporaryTree()
        let data = try Data(contentsOf: Self.video)
        try tree.write("clip.mp4", data)
        let arguments = ["hash", "--algorithms", "sha256,vpdq", "--vpdq-seconds", "0"]
        let memory = try HashscanProcess.run(arguments + ["clip.mp4"], in: tree.url)
        let file = try HashscanProcess.run(arguments + ["--max-video-bytes", "65536", "clip.mp4"], in: tree.url)
        #expect(memory.status == 0 && file.status == 0, "\(file.stderr)")
        func frames(_ outcome: HashscanProcess.Outcome) -> [[String: AnyHashable]]? {
            (outcome.records(ofType: "file").first?["hashes"] as? [String: Any])?["vpdq"] as? [[String: AnyHashable]]
        }
        #expect(frames(file)?.count == 120)
        #expect(frames(file) == frames(memory), "the decode from the file differs from the decode from memory")
        #expect((file.records(ofType: "file").first?["hashes"] as? [String: Any])?["sha256"] as? String
                == (try coreutilsDigests("sha256sum", files: [tree.url.appendingPathComponent("clip.mp4")]))[0])

        // Standard input cannot be read twice: over the limit, the digests stay and the record says why.
        let piped = try HashscanProcess.run(arguments + ["--max-video-bytes", "65536", "-"], in: tree.url, stdin: data)
        let record = try #require(piped.records.first { ($0["type"] as? String) == "error" || ($0["type"] as? String) == "file" })
        #expect(record["code"] as? String == "too_large", "\(record)")
        #expect((record["hashes"] as? [String: Any])?["sha256"] != nil)
    }

    @Test("two workers decoding videos at once, every frame: every record complete (swscale's stores past a frame once corrupted the heap)")
    func concurrentDecodes() throws {
        let tree = try TemporaryTree()
        let videos = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/threatexchange/repo/tmk/sample-videos")
        for name in ["doorknob-hd-no-bar", "pattern-sd-grey-bar"] {
            let data = try Data(contentsOf: videos.appendingPathComponent("\(name).mp4"))
            for copy in 0..<2 { try tree.write("v/\(name)-\(copy).mp4", data) }
        }
        let result = try HashscanProcess.run(["hash", "--algorithms", "vpdq", "--vpdq-seconds", "0", "-j", "2", "v"], in: tree.url, timeout: 300)
        #expect(result.status == 0, "\(result.stderr.prefix(2000))")
        let counts = result.records(ofType: "file").map { (($0["hashes"] as? [String: Any])?["vpdq"] as? [Any])?.count ?? 0 }.sorted()
        #expect(counts == [120, 120, 206, 206], "\(counts)")
    }

    @Test("a damaged video is an error record with its digests; the scan goes on and exits 2")
    func damagedVideo() throws {
        let tree = try TemporaryTree()
        var data = try Data(contentsOf: Self.video)
        data.replaceSubrange(40..<40_000, with: Data(count: 39_960))  // the stream descriptions wiped
        let damaged = try tree.write("store/damaged.mp4", data)
        try tree.write("store/clip.mp4", try Data(contentsOf: Self.video))
        try tree.write("list.txt", "# no entry yet\n")
        let result = try HashscanProcess.run(["scan", "store", "--list", "list.txt", "--algorithms", "md5,vpdq"], in: tree.url)
        #expect(result.status == 2, "\(result.stderr)")
        let errors = result.records(ofType: "error")
        #expect(errors.count == 1)
        #expect(errors.first?["path"] as? String == "store/damaged.mp4")
        #expect(errors.first?["code"] as? String == "corrupt_video")
        #expect((errors.first?["hashes"] as? [String: Any])?["md5"] as? String == (try coreutilsDigests("md5sum", files: [damaged]))[0])
        #expect(result.summary?["files"] as? Int == 2 && result.summary?["videos"] as? Int == 1)
    }
}

/// vPDQ lists: the published per-frame hashes of the sample videos as list files (source and compiled); each video
/// matches its own entry and not the other one.
@Suite("vPDQ lists through hashscan")
struct VPDQListTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/threatexchange/repo")

    static func matches(_ result: HashscanProcess.Outcome) -> [String: [[String: Any]]] {
        Dictionary(uniqueKeysWithValues: result.records(ofType: "match").map { ($0["path"] as! String, $0["matches"] as! [[String: Any]]) })
    }

    @Test("each sample video matches its own published frames, by query share, and nothing else; compiled alike")
    func ownFramesMatch() throws {
        let tree = try TemporaryTree()
        for name in ["doorknob-hd-no-bar", "pattern-sd-grey-bar"] {
            try tree.write("videos/\(name).mp4", try Data(contentsOf: Self.repo.appendingPathComponent("tmk/sample-videos/\(name).mp4")))
            try tree.write("\(name).txt", try Data(contentsOf: Self.repo.appendingPathComponent("vpdq/sample-hashes/\(name).txt")))
        }
        let compile = try HashscanProcess.run(["lists", "compile", "doorknob-hd-no-bar.txt", "pattern-sd-grey-bar.txt", "--name", "videos",
                                               "-o", "videos.hsl"], in: tree.url)
        #expect(compile.status == 0, "\(compile.stderr)")
        for lists in [["--list", "doorknob-hd-no-bar.txt", "--list", "pattern-sd-grey-bar.txt"], ["--list", "videos.hsl"]] {
            let result = try HashscanProcess.run(["scan", "videos"] + lists, in: tree.url)
            #expect(result.status == 1, "\(lists): \(result.stderr)")
            let found = Self.matches(result)
            for name in ["doorknob-hd-no-bar", "pattern-sd-grey-bar"] {
                let hits = try #require(found["videos/\(name).mp4"], "\(lists): \(name) did not match")
                #expect(hits.count == 1 && hits[0]["entry"] as? String == name && hits[0]["algorithm"] as? String == "vpdq", "\(lists): \(hits)")
                #expect(hits[0]["vpdq_query_percent"] as? Double == 100, "\(lists): \(hits)")
                #expect((hits[0]["distance"] as? Int ?? 99) <= 31)
                #expect((hits[0]["vpdq_ranges"] as? [[Double]])?.first?.first == 0)
            }
            #expect(result.summary?["videos"] as? Int == 2)
        }
        // A list with vPDQ entries turns vPDQ on by itself; asking for every frame of the query changes nothing here.
        let strict = try HashscanProcess.run(["scan", "videos", "--list", "videos.hsl", "--vpdq-seconds", "0", "--vpdq-entry-percent", "95"],
                                             in: tree.url)
        let strictHits = Self.matches(strict)
        #expect(strictHits.count == 2, "\(strict.stderr)")
        #expect(strictHits.values.allSatisfy { ($0.first?["vpdq_entry_percent"] as? Double ?? 0) >= 95 }, "\(strictHits)")
    }

    @Test("a ThreatExchange vPDQ signal string (HMA's list form) matches its video, in a local_file line as in a dataset CSV")
    func threatExchangeSignals() throws {
        let tree = try TemporaryTree()
        try tree.write("videos/clip.mp4", try Data(contentsOf: VideoScanTests.video))
        let published = try String(contentsOf: Self.repo.appendingPathComponent("vpdq/sample-hashes/doorknob-hd-no-bar.txt"), encoding: .utf8)
        // python-threatexchange's compact features: "pdqHex,quality,timestamp" strings in a JSON list.
        let features = published.split(whereSeparator: \.isNewline).map { line -> String in
            let fields = line.split(separator: ",")
            return "\"\(fields[2]),\(fields[1]),\(fields[3])\""
        }
        let signal = "[" + features.joined(separator: ", ") + "]"
        try tree.write("local.txt", "vpdq \(signal)\n")
        try tree.write("dataset.csv", "signal_type,signal_str,collab,category,tags\nvpdq,\"\(signal.replacingOccurrences(of: "\"", with: "\"\""))\",Demo,sample,video\n")
        for list in ["local.txt", "dataset.csv"] {
            let result = try HashscanProcess.run(["scan", "videos", "--list", list], in: tree.url)
            #expect(result.status == 1, "\(list): \(result.stderr)")
            let hit = try #require(Self.matches(result)["videos/clip.mp4"]?.first, "\(list)")
            #expect(hit["algorithm"] as? String == "vpdq" && (hit["vpdq_query_percent"] as? Double ?? 0) >= 80, "\(hit)")
        }
    }

    @Test("hashscan's own records are a list: the files a provider has actioned match again by digest, PDQ and vPDQ")
    func recordsAsAList() throws {
        let tree = try TemporaryTree()
        try tree.write("actioned/clip.mp4", try Data(contentsOf: Self.repo.appendingPathComponent("tmk/sample-videos/doorknob-hd-no-bar.mp4")))
        let image = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("demo/images/scene-a.jpg")
        try tree.write("actioned/photo.jpg", try Data(contentsOf: image))
        let hashed = try HashscanProcess.run(["hash", "--algorithms", "md5,sha256,pdq,vpdq", "actioned"], in: tree.url)
        #expect(hashed.status == 0, "\(hashed.stderr)")
        // A summary line and an unrelated record type are skipped; a broken record is a line-numbered problem.
        try tree.write("records.jsonl", hashed.stdout)
        let compiled = try HashscanProcess.run(["lists", "compile", "records.jsonl", "--name", "actioned", "-o", "actioned.hsl"], in: tree.url)
        #expect(compiled.status == 0, "\(compiled.stderr)")
        let result = try HashscanProcess.run(["scan", "actioned", "--list", "actioned.hsl"], in: tree.url)
        #expect(result.status == 1, "\(result.stderr)")
        let found = Self.matches(result)
        func algorithms(_ path: String) -> Set<String> { Set((found[path] ?? []).compactMap { $0["algorithm"] as? String }) }
        #expect(algorithms("actioned/clip.mp4") == ["md5", "sha256", "vpdq"], "\(found)")
        #expect(algorithms("actioned/photo.jpg") == ["md5", "sha256", "pdq"], "\(found)")
        #expect((found["actioned/clip.mp4"] ?? []).allSatisfy { $0["entry"] as? String == "actioned/clip.mp4" })

        var broken = hashed.stdout
        broken.append(Data(#"{"type":"file","path":"x","hashes":{"md5":"zz"}}"#.utf8 + [10]))
        try tree.write("broken.jsonl", broken)
        let skipped = try HashscanProcess.run(["lists", "compile", "broken.jsonl", "--name", "broken", "-o", "broken.hsl"], in: tree.url)
        #expect(skipped.status == 0 && skipped.stderr.contains("broken.jsonl:4:") && skipped.stderr.contains("skipped"), "\(skipped.stderr)")
        let refused = try HashscanProcess.run(["lists", "compile", "broken.jsonl", "--name", "broken", "--strict", "-o", "broken.hsl"], in: tree.url)
        #expect(refused.status == 65, "\(refused.stderr)")
        #expect(refused.stderr.contains("broken.jsonl:4:"), "\(refused.stderr)")
    }
}
