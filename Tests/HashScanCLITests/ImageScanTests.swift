import Foundation
import Testing

/// End to end through the CLI: decode + PDQ against Meta's reference hashes (tier 2), and images in scans.
@Suite("Images through hashscan")
struct ImageScanTests {
    /// The reference vectors kept in the repository (Tests/Fixtures/threatexchange/PROVENANCE.md).
    static let vectors = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/threatexchange")

    struct Row {
        let path: String
        let columns: [String: String]
    }

    static func csv(_ name: String) throws -> [Row] {
        let url = vectors.appendingPathComponent("derived/\(name)")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: url.path])
        }
        let lines = try String(contentsOf: url, encoding: .utf8).split(whereSeparator: \.isNewline)
        let header = lines[0].split(separator: ",").map(String.init)
        return lines.dropFirst().map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return Row(path: fields[0], columns: Dictionary(uniqueKeysWithValues: zip(header, fields)))
        }
    }

    static func hammingDistance(_ a: String, _ b: String) -> Int {
        zip(a, b).reduce(0) { total, pair in
            total + (UInt8(String(pair.0), radix: 16)! ^ UInt8(String(pair.1), radix: 16)!).nonzeroBitCount
        }
    }

    /// PDQ hashes by path for every reference image, hashed by the CLI in one run.
    static func cliPDQ(convention: String) throws -> [String: [String: Any]] {
        let repo = vectors.appendingPathComponent("repo")
        let rows = try csv("cpp_reference_pdq.csv")
        let result = try HashscanProcess.run(["hash", "--algorithms", "pdq", "--pdq-convention", convention] + rows.map(\.path), in: repo)
        #expect(result.status == 0, "\(result.stderr)")
        return Dictionary(uniqueKeysWithValues: result.records(ofType: "file").map { ($0["path"] as! String, $0["hashes"] as! [String: Any]) })
    }

    @Test("reference convention: every reference image within distance 2 of Meta's C++ hasher (I16.png excepted)")
    func referenceConvention() throws {
        let hashes = try Self.cliPDQ(convention: "reference")
        var distribution: [Int: Int] = [:]
        let rows = try Self.csv("cpp_reference_pdq.csv").filter { !$0.path.hasSuffix("I16.png") }
        #expect(rows.count >= 49, "the reference CSV lists \(rows.count) images")
        for row in rows {
            let record = try #require(hashes[row.path], "no record for \(row.path)")
            let distance = Self.hammingDistance(record["pdq"] as! String, row.columns["pdq_hash"]!)
            distribution[distance, default: 0] += 1
            #expect(distance <= 2, "\(row.path): distance \(distance)")
            #expect(record["pdq_quality"] as? Int == Int(row.columns["quality"]!), "\(row.path)")
            #expect(record["pdq_convention"] as? String == "reference")
        }
        print("PDQ reference convention, distance to the C++ reference → images: \(distribution.sorted { $0.key < $1.key })")
        #expect(distribution.values.reduce(0, +) == rows.count)
    }

    @Test("full convention: every image within distance 2 of the full-size reference column")
    func fullConvention() throws {
        let hashes = try Self.cliPDQ(convention: "full")
        var distribution: [Int: Int] = [:]
        let rows = try Self.csv("fullsize_and_other_conventions_pdq.csv").filter { !$0.path.hasSuffix("I16.png") }
        for row in rows {
            let expected = try #require(row.columns["fullsize_rgb_hash"], "\(row.path)")
            #expect(expected.count == 64, "\(row.path): no full-size hash")
            let record = try #require(hashes[row.path], "no record for \(row.path)")
            let distance = Self.hammingDistance(record["pdq"] as! String, expected)
            distribution[distance, default: 0] += 1
            #expect(distance <= 2, "\(row.path): distance \(distance)")
        }
        print("PDQ full convention, distance to the full-size reference → images: \(distribution.sorted { $0.key < $1.key })")
        #expect(distribution.values.reduce(0, +) == rows.count && rows.count >= 49)
    }

    @Test("every bridge-mods variant matches the original's reference hash within 31")
    func bridgeModsMatch() throws {
        let tree = try TemporaryTree()
        let original = try #require(try Self.csv("cpp_reference_pdq.csv").first { $0.path.hasSuffix("bridge-mods/aaa-orig.jpg") })
        try tree.write("bridge.txt", "pdq:\(original.columns["pdq_hash"]!),BRIDGE\n")
        let mods = Self.vectors.appendingPathComponent("repo/pdq/data/bridge-mods")
        let result = try HashscanProcess.run(["scan", mods.path, "--list", "bridge.txt"], in: tree.url)
        #expect(result.status == 1)
        let matched = result.records(ofType: "match")
        #expect(matched.count == 12, "all 12 bridge-mods files")
        for record in matched {
            let hit = try #require((record["matches"] as? [[String: Any]])?.first)
            #expect(hit["entry"] as? String == "BRIDGE")
            #expect((hit["distance"] as? Int ?? 99) <= 31)
        }
    }

    @Test("--dihedral finds a rotated copy and names the variant that hit")
    func dihedralMatch() throws {
        let tree = try TemporaryTree()
        let original = try #require(try Self.csv("cpp_reference_pdq.csv").first { $0.path.hasSuffix("dih/bridge-1-original.jpg") })
        try tree.write("bridge.txt", "pdq:\(original.columns["pdq_hash"]!),B1\n")
        let rotated = Self.vectors.appendingPathComponent("repo/pdq/data/reg-test-input/dih/bridge-2-rotate-90.jpg").path
        let plain = try HashscanProcess.run(["scan", rotated, "--list", "bridge.txt"], in: tree.url)
        #expect(plain.status == 0, "a 90° rotation is far from the original without dihedral matching")
        let result = try HashscanProcess.run(["scan", rotated, "--list", "bridge.txt", "--dihedral"], in: tree.url)
        #expect(result.status == 1)
        let record = try #require(result.records(ofType: "match").first)
        let hit = try #require((record["matches"] as? [[String: Any]])?.first)
        #expect(hit["pdq_variant"] as? String != "orig")
        #expect((hit["distance"] as? Int ?? 99) <= 31)
        #expect((record["hashes"] as? [String: Any])?["pdq_dihedral"] as? [String] != nil)
    }

    @Test("a low-quality PDQ hash is reported but not matched")
    func lowQualityNotMatched() throws {
        let tree = try TemporaryTree()
        let small = try #require(try Self.csv("cpp_reference_pdq.csv").first { $0.path.hasSuffix("misc-images/small.jpg") })
        try tree.write("low.txt", "pdq:\(small.columns["pdq_hash"]!),LOW\n")
        let path = Self.vectors.appendingPathComponent("repo/pdq/data/misc-images/small.jpg").path
        let result = try HashscanProcess.run(["scan", path, "--list", "low.txt", "--all"], in: tree.url)
        #expect(result.status == 0)
        #expect(result.records(ofType: "file").first.flatMap { ($0["hashes"] as? [String: Any])?["pdq_quality"] as? Int } == 0)
        #expect(result.summary?["pdq_low_quality"] as? Int == 1)
        let forced = try HashscanProcess.run(["scan", path, "--list", "low.txt", "--pdq-min-quality", "0"], in: tree.url)
        #expect(forced.status == 1)
    }

    @Test("corrupt and oversized images are error records with their digests, and the scan goes on")
    func hostileImagesInAScan() throws {
        let tree = try TemporaryTree()
        let source = Self.vectors.appendingPathComponent("repo/pdq/data/bridge-mods/square-256x256.jpg")
        let jpeg = try Data(contentsOf: source)
        try tree.write("in/truncated.jpg", jpeg.prefix(jpeg.count / 2))
        try tree.write("in/zero.png", Data())
        // A real PNG whose IHDR (with a correct CRC) claims 1,000,000 x 1,000,000 RGB pixels.
        var png = try Data(contentsOf: Self.vectors.appendingPathComponent("repo/pdq/data/misc-images/modes/L.png"))
        let ihdr: [UInt8] = Array("IHDR".utf8) + [0x00, 0x0F, 0x42, 0x40, 0x00, 0x0F, 0x42, 0x40, 8, 2, 0, 0, 0]
        let crc = Self.crc32(ihdr)
        png.replaceSubrange(12..<33, with: ihdr + [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)])
        try tree.write("in/huge.png", png)
        try tree.write("in/ok.jpg", jpeg)
        try tree.write("in/garbage-after.jpg", jpeg + Data(repeating: 0xAB, count: 1000))
        let md5 = try coreutilsDigests("md5sum", files: [tree.url.appendingPathComponent("in/truncated.jpg")])[0]
        try tree.write("list.txt", "pdq:\(String(repeating: "0", count: 64)),NONE\n")
        let result = try HashscanProcess.run(["scan", "in", "--list", "list.txt", "--all"], in: tree.url, timeout: 60)
        #expect(result.status == 2)
        let errors = Dictionary(uniqueKeysWithValues: result.records(ofType: "error").map { ($0["path"] as! String, $0) })
        #expect(errors["in/truncated.jpg"]?["code"] as? String == "corrupt_image")
        #expect((errors["in/truncated.jpg"]?["hashes"] as? [String: Any])?["md5"] as? String == md5)
        #expect(errors["in/huge.png"]?["code"] as? String == "too_large")
        #expect(errors["in/zero.png"] == nil, "an empty file is not an image: it has digests and nothing to decode")
        let files = Set(result.records(ofType: "file").compactMap { $0["path"] as? String })
        #expect(files == ["in/ok.jpg", "in/garbage-after.jpg", "in/zero.png"])
    }

    /// CRC-32 (IEEE, as PNG chunks use it).
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    @Test("a known-good digest skips decoding and perceptual matching, but never hides a block-list digest match")
    func knownGood() throws {
        let tree = try TemporaryTree()
        let image = Self.vectors.appendingPathComponent("repo/pdq/data/bridge-mods/aaa-orig.jpg")
        try tree.write("in/photo.jpg", try Data(contentsOf: image))
        let md5 = try coreutilsDigests("md5sum", files: [tree.url.appendingPathComponent("in/photo.jpg")])[0]
        let reference = try #require(try Self.csv("cpp_reference_pdq.csv").first { $0.path.hasSuffix("aaa-orig.jpg") })
        try tree.write("good.txt", "md5:\(md5),NSRL-1\n")
        try tree.write("pdq.txt", "pdq:\(reference.columns["pdq_hash"]!),P\n")
        try tree.write("both.txt", "md5:\(md5),BLOCK\n")
        let skipped = try HashscanProcess.run(["scan", "in", "--list", "pdq.txt", "--known-good", "good.txt", "--all"], in: tree.url)
        #expect(skipped.status == 0)
        let record = try #require(skipped.records(ofType: "file").first)
        #expect(record["known_good"] as? String == "good")
        #expect((record["hashes"] as? [String: Any])?["pdq"] == nil, "no perceptual work for a known-good file")
        #expect(skipped.summary?["known_good"] as? Int == 1)
        let blocked = try HashscanProcess.run(["scan", "in", "--list", "both.txt", "--known-good", "good.txt"], in: tree.url)
        #expect(blocked.status == 1)
        #expect(blocked.records(ofType: "match").first?["known_good"] as? String == "good")
    }
}
