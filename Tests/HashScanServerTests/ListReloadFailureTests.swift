import Foundation
import HashScanCore
import HashScanLists
import HashScanServer
import Testing

/// The service's lists come from the library's `ListLoader`; a reload that fails, whatever the failure, is a
/// value and the lists in use stay: a file removed, emptied, truncated, overwritten with garbage or malformed.
@Suite("list reload failures keep the old lists")
struct ListReloadFailureTests {
    static let listed = "d0581f74e16a1f46b52fb9c2b45ae4b7"  // made up for this test: an MD5-shaped entry
    static let added = "0123456789abcdef0123456789abcdef"  // made up: the entry a successful reload adds

    static func hashes(_ md5: String) -> FileHashes { FileHashes(digests: [.md5: Digest(hex: md5)!]) }

    @Test("compiled and source lists: every kind of broken file is refused on reload and the old lists answer")
    func brokenFilesKeepTheOldLists() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hashscan-reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let compiled = directory.appendingPathComponent("known.hsl").path
        let source = directory.appendingPathComponent("plain.txt").path
        let entry = ListEntry(algorithm: .md5, hash: Digest(hex: Self.listed)!, entryID: "E-1", line: 1)
        try CompiledListWriter.write(HashList(name: "known", entries: [entry]), to: compiled)
        let good = try Data(contentsOf: URL(fileURLWithPath: compiled))
        try "md5:\(Self.listed),S-1\n".write(toFile: source, atomically: true, encoding: .utf8)

        let logged = LockedLines()
        let store = try MatcherStore(paths: [compiled, source], options: ListImportOptions(strict: true), residency: .mapped,
                                     log: { logged.append($0) })
        #expect(store.current.generation == 1)
        #expect(store.current.matcher.matches(for: Self.hashes(Self.listed)).count == 2)

        let breakages: [(String, () throws -> Void)] = [
            ("compiled list removed", { try FileManager.default.removeItem(atPath: compiled) }),
            ("compiled list empty", { try Data().write(to: URL(fileURLWithPath: compiled)) }),
            ("compiled list truncated", { try good.prefix(good.count / 2).write(to: URL(fileURLWithPath: compiled)) }),
            ("compiled list garbage", { try Data(repeating: 0xA5, count: good.count).write(to: URL(fileURLWithPath: compiled)) }),
            ("compiled list with a damaged header", {
                var damaged = good
                damaged[20] ^= 0xFF
                try damaged.write(to: URL(fileURLWithPath: compiled))
            }),
            ("compiled list with one byte of a section changed", {
                var damaged = good
                damaged[300] ^= 0x01
                try damaged.write(to: URL(fileURLWithPath: compiled))
            }),
            ("source list malformed", {
                try good.write(to: URL(fileURLWithPath: compiled))
                try "md5:not-a-digest,S-1\n".write(toFile: source, atomically: true, encoding: .utf8)
            }),
            ("source list removed", { try FileManager.default.removeItem(atPath: source) }),
            ("source list a directory", { try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: false) }),
        ]
        for (name, breakIt) in breakages {
            try breakIt()
            let result = store.reload()
            guard case .failure(let error) = result else {
                Issue.record("\(name): the reload succeeded: \(store.current.lists.map { "\($0.name) \($0.entries)" })")
                continue
            }
            #expect(error is ListLoader.Failure, "\(name): \(error)")
            #expect("\(error)".contains(directory.lastPathComponent), "\(name): the reason names the file: \(error)")
            #expect(store.current.generation == 1, "\(name)")
            #expect(store.current.matcher.matches(for: Self.hashes(Self.listed)).count == 2, "\(name): the old lists still match")
        }

        // Mended, with one more entry: the reload takes, and only then do the new lists answer.
        try FileManager.default.removeItem(atPath: source)
        try "md5:\(Self.listed),S-1\nmd5:\(Self.added),S-2\n".write(toFile: source, atomically: true, encoding: .utf8)
        let mended = store.reload()
        guard case .success(let loaded) = mended else {
            Issue.record("the mended lists did not load: \(mended)")
            return
        }
        #expect(loaded.generation == 2 && store.current.generation == 2)
        #expect(store.current.matcher.matches(for: Self.hashes(Self.added)).count == 1)
    }

    @Test("a source list's skipped records are logged, not printed, and the list loads (non-strict)")
    func warningsGoToTheLog() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hashscan-reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("plain.txt").path
        try "md5:\(Self.listed),S-1\nmd5:nothex,S-2\n".write(toFile: source, atomically: true, encoding: .utf8)
        let logged = LockedLines()
        let store = try MatcherStore(paths: [source], options: ListImportOptions(strict: false), residency: .mapped,
                                     log: { logged.append($0) })
        #expect(store.current.lists.first?.entries == 1)
        #expect(logged.lines.contains { $0.contains("plain.txt:2:") && $0.contains("skipped") }, "\(logged.lines)")
        #expect(throws: ListLoader.Failure.self) {
            try MatcherStore(paths: [source], options: ListImportOptions(strict: true), residency: .mapped, log: { _ in })
        }
    }
}

/// Lines logged from any thread.
final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.lock(); stored.append(line); lock.unlock() }
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return stored }
}
