import Foundation
import HashScanCore
import HashScanLists
import HashScanServer
import Testing

/// `/v1/match` with a video: a list with vPDQ entries makes the service hash uploads' frames, and a video matches
/// its entry (the verdict names the shares, never an entry's frame hash); a damaged video is a 422 with digests.
@Suite("video uploads")
struct VideoUploadTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/threatexchange/repo")

    @Test("a sample video matches its published frames; a damaged one is 422 corrupt_video with its digests")
    func videoVerdicts() async throws {
        let frames = try ListImporter.importList(atPath: Self.repo.appendingPathComponent("vpdq/sample-hashes/doorknob-hd-no-bar.txt").path,
                                                 options: ListImportOptions(strict: true))
        #expect(frames.format == .vpdqFrames)
        let server = try await TestServer.start([frames.hashList])
        defer { Task { await server.stop() } }
        let video = [UInt8](try Data(contentsOf: Self.repo.appendingPathComponent("tmk/sample-videos/doorknob-hd-no-bar.mp4")))
        let answer = try await server.send("POST", "/v1/match", key: TestKeys.match, body: video)
        #expect(answer.status == 200, "\(answer.text)")
        #expect(answer.json["match"] as? Bool == true, "\(answer.text)")
        let hit = try #require((answer.json["matches"] as? [[String: Any]])?.first)
        #expect(hit["algorithm"] as? String == "vpdq" && hit["entry"] as? String == "doorknob-hd-no-bar")
        #expect(hit["vpdq_query_percent"] as? Double == 100)
        #expect(hit["reference"] == nil, "a verdict never carries a list's hash")
        #expect((answer.json["video"] as? [String: Any])?["codec"] as? String == "h264")

        var damaged = video
        damaged.replaceSubrange(40..<40_000, with: [UInt8](repeating: 0, count: 39_960))
        let refused = try await server.send("POST", "/v1/match", key: TestKeys.match, body: damaged)
        #expect(refused.status == 422, "\(refused.text)")
        #expect(refused.errorCode == "corrupt_video", "\(refused.text)")
        #expect((refused.json["hashes"] as? [String: Any])?["md5"] as? String == (try coreutilsDigest("md5sum", damaged)))
    }
}
