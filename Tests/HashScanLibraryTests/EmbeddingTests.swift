import Foundation
import HashScan
import Testing

/// The embedding example of docs/library.md, as a test: hash a buffer, compile and open a list, match.
@Suite("HashScan as a library")
struct EmbeddingTests {
    @Test("hash an upload in memory and match it against a compiled list")
    func uploadGate() throws {
        let upload = Array("abc".utf8)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hashscan-lib-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("known.hsl").path
        // RFC 1321's MD5 of "abc".
        let source = try PlainListFormat.parse(Array("md5:900150983cd24fb0d6963f7d28e17f72,KNOWN-1\n".utf8), file: "known.txt", name: "known")
        try CompiledListWriter.write(source, to: path)

        let list = try CompiledList(path: path)
        let digester = try MultiDigester(algorithms: [.md5, .sha1, .sha256])
        let hashes = FileHashes(digests: upload.withUnsafeBytes { digester.digests(of: $0) })
        let hits = list.matches(for: hashes)
        #expect(hits.map(\.entry) == ["KNOWN-1"])
        #expect(hits.first?.list == "known")
        let clean = FileHashes(digests: Array("abd".utf8).withUnsafeBytes { digester.digests(of: $0) })
        #expect(list.matches(for: clean).isEmpty)
    }
}
