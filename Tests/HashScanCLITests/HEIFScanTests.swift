import Foundation
import HashScanTestSupport
import Testing

/// Phone formats through the CLI: licence-clean photographs from the fixtures re-encoded as HEIC and AVIF by libheif's
/// own encoder hash as libheif's reference decode of them does, and match a list made from the original JPEGs.
@Suite("HEIC and AVIF through hashscan")
struct HEIFScanTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/threatexchange/repo/pdq/data/reg-test-input")

    @Test("a HEIC or AVIF copy hashes as heif-convert's decode of it and matches the original photo's PDQ entry")
    func phoneCopiesMatchTheOriginals() throws {
        let tree = try TemporaryTree()
        let photos = ["dih/bridge-1-original.jpg": "bridge", "labelme-subset/q0122.jpg": "q0122"]
        for (path, name) in photos {
            try tree.write("originals/\(name).jpg", try Data(contentsOf: Self.fixtures.appendingPathComponent(path)))
        }
        try FileManager.default.createDirectory(at: tree.url.appendingPathComponent("phone"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: tree.url.appendingPathComponent("reference"), withIntermediateDirectories: true)
        for name in photos.values {
            for (suffix, quality) in [("heic", "70"), ("avif", "75")] {
                try LibheifTools.run("heif-enc", ["-q", quality, "originals/\(name).jpg", "-o", "phone/\(name).\(suffix)"], in: tree.url)
                try LibheifTools.run("heif-convert", ["phone/\(name).\(suffix)", "reference/\(name)-\(suffix).png"], in: tree.url)
            }
        }

        let hashed = try HashscanProcess.run(["hash", "--algorithms", "md5,pdq", "originals", "phone", "reference"], in: tree.url)
        #expect(hashed.status == 0, "\(hashed.stderr)")
        var pdq: [String: String] = [:]
        for record in hashed.records(ofType: "file") {
            let path = try #require(record["path"] as? String)
            pdq[path] = (record["hashes"] as? [String: Any])?["pdq"] as? String
            if path.hasPrefix("phone/") {
                let image = try #require(record["image"] as? [String: Any], "\(path) has no image object")
                #expect(image["format"] as? String == (path.hasSuffix(".heic") ? "heif" : "avif"))
            }
        }
        for name in photos.values {
            for suffix in ["heic", "avif"] {
                let ours = try #require(pdq["phone/\(name).\(suffix)"], "no PDQ for \(name).\(suffix)")
                let reference = try #require(pdq["reference/\(name)-\(suffix).png"])
                #expect(ImageScanTests.hammingDistance(ours, reference) <= 2, "\(name).\(suffix) against heif-convert's decode")
                print("\(name).\(suffix): PDQ \(ImageScanTests.hammingDistance(ours, reference)) bits from heif-convert's decode, "
                      + "\(ImageScanTests.hammingDistance(ours, pdq["originals/\(name).jpg"]!)) from the original JPEG")
            }
        }

        // The list holds the originals only; their phone copies are found by PDQ, the originals also by MD5.
        let list = photos.values.sorted().map { "pdq:\(pdq["originals/\($0).jpg"]!),\($0)" }.joined(separator: "\n")
        try tree.write("known.txt", list + "\n")
        let scan = try HashscanProcess.run(["scan", "--list", "known.txt", "phone"], in: tree.url)
        #expect(scan.status == 1, "\(scan.stderr)")
        let matched = scan.records(ofType: "match").compactMap { $0["path"] as? String }.sorted()
        #expect(matched == ["phone/bridge.avif", "phone/bridge.heic", "phone/q0122.avif", "phone/q0122.heic"])
        #expect(scan.summary?["errors"] as? Int == 0)
    }
}
