import Foundation
import HashScanCore

/// Writes a synthetic VICS 2.0 (US profile) case file of any size, streaming, for memory and throughput
/// measurements of the importer. Digests are pseudo-random (SplitMix64 from `seed`), not hashes of anything.
///
/// Every `categoryOneEvery`-th Media is category 1 (given as a number) and the rest category 0 (given as the
/// string "0"), so with the default policy the import keeps `mediaCount / categoryOneEvery` media, two entries
/// each (MD5 and SHA1). `paddingBytes` adds a `Comments` string per Media so a large file need not mean many
/// entries.
public enum SyntheticVICSWriter {
    /// Writes the file and returns how many Media are category 1.
    @discardableResult
    public static func write(
        mediaCount: Int, to path: String, categoryOneEvery: Int = 1, paddingBytes: Int = 0, seed: UInt64 = 1
    ) throws -> Int {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        defer { try? handle.close() }
        var state = seed
        func random() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D1_049B_B133_111E
            return z ^ (z >> 31)
        }
        func hex(bytes: Int) -> String {
            var raw: [UInt8] = []
            while raw.count < bytes { withUnsafeBytes(of: random()) { raw.append(contentsOf: $0) } }
            return Hex.encode(raw.prefix(bytes)).uppercased()
        }
        let padding = String(repeating: "x", count: max(0, paddingBytes))
        var batch = "\u{FEFF}{\"@odata.context\":\"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Cases\","
            + "\"value\":[{\"CaseID\":1,\"CaseNumber\":\"SYNTHETIC\",\"SourceApplicationName\":\"hashscan synthetic\",\"Media\":[\n"
        var categoryOne = 0
        for index in 1...max(1, mediaCount) where mediaCount > 0 {
            let isOne = categoryOneEvery > 0 && index % categoryOneEvery == 0
            if isOne { categoryOne += 1 }
            let category = isOne ? "1" : "\"0\""
            batch += (index > 1 ? ",\n" : "")
                + "{\"MediaID\":\(index),\"Category\":\(category),\"MD5\":\"\(hex(bytes: 16))\",\"SHA1\":\"\(hex(bytes: 20))\","
                + "\"IsDistributed\":\"true\",\"DateUpdated\":\"2024-01-01T00:00:00Z\""
                + (paddingBytes > 0 ? ",\"Comments\":\"\(padding)\"" : "")
                + ",\"MediaFiles\":[{\"MD5\":\"\(hex(bytes: 16))\",\"FileName\":\"synthetic-\(index).jpg\",\"FilePath\":\"/synthetic\"}]}"
            if batch.utf8.count >= 1 << 20 {
                try handle.write(contentsOf: Data(batch.utf8))
                batch = ""
            }
        }
        batch += "\n]}]}\n"
        try handle.write(contentsOf: Data(batch.utf8))
        return categoryOne
    }
}
