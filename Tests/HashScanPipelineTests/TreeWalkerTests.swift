import Foundation
import HashScanCore
@testable import HashScanPipeline
import Testing

/// The directory walk reads entry names in place: a directory large enough to fill the C library's readdir buffer
/// ends that buffer with an entry shorter than `struct dirent`, which copying `d_name` read past (found by
/// `scripts/sanitize address`; without AddressSanitizer this test checks the names only).
@Suite("TreeWalker")
struct TreeWalkerTests {
    @Test("every name of a directory that fills several readdir buffers is listed once, byte for byte")
    func largeDirectoryNames() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("walk-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Names of 1 to 97 bytes, so the records (and so where each buffer ends) vary; about 150 KB of entries.
        var expected: Set<String> = []
        for index in 0..<3000 {
            let name = String(index) + String(repeating: "n", count: (index * 7) % 90)
            expected.insert(name)
            _ = FileManager.default.createFile(atPath: directory.appendingPathComponent(name).path, contents: nil)
        }
        var found: [String] = []
        var walker = TreeWalker(followSymlinks: false) { item in
            if case .file(let path, _, _) = item { found.append(path.description) }
            return true
        }
        let finished = walker.walk(root: RawPath(directory.path))
        #expect(finished)
        let prefix = directory.path + "/"
        #expect(found.count == expected.count)
        #expect(Set(found.map { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }) == expected)
    }
}
