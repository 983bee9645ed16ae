import Foundation
import HashScan
import Testing

/// docs/library.md: any list opens through `ListLoader`, and failures are values, never prints or exits.
@Suite("ListLoader through the library product")
struct ListLoaderEmbeddingTests {
    @Test("a source list opens and matches a buffer's SHA-256; a malformed one is a .malformed failure naming the line")
    func openAndMatch() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hashscan-lib-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let upload = Array("an upload".utf8)
        let digester = try MultiDigester(algorithms: [.sha256])
        let digests = upload.withUnsafeBytes { digester.digests(of: $0) }
        let sha256 = try #require(digests[.sha256])
        let good = directory.appendingPathComponent("known.txt").path
        try "sha256:\(sha256.hex),ENTRY-1\n".write(toFile: good, atomically: true, encoding: .utf8)
        let loaded = try ListLoader.open(good)
        #expect(loaded.entries == 1 && loaded.warnings.isEmpty)
        #expect(loaded.matcher.matches(for: FileHashes(digests: digests)).map(\.entry) == ["ENTRY-1"])

        let bad = directory.appendingPathComponent("bad.txt").path
        try "sha256:\(sha256.hex),ENTRY-1\nsha256:zz,ENTRY-2\n".write(toFile: bad, atomically: true, encoding: .utf8)
        do {
            _ = try ListLoader.open(bad)
            Issue.record("a malformed list opened")
        } catch {
            #expect(error.kind == .malformed)
            #expect(error.messages.contains { $0.hasPrefix("\(bad):2:") }, "\(error.messages)")
        }
        #expect(throws: ListLoader.Failure.self) { try ListLoader.open(directory.appendingPathComponent("missing.hsl").path) }
    }
}
