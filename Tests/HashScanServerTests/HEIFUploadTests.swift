import Foundation
import HashScanCore
import HashScanLists
import HashScanServer
import HashScanTestSupport
import Testing

/// `/v1/match` with the formats phones upload: the bundled demo photo re-encoded as HEIC and AVIF by libheif's
/// encoder matches the demo list's PDQ entry for it; a cut-short HEIC is a 422 with its digests.
@Suite("HEIC and AVIF uploads")
struct HEIFUploadTests {
    @Test("a HEIC or AVIF copy of a known photo matches; a truncated one is 422 corrupt_image with its digests")
    func phoneFormats() async throws {
        let list = makeList("demo", [(.pdq, Repository.sceneAPDQ, "DEMO-0004")])
        let server = try await TestServer.start([list])
        defer { Task { await server.stop() } }
        let photo = try Repository.bytes("demo/images/scene-a.jpg")
        for (suffix, format) in [("heic", "heif"), ("avif", "avif")] {
            let upload = try LibheifTools.encode(photo, sourceSuffix: "jpg", as: suffix, options: ["-q", "75"])
            let answer = try await server.send("POST", "/v1/match", key: TestKeys.match, body: upload)
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.json["match"] as? Bool == true, "\(suffix): \(answer.text)")
            #expect((answer.json["matches"] as? [[String: Any]])?.first?["entry"] as? String == "DEMO-0004")
            #expect((answer.json["image"] as? [String: Any])?["format"] as? String == format, "\(answer.text)")

            let cut = Array(upload.prefix(upload.count * 2 / 3))
            let refused = try await server.send("POST", "/v1/match", key: TestKeys.match, body: cut)
            #expect(refused.status == 422, "\(suffix): \(refused.text)")
            #expect(refused.errorCode == "corrupt_image", "\(refused.text)")
            #expect((refused.json["hashes"] as? [String: Any])?["sha256"] as? String == (try coreutilsDigest("sha256sum", cut)))
        }
    }
}
