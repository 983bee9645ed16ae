#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import HashScanCore
import HashScanLists

/// The embedded scan state (SQLite, WAL): per path, the file's identity (device, inode, size, mtime, ctime)
/// and the hashes computed for it. With `--incremental`, a file whose identity is unchanged is not read
/// again: its stored hashes are matched against the current lists (lists change daily; content does not).
///
/// Workers look files up through their own read connections; writes go through one connection in batched
/// transactions, committed at least every `commitInterval` rows and at the end of the run. Every value reaches
/// SQLite through `SQLiteDatabase`'s bindings; no SQL text is built from one.
public final class ScanState: @unchecked Sendable {
    public struct StateError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The identity that says a file is unchanged.
    struct Identity: Equatable {
        var device: Int64
        var inode: Int64
        var size: Int64
        var modifiedNanoseconds: Int64
        var changedNanoseconds: Int64

        init(_ info: stat) {
            device = Int64(bitPattern: UInt64(info.st_dev))
            inode = Int64(bitPattern: UInt64(info.st_ino))
            size = Int64(info.st_size)
            modifiedNanoseconds = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
            changedNanoseconds = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
        }

        init(device: Int64, inode: Int64, size: Int64, modifiedNanoseconds: Int64, changedNanoseconds: Int64) {
            self.device = device
            self.inode = inode
            self.size = size
            self.modifiedNanoseconds = modifiedNanoseconds
            self.changedNanoseconds = changedNanoseconds
        }
    }

    /// One scan in the state: its identifier (the idempotency keys' scan part), whether this run resumes it,
    /// and what its earlier runs already did.
    public struct Session: Sendable {
        public var id: String
        /// This run continues an interrupted scan: files it already finished are skipped without a record.
        public var resumed: Bool
        /// Runs of this scan so far, this one included.
        public var run: Int
        /// Files and matching files finished by the earlier runs of this scan.
        public var earlierFiles: Int
        public var earlierMatchedFiles: Int
        /// Files seen by the last complete scan in this state: what a rescan of the same tree expects (an ETA).
        public var expectedFiles: Int?
    }

    /// What one run did, added to its scan's counters (the incremental acceptance reads them).
    public struct RunCounters: Sendable {
        public var files = 0
        public var bytesRead: UInt64 = 0
        public var filesReused = 0
        public var matchedFiles = 0
        public init() {}
    }

    public static let schemaVersion = 2

    public let path: String
    private let writer: SQLiteDatabase
    private let insert: SQLiteStatement
    private let lock = NSLock()
    private var pendingRows = 0
    /// Rows per transaction: a commit costs a WAL sync; a kill loses at most this many files' work (they are redone).
    let commitInterval = 2_000
    /// The scan this run belongs to; set by `begin`.
    public private(set) var session: Session?

    public init(path: String) throws(StateError) {
        self.path = path
        let database: SQLiteDatabase
        do {
            database = try SQLiteDatabase(path: path, mode: .readWriteCreate, busyTimeout: 10_000)
        } catch {
            throw StateError(description: "\(path): \(error.message)")
        }
        // Version 1 had no scan columns; they are added in place (old rows belong to no scan).
        let schema = """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=NORMAL;
            CREATE TABLE IF NOT EXISTS files (
                path BLOB PRIMARY KEY, device INTEGER NOT NULL, inode INTEGER NOT NULL, size INTEGER NOT NULL,
                mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL, hashes TEXT NOT NULL, scanned_at INTEGER NOT NULL,
                scan_id TEXT, matched INTEGER NOT NULL DEFAULT 0
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS scans (
                scan_id TEXT PRIMARY KEY, started_at INTEGER NOT NULL, finished_at INTEGER, status TEXT NOT NULL,
                runs INTEGER NOT NULL, files INTEGER NOT NULL DEFAULT 0, bytes_read INTEGER NOT NULL DEFAULT 0,
                files_reused INTEGER NOT NULL DEFAULT 0, matched_files INTEGER NOT NULL DEFAULT 0
            );
            INSERT OR IGNORE INTO meta VALUES ('schema_version', '1');
            """
        do {
            try database.executeScript(schema)
            if try database.scalarText("SELECT value FROM meta WHERE key = 'schema_version'") == "1" {
                let columns = try database.scalarText("SELECT group_concat(name) FROM pragma_table_info('files')") ?? ""
                if !columns.split(separator: ",").contains("scan_id") {
                    try database.executeScript("ALTER TABLE files ADD COLUMN scan_id TEXT; ALTER TABLE files ADD COLUMN matched INTEGER NOT NULL DEFAULT 0;")
                }
                try database.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [.text(String(Self.schemaVersion))])
            }
        } catch {
            throw StateError(description: "\(path): \(error.description) (is it a hashscan state file?)")
        }
        do {
            insert = try database.prepare("INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?,?,?,?)")
        } catch {
            throw StateError(description: "\(path): cannot prepare statements")
        }
        writer = database
        try? writer.begin()
    }

    deinit {
        commit()
    }

    /// Starts a new scan, or with `resume` continues the last one, and returns it. A new scan takes `scanID`
    /// when given (a scheduler's own run id), else a random one.
    public func begin(resume: Bool, scanID: String? = nil) throws(StateError) -> Session {
        lock.lock()
        defer { lock.unlock() }
        do {
            let now = Int64(Date().timeIntervalSince1970)
            var session: Session
            if resume {
                guard let last = try writer.scalarText("SELECT value FROM meta WHERE key = 'current_scan'") else {
                    throw StateError(description: "\(path): no scan to resume (the state has none yet)")
                }
                if let scanID, scanID != last {
                    throw StateError(description: "\(path): the last scan is \(last), not \(scanID)")
                }
                let runs = Int(try writer.scalarText("SELECT runs FROM scans WHERE scan_id = ?", [.text(last)]) ?? "0") ?? 0
                let files = Int(try writer.scalarText("SELECT count(*) FROM files WHERE scan_id = ?", [.text(last)]) ?? "0") ?? 0
                let matched = Int(try writer.scalarText("SELECT count(*) FROM files WHERE scan_id = ? AND matched = 1", [.text(last)]) ?? "0") ?? 0
                try writer.execute("UPDATE scans SET runs = runs + 1, status = 'running', finished_at = NULL WHERE scan_id = ?", [.text(last)])
                session = Session(id: last, resumed: true, run: runs + 1, earlierFiles: files, earlierMatchedFiles: matched)
            } else {
                let id = scanID ?? IdempotencyKey.newScanID()
                if try writer.scalarText("SELECT scan_id FROM scans WHERE scan_id = ?", [.text(id)]) != nil {
                    throw StateError(description: "\(path): scan \(id) exists already; use --resume to continue it, or another --scan-id")
                }
                try writer.execute("INSERT INTO scans (scan_id, started_at, status, runs) VALUES (?, ?, 'running', 1)", [.text(id), .integer(now)])
                try writer.execute("INSERT OR REPLACE INTO meta VALUES ('current_scan', ?)", [.text(id)])
                session = Session(id: id, resumed: false, run: 1, earlierFiles: 0, earlierMatchedFiles: 0)
            }
            session.expectedFiles = Int(try writer.scalarText("SELECT files FROM scans WHERE status = 'complete' ORDER BY started_at DESC, rowid DESC LIMIT 1") ?? "")
            try writer.executeScript("COMMIT; BEGIN")
            pendingRows = 0
            self.session = session
            return session
        } catch let error as StateError {
            throw error
        } catch {
            throw StateError(description: "\(path): \(error)")
        }
    }

    /// The scan the state will resume, and whether it finished: for messages before a run.
    public func lastScan() -> (id: String, status: String)? {
        lock.lock()
        defer { lock.unlock() }
        guard let id = try? writer.scalarText("SELECT value FROM meta WHERE key = 'current_scan'"),
              let status = try? writer.scalarText("SELECT status FROM scans WHERE scan_id = ?", [.text(id)]) else { return nil }
        return (id, status)
    }

    /// Records a file's identity and hashes as finished by the current scan. Returns true when a commit is
    /// due: the caller first makes the records it wrote for these files durable, then calls `commit()`, so a
    /// file is never marked done before its record is out.
    func record(_ path: RawPath, identity: Identity, stored: String, matched: Bool) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        // As before the layer existed, a row that cannot be written is not an error of the scan: the file is
        // simply read again next time.
        do {
            try insert.bind(blob: path.bytes, at: 1)
            try insert.bind(identity.device, at: 2)
            try insert.bind(identity.inode, at: 3)
            try insert.bind(identity.size, at: 4)
            try insert.bind(identity.modifiedNanoseconds, at: 5)
            try insert.bind(identity.changedNanoseconds, at: 6)
            try insert.bind(stored, at: 7)
            try insert.bind(Int64(Date().timeIntervalSince1970), at: 8)
            try insert.bind(session.map { SQLiteValue.text($0.id) } ?? .null, at: 9)
            try insert.bind(Int64(matched ? 1 : 0), at: 10)
            try insert.step()
        } catch {}
        insert.reset()
        pendingRows += 1
        return pendingRows >= commitInterval
    }

    /// Makes every recorded row durable.
    public func commit() {
        lock.lock()
        defer { lock.unlock() }
        try? writer.executeScript("COMMIT; BEGIN")
        pendingRows = 0
    }

    /// A scan as the state knows it: `hashscan state` prints these.
    public struct ScanInfo: Sendable {
        public var id: String
        public var status: String
        public var runs: Int
        public var startedAt: Int64
        public var finishedAt: Int64?
        /// Counters summed over the scan's runs: files scanned, bytes read, files reused unread, matching files.
        public var files: Int
        public var bytesRead: Int64
        public var filesReused: Int
        public var matchedFiles: Int
        /// Files whose last scan is this one, and how many of them matched.
        public var filesInState: Int
        public var matchedFilesInState: Int
    }

    /// Every scan in the state, oldest first, and the number of files recorded.
    public func scans() throws(StateError) -> (files: Int, current: String?, scans: [ScanInfo]) {
        lock.lock()
        defer { lock.unlock() }
        let sql = """
            SELECT s.scan_id, s.status, s.runs, s.started_at, s.finished_at, s.files, s.bytes_read, s.files_reused, s.matched_files,
                   (SELECT count(*) FROM files f WHERE f.scan_id = s.scan_id),
                   (SELECT count(*) FROM files f WHERE f.scan_id = s.scan_id AND f.matched = 1)
            FROM scans s ORDER BY s.started_at, s.rowid
            """
        do {
            let statement = try writer.prepare(sql)
            var scans: [ScanInfo] = []
            while try statement.step() {
                let text = { (column: Int32) in statement.text(at: column) ?? "" }
                scans.append(ScanInfo(
                    id: text(0), status: text(1), runs: Int(statement.int64(at: 2)), startedAt: statement.int64(at: 3),
                    finishedAt: statement.isNull(at: 4) ? nil : statement.int64(at: 4),
                    files: Int(statement.int64(at: 5)), bytesRead: statement.int64(at: 6),
                    filesReused: Int(statement.int64(at: 7)), matchedFiles: Int(statement.int64(at: 8)),
                    filesInState: Int(statement.int64(at: 9)), matchedFilesInState: Int(statement.int64(at: 10))))
            }
            let files = Int(try writer.scalarText("SELECT count(*) FROM files") ?? "0") ?? 0
            let current = try writer.scalarText("SELECT value FROM meta WHERE key = 'current_scan'")
            return (files, current, scans)
        } catch {
            throw StateError(description: "\(path): \(error.message)")
        }
    }

    /// Drops the rows recorded since the last commit: their records could not be written, so they are redone.
    func discardPending() {
        lock.lock()
        defer { lock.unlock() }
        try? writer.executeScript("ROLLBACK; BEGIN")
        pendingRows = 0
    }

    /// Ends this run: adds its counters to the scan's and marks it complete or interrupted (resumable).
    public func finish(_ counters: RunCounters, complete: Bool) {
        lock.lock()
        defer { lock.unlock() }
        guard let id = session?.id else { return }
        let now = Int64(Date().timeIntervalSince1970)
        let status = complete ? "complete" : "interrupted"
        let update = """
            UPDATE scans SET files = files + ?, bytes_read = bytes_read + ?, files_reused = files_reused + ?,
                matched_files = matched_files + ?, status = ?, finished_at = ? WHERE scan_id = ?
            """
        let values: [SQLiteValue] = [
            .integer(Int64(counters.files)), .integer(Int64(clamping: counters.bytesRead)), .integer(Int64(counters.filesReused)),
            .integer(Int64(counters.matchedFiles)), .text(status), .integer(now), .text(id),
        ]
        // As one script did before: the commit only follows a successful update.
        if (try? writer.execute(update, values)) != nil {
            try? writer.executeScript("COMMIT; BEGIN")
        }
        pendingRows = 0
    }

    /// A read connection for one worker.
    func reader() -> Reader? { Reader(path: path) }

    /// One worker's lookups, on its own connection (WAL lets readers run beside the writer).
    final class Reader {
        private let database: SQLiteDatabase
        private let select: SQLiteStatement

        init?(path: String) {
            guard let database = try? SQLiteDatabase(path: path, mode: .readOnly, busyTimeout: 10_000),
                  let select = try? database.prepare("SELECT device, inode, size, mtime_ns, ctime_ns, hashes, scan_id, matched FROM files WHERE path = ?")
            else { return nil }
            self.database = database
            self.select = select
        }

        struct Row {
            var identity: Identity
            var hashes: String
            var scanID: String?
            var matched: Bool
        }

        /// The stored identity and hashes of `path`, if it was scanned before.
        func lookup(_ path: RawPath) -> Row? {
            defer { select.reset() }
            guard (try? select.bind(blob: path.bytes, at: 1)) != nil, (try? select.step()) == true,
                  let hashes = select.text(at: 5) else { return nil }
            let identity = Identity(
                device: select.int64(at: 0), inode: select.int64(at: 1), size: select.int64(at: 2),
                modifiedNanoseconds: select.int64(at: 3), changedNanoseconds: select.int64(at: 4))
            return Row(identity: identity, hashes: hashes, scanID: select.text(at: 6), matched: select.int64(at: 7) != 0)
        }
    }
}
