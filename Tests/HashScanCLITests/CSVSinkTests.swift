import Foundation
import Testing

@Suite("scan --csv")
struct CSVSinkTests {
    @Test("one row per hit, RFC 4180 quoting, formula-looking names defused, keys equal the JSON record's")
    func rowsPerHit() throws {
        let tree = try TemporaryTree()
        let tricky = try tree.write("store/=cmd,\"x\".bin", seededBytes(count: 700, seed: 3))
        let plain = try tree.write("store/plain.bin", seededBytes(count: 900, seed: 4))
        try tree.write("store/clean.bin", seededBytes(count: 900, seed: 5))
        let sha = try coreutilsDigests("sha256sum", files: [tricky, plain])
        let md5 = try coreutilsDigests("md5sum", files: [tricky])
        try tree.write("list.txt", "sha256:\(sha[0]),E-1\nmd5:\(md5[0]),E-2\nsha256:\(sha[1]),E-3\n")
        let result = try HashscanProcess.run(["scan", "store", "--list", "list.txt", "--csv", "matches.csv"], in: tree.url)
        #expect(result.status == 1)
        let text = String(decoding: try Data(contentsOf: tree.url.appendingPathComponent("matches.csv")), as: UTF8.self)
        let rows = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(rows.first == "idempotency_key,scan_id,path,locator,size,md5,sha1,sha256,pdq,pdq_quality,list,list_version,entry,category,algorithm,distance,threshold,reference")
        #expect(rows.count == 4, "a header and one row per hit: \(rows)")
        #expect(rows.contains { $0.contains(#","'store/=cmd,""x"".bin","#) == false && $0.contains(#""store/=cmd,""x"".bin""#) })
        #expect(rows.contains { $0.contains(",store/plain.bin,,900,") && $0.contains(",E-3,") })

        // The CSV keys are the JSON record's per-hit keys.
        let jsonKeys = Set(result.records(ofType: "match").flatMap { ($0["matches"] as? [[String: Any]] ?? []).compactMap { $0["idempotency_key"] as? String } })
        let csvKeys = Set(rows.dropFirst().map { String($0.prefix(64)) })
        #expect(csvKeys == jsonKeys)
        #expect(csvKeys.count == 3)
    }

    @Test("a cell that starts like a formula gets an apostrophe")
    func formulaDefused() throws {
        let tree = try TemporaryTree()
        let file = try tree.write("@SUM(A1).bin", seededBytes(count: 100, seed: 8))
        try tree.write("list.txt", "sha256:\(try coreutilsDigests("sha256sum", files: [file])[0]),X\n")
        _ = try HashscanProcess.run(["scan", "@SUM(A1).bin", "--list", "list.txt", "--csv", "m.csv"], in: tree.url)
        let text = String(decoding: try Data(contentsOf: tree.url.appendingPathComponent("m.csv")), as: UTF8.self)
        #expect(text.contains(",'@SUM(A1).bin,"))
    }
}
