import Foundation
import Testing

@Suite("hashscan hash against coreutils")
struct HashCommandTests {
    @Test("digests equal md5sum, sha1sum and sha256sum on files around the buffer and block boundaries")
    func matchesCoreutils() throws {
        let tree = try TemporaryTree()
        let sizes = [0, 1, 4095, 4096, 4097, 262_143, 262_144, 262_145, 1_048_576 + 7]
        var files: [URL] = []
        for (index, size) in sizes.enumerated() {
            files.append(try tree.write("f/\(size).bin", seededBytes(count: size, seed: UInt64(index + 1))))
        }
        let result = try HashscanProcess.run(["hash"] + files.map(\.path), in: tree.url)
        #expect(result.status == 0)
        let records = Dictionary(uniqueKeysWithValues: result.records(ofType: "file").map { ($0["path"] as! String, $0) })
        let md5 = try coreutilsDigests("md5sum", files: files)
        let sha1 = try coreutilsDigests("sha1sum", files: files)
        let sha256 = try coreutilsDigests("sha256sum", files: files)
        for (index, file) in files.enumerated() {
            let record = try #require(records[file.path], "no record for \(file.lastPathComponent)")
            #expect(record["size"] as? Int == sizes[index])
            let hashes = try #require(record["hashes"] as? [String: String])
            #expect(hashes["md5"] == md5[index], "md5 of \(sizes[index]) bytes")
            #expect(hashes["sha1"] == sha1[index], "sha1 of \(sizes[index]) bytes")
            #expect(hashes["sha256"] == sha256[index], "sha256 of \(sizes[index]) bytes")
        }
    }

    @Test("'-' hashes standard input; --algorithms limits the digests")
    func standardInput() throws {
        let tree = try TemporaryTree()
        let result = try HashscanProcess.run(["hash", "--algorithms", "sha256,md5", "-"], in: tree.url, stdin: Data("abc".utf8))
        #expect(result.status == 0)
        let record = try #require(result.records(ofType: "file").first)
        #expect(record["path"] as? String == "-")
        let hashes = try #require(record["hashes"] as? [String: String])
        #expect(hashes == [
            "md5": "900150983cd24fb0d6963f7d28e17f72",  // MD5("abc"): RFC 1321 appendix A.5
            "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",  // SHA-256("abc"): FIPS 180-2 appendix B.1
        ])
    }

    @Test("a large file streams through in bounded memory and hashes like sha256sum")
    func largeFileStreams() throws {
        let tree = try TemporaryTree()
        let file = try tree.write("big.bin", seededBytes(count: 48 * 1024 * 1024 + 3, seed: 99))
        let result = try HashscanProcess.run(["hash", "--algorithms", "sha256", "big.bin"], in: tree.url)
        let hashes = result.records(ofType: "file").first?["hashes"] as? [String: String]
        #expect(hashes?["sha256"] == (try coreutilsDigests("sha256sum", files: [file]))[0])
    }
}
