import Foundation
import HashScanCore
import HashScanVideo
import Testing

/// vPDQ against the hashes Meta published with its reference (`vpdq/sample-hashes`, every frame, made by the C++
/// `vpdq` with its FFmpeg), on the sample videos kept in Tests/Fixtures/threatexchange (PROVENANCE.md there).
/// FFmpeg versions decode a few pixels differently, so the check is the reference's own regression rule (its
/// `regtest.py`): frames of quality at least 50 within distance 31, here at least 95% of them. Frames below quality
/// 50 are not matched by anyone (their bits flip with any change); their distances are printed with the rest.
@Suite("vPDQ conformance with the published sample hashes")
struct VPDQConformanceTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/threatexchange/repo")

    /// `frameNumber,quality,pdqHex,timestamp` lines.
    static func published(_ name: String) throws -> [(frame: Int, quality: Int, hash: Digest, timestamp: Double)] {
        let text = try String(contentsOf: repo.appendingPathComponent("vpdq/sample-hashes/\(name).txt"), encoding: .utf8)
        return try text.split(whereSeparator: \.isNewline).map { line in
            let fields = line.split(separator: ",").map(String.init)
            try #require(fields.count == 4, "\(name): \(line)")
            return (try #require(Int(fields[0])), try #require(Int(fields[1])), try #require(Digest(hex: fields[2])),
                    try #require(Double(fields[3])))
        }
    }

    static func hash(_ name: String, secondsPerHash: Double) throws -> (VideoInfo, [VPDQFrame]) {
        let bytes = try Data(contentsOf: repo.appendingPathComponent("tmk/sample-videos/\(name).mp4"))
        let outcome = bytes.withUnsafeBytes { VideoHasher().hash($0, secondsPerHash: secondsPerHash) }
        guard case .hashed(let info, let frames) = outcome else {
            Issue.record("\(name): \(outcome)")
            throw CancellationError()
        }
        return (info, frames)
    }

    @Test("every frame within distance 31 of the reference for at least 95% of frames", arguments: ["doorknob-hd-no-bar", "pattern-sd-grey-bar"])
    func everyFrame(name: String) throws {
        let reference = try Self.published(name)
        let (info, frames) = try Self.hash(name, secondsPerHash: 0)
        #expect(frames.count == reference.count, "\(name): \(frames.count) frames hashed, the reference has \(reference.count)")
        #expect(info.framesDecoded == reference.count && info.framesHashed == frames.count)
        var distances: [Int] = []
        for (ours, theirs) in zip(frames, reference) {
            #expect(ours.frame == theirs.frame)
            #expect(abs(ours.timestamp - theirs.timestamp) < 0.0006, "\(name) frame \(ours.frame): \(ours.timestamp) s vs \(theirs.timestamp) s")
            distances.append(ours.pdq.hammingDistance(to: theirs.hash))
        }
        func summary(_ values: [Int]) -> String {
            let sorted = values.sorted()
            return "\(values.filter { $0 <= 31 }.count) of \(values.count) within 31, \(values.filter { $0 == 0 }.count) exact, "
                + "median \(sorted.isEmpty ? 0 : sorted[sorted.count / 2]), max \(sorted.last ?? 0)"
        }
        let reliable = zip(distances, reference).filter { $0.1.quality >= 50 }.map(\.0)
        print("vPDQ \(name): quality >= 50: \(summary(reliable)); every frame: \(summary(distances))")
        #expect(reliable.count >= reference.count / 2, "\(name): most frames of the sample have quality >= 50")
        let within = reliable.filter { $0 <= 31 }.count
        #expect(Double(within) >= 0.95 * Double(reliable.count), "\(name): \(within) of \(reliable.count) frames of quality >= 50 within 31")
    }

    @Test("one frame a second samples every floor(fps)th frame, as the reference's frameMod")
    func oneFrameASecond() throws {
        let reference = try Self.published("doorknob-hd-no-bar")
        let (info, frames) = try Self.hash("doorknob-hd-no-bar", secondsPerHash: 1)
        let frameMod = max(1, Int(1 * info.frameRate))
        #expect(info.container == "mov" && info.codec == "h264" && info.width == 1280 && info.height == 720)
        #expect(frames.map(\.frame) == reference.map(\.frame).filter { $0 % frameMod == 0 })
    }
}
