import Foundation
import HashScanFuzzing
import Testing

/// The fuzz targets outside the fuzzer: every seed and every regression input (a crash the fuzzer once found)
/// goes through its target, as `scripts/fuzz` would run it. A regression that traps again fails the run; a seed
/// named `valid-*` that its target no longer accepts means the harness stopped reaching its parser.
@Suite("Fuzz targets: seeds and regressions replayed")
struct FuzzCorpusTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Fuzz").standardized

    static func inputs(_ folder: String, _ target: String) -> [URL] {
        let directory = fuzz.appendingPathComponent(folder).appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().filter { !$0.hasPrefix(".") }.map { directory.appendingPathComponent($0) }
    }

    static func folders(_ folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: fuzz.appendingPathComponent(folder).path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }

    @Test("every target has seeds, at least one of them valid, and every corpus folder names a target")
    func corporaCoverTheTargets() {
        for target in FuzzTarget.all {
            let seeds = Self.inputs("Corpus", target.name)
            #expect(seeds.contains { $0.lastPathComponent.hasPrefix("valid-") }, "\(target.name) has no valid-* seed")
        }
        let names = Set(FuzzTarget.all.map(\.name))
        for folder in Self.folders("Corpus") + Self.folders("Regressions") {
            #expect(names.contains(folder), "Fuzz/…/\(folder) names no target")
        }
        #expect(names.count == FuzzTarget.all.count, "two targets share a name")
    }

    @Test("seeds: valid-* accepted, the rest run without a broken invariant", arguments: FuzzTarget.all.map(\.name))
    func seeds(_ name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        for seed in Self.inputs("Corpus", name) {
            let bytes = try Data(contentsOf: seed)
            let outcome = bytes.withUnsafeBytes { target.run($0) }
            if seed.lastPathComponent.hasPrefix("valid-") {
                #expect(outcome == .accepted, "\(name): \(seed.lastPathComponent) refused")
            }
        }
    }

    @Test("regressions: every input the fuzzer once crashed on runs cleanly", arguments: FuzzTarget.all.map(\.name))
    func regressions(_ name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        for input in Self.inputs("Regressions", name) {
            let bytes = try Data(contentsOf: input)
            _ = bytes.withUnsafeBytes { target.run($0) }
        }
    }

    @Test("dictionaries: every one a target names exists, and each line is a comment or a quoted token")
    func dictionaries() throws {
        for target in FuzzTarget.all {
            guard let dictionary = target.dictionary else { continue }
            let path = Self.fuzz.appendingPathComponent("Dictionaries/\(dictionary).dict")
            let text = try String(contentsOf: path, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                // libFuzzer's syntax: an optional name=, then a double-quoted string with \\, \" and \xAB escapes.
                let token = trimmed.drop { $0 != "\"" }
                #expect(token.count >= 2 && token.hasSuffix("\""), "\(dictionary).dict:\(number + 1): \(line)")
            }
        }
    }
}
