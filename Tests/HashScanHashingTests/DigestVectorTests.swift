import HashScanCore
import HashScanHashing
import Testing

/// Published test vectors: RFC 1321 appendix A.5 (MD5), FIPS 180-2 appendices A and B (SHA-1, SHA-256). Where a
/// message is in neither (the empty message for SHA-1/SHA-256; the 448-bit and million-"a" messages for MD5) the
/// digest is md5sum/sha1sum/sha256sum's (GNU coreutils 9.1) of the same bytes. Each value says which.
@Suite("MultiDigester against published vectors")
struct DigestVectorTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let label: String
        let message: [UInt8]
        let md5: String
        let sha1: String
        let sha256: String
        var testDescription: String { label }
    }

    static let vectors: [Vector] = [
        Vector(label: "empty", message: [],
               md5: "d41d8cd98f00b204e9800998ecf8427e",  // RFC 1321 A.5
               sha1: "da39a3ee5e6b4b0d3255bfef95601890afd80709",  // sha1sum (GNU coreutils 9.1)
               sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),  // sha256sum (GNU coreutils 9.1)
        Vector(label: "abc", message: Array("abc".utf8),
               md5: "900150983cd24fb0d6963f7d28e17f72",  // RFC 1321 A.5
               sha1: "a9993e364706816aba3e25717850c26c9cd0d89d",  // FIPS 180-2 A.1
               sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),  // FIPS 180-2 B.1
        Vector(label: "448-bit", message: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
               md5: "8215ef0796a20bcaaae116d3876c664a",  // md5sum (GNU coreutils 9.1)
               sha1: "84983e441c3bd26ebaae4aa1f95129e5e54670f1",  // FIPS 180-2 A.2
               sha256: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),  // FIPS 180-2 B.2
        Vector(label: "one million a", message: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000),
               md5: "7707d6ae4e027c70eea2a935c2296f21",  // md5sum (GNU coreutils 9.1)
               sha1: "34aa973cd4c4daa4f61eeb2bdbad27316534016f",  // FIPS 180-2 A.3
               sha256: "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),  // FIPS 180-2 B.3
    ]

    @Test("one pass gives all three digests", arguments: vectors)
    func onePass(vector: Vector) throws {
        let digester = try MultiDigester(algorithms: [.md5, .sha1, .sha256])
        let digests = vector.message.withUnsafeBytes { digester.digests(of: $0) }
        #expect(digests[.md5]?.hex == vector.md5)
        #expect(digests[.sha1]?.hex == vector.sha1)
        #expect(digests[.sha256]?.hex == vector.sha256)
    }

    @Test("streaming in uneven chunks equals one call, and contexts are reusable", arguments: vectors)
    func streamingChunks(vector: Vector) throws {
        let digester = try MultiDigester(algorithms: [.sha256, .md5, .sha1])
        for chunkSize in [1, 63, 64, 65, 4096, 999_983] {
            digester.reset()
            vector.message.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let end = min(raw.count, offset + chunkSize)
                    digester.update(UnsafeRawBufferPointer(rebasing: raw[offset..<end]))
                    offset = end
                }
            }
            let digests = digester.finish()
            #expect(digests[.md5]?.hex == vector.md5, "chunk \(chunkSize)")
            #expect(digests[.sha1]?.hex == vector.sha1, "chunk \(chunkSize)")
            #expect(digests[.sha256]?.hex == vector.sha256, "chunk \(chunkSize)")
        }
    }

    @Test("a subset computes only what was asked")
    func subset() throws {
        let digester = try MultiDigester(algorithms: [.sha1])
        let digests = Array("abc".utf8).withUnsafeBytes { digester.digests(of: $0) }
        #expect(Array(digests.keys) == [.sha1])
        #expect(digests[.sha1]?.hex == "a9993e364706816aba3e25717850c26c9cd0d89d")  // SHA-1("abc"): FIPS 180-2 A.1
    }
}
