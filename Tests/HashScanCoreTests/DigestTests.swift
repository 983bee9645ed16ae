import HashScanCore
import Testing

@Suite("Digest and hex")
struct DigestTests {
    @Test("hex round-trips at every supported length and any case")
    func hexRoundTrip() {
        for length in [8, 16, 20, 32] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let digest = Digest(bytes: bytes)
            #expect(digest.bytes == bytes)
            #expect(Digest(hex: digest.hex) == digest)
            #expect(Digest(hex: digest.hex.uppercased()) == digest)
            #expect(digest.hex.count == length * 2)
        }
    }

    @Test("malformed hex is rejected")
    func malformedHex() {
        for text in ["", "a", "abc", "zz", "0g", String(repeating: "0", count: 66)] {
            #expect(Digest(hex: text) == nil, "\(text)")
        }
    }

    @Test("digests of different lengths are different keys even when their bytes agree")
    func lengthMatters() {
        #expect(Digest(bytes: [0, 0]) != Digest(bytes: [0, 0, 0]))
    }

    @Test("Hamming distance counts differing bits")
    func hamming() {
        let a = Digest(hex: String(repeating: "0", count: 64))!
        let b = Digest(hex: "f" + String(repeating: "0", count: 62) + "1")!
        #expect(a.hammingDistance(to: b) == 5)
        #expect(b.hammingDistance(to: b) == 0)
    }

    @Test("algorithm lists parse, deduplicate and reject unknown names")
    func algorithmLists() throws {
        #expect(try HashAlgorithm.parseList("sha256, MD5,sha256") == [.md5, .sha256])
        #expect(throws: ParseFailure.self) { try HashAlgorithm.parseList("md5,crc32") }
        #expect(throws: ParseFailure.self) { try HashAlgorithm.parseList(" , ") }
    }
}

@Suite("RawPath")
struct RawPathTests {
    @Test("UTF-8 validity and lossless bytes")
    func validity() {
        #expect(RawPath("caf\u{E9}/x").isValidUTF8)
        let raw = RawPath(bytes: [0x61, 0xFF, 0x62])
        #expect(!raw.isValidUTF8)
        #expect(raw.string == "a\u{FFFD}b")
        #expect(raw.appending([0x63]).bytes == [0x61, 0xFF, 0x62, 0x2F, 0x63])
        #expect(RawPath("dir/").appending([0x63]).bytes == Array("dir/c".utf8))
    }
}
