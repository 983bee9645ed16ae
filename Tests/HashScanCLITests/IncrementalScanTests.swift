import Foundation
import Testing

@Suite("scan --state --incremental")
struct IncrementalScanTests {
    @Test("an unchanged tree is not read again, yet is matched against the current lists")
    func rescanReadsNothing() throws {
        let tree = try TemporaryTree()
        for index in 0..<40 { try tree.write("store/f\(index).bin", seededBytes(count: 1000 + index * 37, seed: UInt64(index))) }
        let images = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("demo/images")
        try FileManager.default.copyItem(at: images, to: tree.url.appendingPathComponent("store/images"))
        try tree.write("empty.txt", "# nothing yet\n")
        let first = try HashscanProcess.run(["scan", "store", "--list", "empty.txt", "--state", "state.db", "--incremental", "--algorithms", "md5,sha1,sha256,pdq"], in: tree.url)
        #expect(first.status == 0)
        let files = try #require(first.summary?["files"] as? Int)
        #expect(files == 45)
        #expect(first.summary?["files_reused"] as? Int == 0)

        // The list changes (it does daily); the files do not.
        let target = tree.url.appendingPathComponent("store/f7.bin")
        let digest = try coreutilsDigests("sha256sum", files: [target])[0]
        try tree.write("list.txt", "sha256:\(digest),NEW-ENTRY\n")
        let second = try HashscanProcess.run(["scan", "store", "--list", "list.txt", "--state", "state.db", "--incremental", "--algorithms", "md5,sha1,sha256,pdq"], in: tree.url)
        #expect(second.status == 1)
        #expect(second.summary?["files_reused"] as? Int == files)
        #expect(second.summary?["bytes"] as? Int == 0, "no file content is read")
        let match = try #require(second.records(ofType: "match").first)
        #expect(match["path"] as? String == "store/f7.bin")
        #expect((match["matches"] as? [[String: Any]])?.first?["entry"] as? String == "NEW-ENTRY")

        // A changed file is read again, and only it.
        try tree.write("store/f3.bin", seededBytes(count: 5000, seed: 999))
        let third = try HashscanProcess.run(["scan", "store", "--list", "list.txt", "--state", "state.db", "--incremental", "--all", "--algorithms", "md5,sha1,sha256,pdq"], in: tree.url)
        #expect(third.summary?["files_reused"] as? Int == files - 1)
        #expect(third.summary?["bytes"] as? Int == 5000)
        let changed = try #require(third.records(ofType: "file").first { $0["path"] as? String == "store/f3.bin" })
        let expected = try coreutilsDigests("sha256sum", files: [tree.url.appendingPathComponent("store/f3.bin")])[0]
        #expect((changed["hashes"] as? [String: Any])?["sha256"] as? String == expected)
        // Reused image records keep their PDQ hash and image facts.
        let image = try #require(third.records(ofType: "file").first { ($0["path"] as? String)?.hasSuffix("scene-a.jpg") == true })
        #expect((image["hashes"] as? [String: Any])?["pdq"] as? String != nil)
        #expect((image["image"] as? [String: Any])?["width"] as? Int == 640)
    }

    @Test("with vPDQ on, an unchanged video keeps its frames and match, an unchanged photo is not read for a vPDQ it cannot have")
    func videosAreNotDecodedAgain() throws {
        let tree = try TemporaryTree()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        try tree.write("store/clip.mp4", try Data(contentsOf: VideoScanTests.video))
        try tree.write("store/photo.jpg", try Data(contentsOf: root.appendingPathComponent("demo/images/scene-a.jpg")))
        // Meta's published frames of the clip: a list with vPDQ entries turns vPDQ on by itself.
        let frames = root.appendingPathComponent("Tests/Fixtures/threatexchange/repo/vpdq/sample-hashes/doorknob-hd-no-bar.txt")
        try tree.write("clip.txt", try Data(contentsOf: frames))
        let arguments = ["scan", "store", "--list", "clip.txt", "--state", "state.db", "--incremental", "--algorithms", "md5,pdq"]
        let first = try HashscanProcess.run(arguments, in: tree.url)
        #expect(first.status == 1, "\(first.stderr)")
        #expect(first.summary?["files_reused"] as? Int == 0 && first.summary?["videos"] as? Int == 1)
        let second = try HashscanProcess.run(arguments + ["--all"], in: tree.url)
        #expect(second.status == 1, "\(second.stderr)")
        #expect(second.summary?["files_reused"] as? Int == 2, "\(String(describing: second.summary))")
        #expect(second.summary?["bytes"] as? Int == 0, "nothing is read again")
        #expect(second.summary?["videos"] as? Int == 1)
        let match = try #require(second.records(ofType: "match").first { $0["path"] as? String == "store/clip.mp4" })
        let hit = try #require((match["matches"] as? [[String: Any]])?.first)
        #expect(hit["algorithm"] as? String == "vpdq" && hit["entry"] as? String == "clip", "\(hit)")
        #expect(((match["hashes"] as? [String: Any])?["vpdq"] as? [Any])?.count == 4)
        #expect((match["video"] as? [String: Any])?["codec"] as? String == "h264")
        let firstMatch = try #require(first.records(ofType: "match").first)
        #expect((firstMatch["hashes"] as? [String: Any])?["vpdq"] as? [[String: AnyHashable]]
                == (match["hashes"] as? [String: Any])?["vpdq"] as? [[String: AnyHashable]], "the stored frames are the frames")

        // Another sampling is another hash: the video is decoded again, the photo is not read.
        let every = try HashscanProcess.run(arguments + ["--all", "--vpdq-seconds", "0"], in: tree.url)
        #expect(every.summary?["files_reused"] as? Int == 1, "\(String(describing: every.summary))")
        let all = try #require(every.records(ofType: "match").first { $0["path"] as? String == "store/clip.mp4" })
        #expect(((all["hashes"] as? [String: Any])?["vpdq"] as? [Any])?.count == 120)
    }

    @Test("a hash the state lacks makes the file be read again")
    func newAlgorithmRereads() throws {
        let tree = try TemporaryTree()
        try tree.write("store/a.bin", seededBytes(count: 3000, seed: 1))
        try tree.write("list.txt", "md5:00000000000000000000000000000000\n")
        _ = try HashscanProcess.run(["scan", "store", "--list", "list.txt", "--algorithms", "md5", "--state", "s.db", "--incremental"], in: tree.url)
        let again = try HashscanProcess.run(["scan", "store", "--list", "list.txt", "--algorithms", "md5,sha256", "--state", "s.db", "--incremental"], in: tree.url)
        #expect(again.summary?["files_reused"] as? Int == 0)
        #expect(again.summary?["bytes"] as? Int == 3000)
    }

    @Test("a state file that is not a state is refused before scanning")
    func badState() throws {
        let tree = try TemporaryTree()
        try tree.write("list.txt", "md5:00000000000000000000000000000000\n")
        try tree.write("state.db", "this is not SQLite")
        let result = try HashscanProcess.run(["scan", ".", "--list", "list.txt", "--state", "state.db"], in: tree.url)
        #expect(result.status == 66)
        #expect(result.stdout.isEmpty)
        #expect(try HashscanProcess.run(["scan", ".", "--list", "list.txt", "--incremental"], in: tree.url).status == 64)
    }
}
