import Foundation
import HashScanCore
import HashScanVideo
import Testing

/// Damaged and hostile videos end as values (a failure with a code, or no video), never a crash or a hang; every
/// limit is enforced.
@Suite("hostile videos")
struct HostileVideoTests {
    static let sample: [UInt8] = {
        let url = VPDQConformanceTests.repo.appendingPathComponent("tmk/sample-videos/doorknob-hd-no-bar.mp4")
        return [UInt8]((try? Data(contentsOf: url)) ?? Data())
    }()

    static func outcome(_ bytes: [UInt8], limits: VideoLimits = VideoLimits(), secondsPerHash: Double = 1) -> VideoHasher.Outcome {
        bytes.withUnsafeBytes { VideoHasher(limits: limits).hash($0, secondsPerHash: secondsPerHash) }
    }

    static func code(_ outcome: VideoHasher.Outcome) -> String {
        switch outcome {
        case .hashed: "hashed"
        case .notVideo: "not_video"
        case .failed(let error, _): error.code.rawValue
        }
    }

    @Test("truncated anywhere: hashed up to the cut, corrupt_video, or no video stream left; never a crash")
    func truncations() throws {
        try #require(Self.sample.count > 400_000, "the sample video is missing")
        for cut in [0, 1, 8, 12, 32, 100, 1_000, 10_000, 100_000, Self.sample.count / 2, Self.sample.count - 1] {
            let result = Self.outcome(Array(Self.sample.prefix(cut)))
            let code = Self.code(result)
            // A cut before the stream's description leaves a container with no video (as an audio-only .m4a is).
            #expect(["hashed", "corrupt_video", "not_video"].contains(code), "cut at \(cut): \(code)")
        }
        // Nothing at all, and only the first box, are not videos that decode.
        #expect(Self.code(Self.outcome([])) == "corrupt_video")
        #expect(["corrupt_video", "not_video"].contains(Self.code(Self.outcome(Array(Self.sample.prefix(32))))))
    }

    @Test("bit flips and overwritten runs: a value every time (seeded, replayable)")
    func corruption() throws {
        try #require(!Self.sample.isEmpty, "the sample video is missing")
        var state: UInt64 = 0x5EED_0F_F1_1E
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var seen: [String: Int] = [:]
        for round in 0..<12 {
            var bytes = Self.sample
            for _ in 0..<(round % 2 == 0 ? 40 : 4) {
                let at = Int(next() % UInt64(bytes.count))
                if round % 3 == 0 {
                    // A run of garbage, as in a damaged download.
                    for offset in at..<min(bytes.count, at + 512) { bytes[offset] = UInt8(truncatingIfNeeded: next()) }
                } else {
                    bytes[at] ^= UInt8(1) << (next() % 8)
                }
            }
            var limits = VideoLimits()
            limits.maxSeconds = 30
            let code = Self.code(Self.outcome(bytes, limits: limits))
            seen[code, default: 0] += 1
            #expect(["hashed", "corrupt_video", "not_video"].contains(code), "round \(round): \(code)")
        }
        print("corrupted sample video, outcomes: \(seen.sorted { $0.key < $1.key })")
    }

    @Test("limits: frame size, frame count, duration and the time budget")
    func limits() throws {
        try #require(!Self.sample.isEmpty, "the sample video is missing")
        var small = VideoLimits()
        small.maxPixels = 1280 * 720 - 1
        guard case .failed(let pixels, let info) = Self.outcome(Self.sample, limits: small) else {
            Issue.record("a 1280x720 video passed a smaller pixel limit")
            return
        }
        #expect(pixels.code == .tooLarge && info?.framesDecoded == 0, "\(pixels)")
        var few = VideoLimits()
        few.maxFrames = 10
        #expect(Self.code(Self.outcome(Self.sample, limits: few)) == "too_large")
        var short = VideoLimits()
        short.maxDuration = 2
        #expect(Self.code(Self.outcome(Self.sample, limits: short)) == "too_large")
        var hurried = VideoLimits()
        hurried.maxSeconds = 0
        #expect(Self.code(Self.outcome(Self.sample, limits: hurried)) == "timed_out")
    }

    @Test("containers are recognised by their first bytes; HEIF and AVIF stills are not videos")
    func sniffing() {
        func sniff(_ bytes: [UInt8]) -> String? { bytes.withUnsafeBytes { VideoFormat.sniff($0) } }
        #expect(sniff(Array(Self.sample.prefix(16))) == "mp4")
        #expect(sniff([0, 0, 0, 24] + Array("ftypheic".utf8) + [0, 0, 0, 0]) == nil)
        #expect(sniff([0, 0, 0, 24] + Array("ftypavif".utf8) + [0, 0, 0, 0]) == nil)
        #expect(sniff([0x1A, 0x45, 0xDF, 0xA3] + [UInt8](repeating: 0, count: 12)) == "matroska")
        #expect(sniff(Array("RIFF\u{0}\u{0}\u{0}\u{0}AVI LIST".utf8)) == "avi")
        #expect(sniff(Array("\u{FF}\u{D8}\u{FF}\u{E0}not a video".utf8)) == nil)
    }
}
