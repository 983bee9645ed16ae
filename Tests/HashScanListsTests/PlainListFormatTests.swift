import HashScanCore
import HashScanLists
import Testing

/// The hex in these tests is input, not a computed expectation: the digests of the empty message (MD5 d41d8cd9…,
/// RFC 1321 A.5; SHA-1 da39a3ee… and SHA-256 e3b0c442…, sha1sum/sha256sum of nothing, GNU coreutils 9.1) as
/// well-formed entries, and an arbitrary PDQ (d8f8f0ce…, the C++ reference hash of bridge-mods/aaa-orig.jpg).
/// What is asserted is the parse: the algorithm, the line, the hex lower-cased.
@Suite("The plain list format")
struct PlainListFormatTests {
    private func parse(_ text: String) throws(ListParseError) -> HashList {
        try PlainListFormat.parse(Array(text.utf8), file: "t.txt", name: "t")
    }

    @Test("prefixes, inference by length, entry ids, comments, blank lines, any hex case, CRLF and a BOM")
    func acceptedForms() throws {
        let text = "\u{FEFF}# comment\r\n"
            + "D41D8CD98F00B204E9800998ECF8427E\r\n"
            + "\n"
            + "  sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709 , SHA1-ENTRY \n"
            + "SHA256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855,id with spaces\n"
            + "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
        let list = try parse(text)
        #expect(list.entries.map(\.algorithm) == [.md5, .sha1, .sha256, .sha256])
        #expect(list.entries.map(\.entryID) == [nil, "SHA1-ENTRY", "id with spaces", nil])
        #expect(list.entries.map(\.line) == [2, 4, 5, 6])
        #expect(list.entries[0].hash.hex == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(list.entries[0].reportedID == "line:2")
        #expect(list.counts == [.md5: 1, .sha1: 1, .sha256: 2])
    }

    @Test("malformed lines are all reported with their line numbers")
    func malformed() {
        let text = "d41d8cd98f00b204e9800998ecf8427e\nxyz\nsha1:abcd\nfoo:d41d8cd98f00b204e9800998ecf8427e\n1234567\nd41d8cd98f00b204e9800998ecf8427e,\n"
        do {
            _ = try parse(text)
            Issue.record("a malformed list was accepted")
        } catch {
            #expect(error.problems.map(\.line) == [2, 3, 4, 5, 6])
            #expect(error.description.hasPrefix("t.txt:2: "))
            #expect(error.problems[1].reason.contains("40 hex digits"))
            #expect(error.problems[2].reason.contains("unknown algorithm"))
        }
    }

    @Test("a 64-digit PDQ hash needs its prefix; with it, it is a PDQ entry")
    func pdqPrefix() throws {
        let hex = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
        let list = try parse("pdq:\(hex),P1\n\(hex)\n")
        #expect(list.entries.map(\.algorithm) == [.pdq, .sha256])
    }
}

/// Arbitrary but well-formed entries, as in `PlainListFormatTests`; ...427f is one bit off the MD5 entry.
@Suite("In-memory matching")
struct InMemoryListMatcherTests {
    @Test("exact digests match exactly; several lists and duplicate entries each give a hit")
    func exactMatches() throws {
        let a = try PlainListFormat.parse(Array("d41d8cd98f00b204e9800998ecf8427e,A1\nd41d8cd98f00b204e9800998ecf8427e,A2\n".utf8), file: "a", name: "a")
        let b = try PlainListFormat.parse(Array("sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709,B1\n".utf8), file: "b", name: "b")
        let matcher = InMemoryListMatcher(lists: [b, a])
        #expect(matcher.algorithms == [.md5, .sha1])
        let hashes = FileHashes(digests: [
            .md5: Digest(hex: "d41d8cd98f00b204e9800998ecf8427e")!,
            .sha1: Digest(hex: "da39a3ee5e6b4b0d3255bfef95601890afd80709")!,
        ])
        let hits = matcher.matches(for: hashes)
        #expect(hits.map(\.entry) == ["A1", "A2", "B1"])
        #expect(hits.allSatisfy { $0.distance == 0 && $0.threshold == 0 })
        let other = FileHashes(digests: [.md5: Digest(hex: "d41d8cd98f00b204e9800998ecf8427f")!])
        #expect(matcher.matches(for: other).isEmpty)
    }

    @Test("perceptual entries match within the threshold and report the distance")
    func hammingMatches() throws {
        let reference = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
        let list = try PlainListFormat.parse(Array("pdq:\(reference),P\n".utf8), file: "p", name: "p")
        let matcher = InMemoryListMatcher(lists: [list])
        var bytes = Digest(hex: reference)!.bytes
        for bit in 0..<31 { bytes[bit / 8] ^= 1 << (bit % 8) }
        let near = FileHashes(digests: [.pdq: Digest(bytes: bytes)])
        #expect(matcher.matches(for: near).map(\.distance) == [31])
        bytes[31] ^= 1
        #expect(matcher.matches(for: FileHashes(digests: [.pdq: Digest(bytes: bytes)])).isEmpty)
    }
}
