import Foundation
import HashScanCore
import HashScanLists
@testable import HashScanPipeline
import Testing

/// The scan state on the one SQLite layer: its file format is unchanged (a version 1 file is upgraded in place),
/// and scan ids and paths are bound, so quotes and SQL in them are just text.
@Suite("ScanState")
struct ScanStateTests {
    private func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString).db").path
    }

    private func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    private let identity = ScanState.Identity(device: 1, inode: 2, size: 3, modifiedNanoseconds: 4, changedNanoseconds: 5)

    @Test("a version 1 state file is upgraded in place and keeps its rows")
    func upgradesVersionOne() throws {
        let path = temporaryPath()
        defer { remove(path) }
        do {
            // Version 1: no scans table, no scan columns in files.
            let old = try SQLiteDatabase(path: path, mode: .readWriteCreate)
            try old.executeScript("""
                CREATE TABLE files (
                    path BLOB PRIMARY KEY, device INTEGER NOT NULL, inode INTEGER NOT NULL, size INTEGER NOT NULL,
                    mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL, hashes TEXT NOT NULL, scanned_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                INSERT INTO meta VALUES ('schema_version', '1');
                """)
            try old.execute("INSERT INTO files VALUES (?, 1, 2, 3, 4, 5, ?, 6)", [.blob(Array("old/file".utf8)), .text("sha256:ab")])
        }
        do {
            let state = try ScanState(path: path)
            let report = try state.scans()
            #expect(report.files == 1)
            #expect(report.current == nil)
            #expect(report.scans.isEmpty)
            let row = try #require(state.reader()?.lookup(RawPath("old/file")))
            #expect(row.identity == identity)
            #expect(row.hashes == "sha256:ab")
            #expect(row.scanID == nil)
            #expect(row.matched == false)
        }
        let upgraded = try SQLiteDatabase(path: path, mode: .readOnly)
        #expect(try upgraded.scalarText("SELECT value FROM meta WHERE key = 'schema_version'") == String(ScanState.schemaVersion))
        #expect(try upgraded.scalarText("SELECT group_concat(name) FROM pragma_table_info('files')")
            == "path,device,inode,size,mtime_ns,ctime_ns,hashes,scanned_at,scan_id,matched")
    }

    @Test("a scan id with quotes and SQL in it is stored, resumed and reported as given")
    func hostileScanID() throws {
        let path = temporaryPath()
        defer { remove(path) }
        let id = #"it's "run" 1'); DROP TABLE scans; --"#
        do {
            let state = try ScanState(path: path)
            let session = try state.begin(resume: false, scanID: id)
            #expect(session.id == id)
            #expect(state.lastScan()?.id == id)
            #expect(state.lastScan()?.status == "running")
            let path = RawPath(bytes: [0x66, 0x27, 0xFF, 0x22])  // f'\xFF" : not UTF-8, quotes
            _ = state.record(path, identity: identity, stored: "md5:'x'", matched: true)
            state.commit()
            let row = try #require(state.reader()?.lookup(path))
            #expect(row.scanID == id)
            #expect(row.hashes == "md5:'x'")
            #expect(row.matched)
            var counters = ScanState.RunCounters()
            counters.files = 1
            counters.matchedFiles = 1
            counters.bytesRead = 10
            state.finish(counters, complete: false)
            #expect(throws: ScanState.StateError.self) { try state.begin(resume: false, scanID: id) }
        }
        let reopened = try ScanState(path: path)
        #expect(reopened.lastScan()?.status == "interrupted")
        let resumed = try reopened.begin(resume: true)
        #expect(resumed.id == id)
        #expect(resumed.resumed)
        #expect(resumed.run == 2)
        #expect(resumed.earlierFiles == 1)
        #expect(resumed.earlierMatchedFiles == 1)
        reopened.finish(ScanState.RunCounters(), complete: true)
        let report = try reopened.scans()
        #expect(report.current == id)
        let scan = try #require(report.scans.first)
        #expect(scan.id == id)
        #expect(scan.status == "complete")
        #expect(scan.runs == 2)
        #expect(scan.files == 1)
        #expect(scan.bytesRead == 10)
        #expect(scan.filesInState == 1)
        #expect(scan.matchedFilesInState == 1)
        #expect(scan.finishedAt != nil)
    }

    @Test("a file that is not a state is refused with SQLite's reason")
    func notAState() throws {
        let path = temporaryPath()
        defer { remove(path) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(repeating: 0x41, count: 4096)))
        do {
            _ = try ScanState(path: path)
            Issue.record("a file of 'A's was opened as a state")
        } catch {
            #expect(error.description == "\(path): file is not a database (is it a hashscan state file?)")
        }
    }
}
