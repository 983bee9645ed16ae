import Foundation
import HashScanCore
import Testing

@testable import HashScanLists

/// vPDQ signal strings as ThreatExchange and HMA write them (python-threatexchange `vpdq_util.vpdq_to_json`: a JSON
/// list of `"pdqHex,quality,timestamp"`, the timestamp with Python's `.3` format, i.e. three significant digits; and the
/// older object keyed by frame number), built from Meta's published per-frame hashes of a sample video.
@Suite struct VPDQSignalTests {
    static let sampleHashes = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/threatexchange/repo/vpdq/sample-hashes/pattern-sd-grey-bar.txt")

    /// The published frames: (frame, quality, hex, timestamp).
    static func published() throws -> [(Int, Int, String, Double)] {
        try String(contentsOf: sampleHashes, encoding: .utf8).split(whereSeparator: \.isNewline).map { line in
            let fields = line.split(separator: ",").map(String.init)
            return (Int(fields[0])!, Int(fields[1])!, fields[2], Double(fields[3])!)
        }
    }

    /// Python's `f"{x:.3}"` for the timestamps here: three significant digits, exponent form from 1000 on.
    static func pythonPoint3(_ value: Double) -> String {
        if value == 0 { return "0.0" }
        if value >= 1000 { return String(format: "%.2e", value) }
        var text = String(format: "%.3g", value)
        if !text.contains(".") && !text.contains("e") { text += ".0" }
        return text
    }

    static func compactSignal(_ frames: [(Int, Int, String, Double)]) -> String {
        "[" + frames.map { "\"\($0.2),\($0.1),\(pythonPoint3($0.3))\"" }.joined(separator: ", ") + "]"
    }

    static func load(_ text: String, _ format: ListFormat) throws -> ImportedList {
        try ListImporter.importList(bytes: Array(text.utf8), file: "signals", options: ListImportOptions(format: format, strict: true))
    }

    @Test func localFileLinesAreOneVideoEach() throws {
        let frames = try Self.published()
        let second = Array(frames.prefix(40))
        let text = "vpdq \(Self.compactSignal(frames))\npdq \(frames[0].2)\nvpdq \(Self.compactSignal(second))\n"
        let list = try Self.load(text, .threatExchangePDQ)
        let videos = Dictionary(grouping: list.entries.filter { $0.algorithm == .vpdq }, by: \.reportedID)
        #expect(videos.keys.sorted() == ["line:1", "line:3"])
        let good = frames.filter { $0.1 >= 50 }
        #expect(videos["line:1"]?.map(\.hash.hex) == good.map(\.2))
        #expect(videos["line:3"]?.count == second.filter { $0.1 >= 50 }.count)
        #expect(list.counts.skippedLowQuality == (frames.count - good.count) + second.filter { $0.1 < 50 }.count)
        #expect(list.entries.filter { $0.algorithm == .pdq }.count == 1)
    }

    @Test func datasetRowsKeepCategoryAndTags() throws {
        let frames = try Self.published()
        let signal = Self.compactSignal(frames).replacingOccurrences(of: "\"", with: "\"\"")
        let text = "signal_type,signal_str,collab,category,tags\nvpdq,\"\(signal)\",Synthetic Collab,example_category,tag1 tag2\n"
        let list = try Self.load(text, .threatExchangeDataset)
        #expect(list.entries.count == frames.filter { $0.1 >= 50 }.count)
        #expect(list.entries.allSatisfy { $0.algorithm == .vpdq && $0.reportedID == "line:2" && $0.category == "example_category" })
        #expect(list.entries.first?.labels == ["tag1", "tag2", "collab:Synthetic Collab"])
    }

    @Test func theOlderObjectFormIsReadToo() throws {
        let frames = Array(try Self.published().prefix(12))
        let object = "{" + frames.map { "\"\($0.0)\": {\"quality\": \($0.1), \"hash\": \"\($0.2)\", \"timestamp\": \($0.3)}" }
            .joined(separator: ", ") + "}"
        let list = try Self.load("vpdq \(object)\n", .threatExchangePDQ)
        #expect(list.entries.map(\.hash.hex) == frames.filter { $0.1 >= 50 }.map(\.2))
        #expect(list.entries.first?.labels == ["frame:\(frames[0].0)"])
    }

    @Test(arguments: [
        "vpdq not json", "vpdq [\"abc,100,0.0\"]", "vpdq [\"\(String(repeating: "a", count: 64)),101,0.0\"]",
        "vpdq [\"\(String(repeating: "a", count: 64)),100\"]", "vpdq [42]", "vpdq {\"x\": {}}", "vpdq \"text\"", "vpdq []",
    ])
    func brokenSignalsAreLineNumberedProblems(line: String) throws {
        let error = #expect(throws: ListParseError.self) {
            try Self.load("pdq \(String(repeating: "0f", count: 32))\n" + line + "\n", .threatExchangePDQ)
        }
        #expect(error?.problems.first?.line == 2, "\(String(describing: error?.problems))")
    }
}
