#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
internal import CHashScanSQLite
import HashScanCore

/// The embedded scan state (SQLite, WAL): per path, the file's identity (device, inode, size, mtime, ctime)
/// and the hashes computed for it. With `--incremental`, a file whose identity is unchanged is not read
/// again: its stored hashes are matched against the current lists (lists change daily; content does not).
///
/// Workers look files up through their own read connections; writes go through one connection in batched
/// transactions, committed at least every `commitInterval` rows and at the end of the run.
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
    private let writer: OpaquePointer
    private let insert: OpaquePointer
    private let lock = NSLock()
    private var pendingRows = 0
    /// Rows per transaction: a commit costs a WAL sync; a kill loses at most this many files' work (they are redone).
    let commitInterval = 2_000
    /// The scan this run belongs to; set by `begin`.
    public private(set) var session: Session?

    public init(path: String) throws(StateError) {
        self.path = path
        var handle: OpaquePointer?
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let handle else {
            let reason = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(handle)
            throw StateError(description: "\(path): \(reason)")
        }
        writer = handle
        sqlite3_busy_timeout(handle, 10_000)
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
            try Self.execute(handle, schema)
            if try Self.scalarText(handle, "SELECT value FROM meta WHERE key = 'schema_version'") == "1" {
                let columns = try Self.scalarText(handle, "SELECT group_concat(name) FROM pragma_table_info('files')") ?? ""
                if !columns.split(separator: ",").contains("scan_id") {
                    try Self.execute(handle, "ALTER TABLE files ADD COLUMN scan_id TEXT; ALTER TABLE files ADD COLUMN matched INTEGER NOT NULL DEFAULT 0;")
                }
                try Self.execute(handle, "UPDATE meta SET value = '\(Self.schemaVersion)' WHERE key = 'schema_version'")
            }
        } catch {
            sqlite3_close(handle)
            throw StateError(description: "\(path): \(error.description) (is it a hashscan state file?)")
        }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?,?,?,?)", -1, &statement, nil) == SQLITE_OK,
              let statement else {
            sqlite3_close(handle)
            throw StateError(description: "\(path): cannot prepare statements")
        }
        insert = statement
        sqlite3_exec(handle, "BEGIN", nil, nil, nil)
    }

    deinit {
        commit()
        sqlite3_finalize(insert)
        sqlite3_close(writer)
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
                guard let last = try Self.scalarText(writer, "SELECT value FROM meta WHERE key = 'current_scan'") else {
                    throw StateError(description: "\(path): no scan to resume (the state has none yet)")
                }
                if let scanID, scanID != last {
                    throw StateError(description: "\(path): the last scan is \(last), not \(scanID)")
                }
                let runs = Int(try Self.scalarText(writer, "SELECT runs FROM scans WHERE scan_id = '\(Self.sqlQuoted(last))'") ?? "0") ?? 0
                let files = Int(try Self.scalarText(writer, "SELECT count(*) FROM files WHERE scan_id = '\(Self.sqlQuoted(last))'") ?? "0") ?? 0
                let matched = Int(try Self.scalarText(writer, "SELECT count(*) FROM files WHERE scan_id = '\(Self.sqlQuoted(last))' AND matched = 1") ?? "0") ?? 0
                try Self.execute(writer, "UPDATE scans SET runs = runs + 1, status = 'running', finished_at = NULL WHERE scan_id = '\(Self.sqlQuoted(last))'")
                session = Session(id: last, resumed: true, run: runs + 1, earlierFiles: files, earlierMatchedFiles: matched)
            } else {
                let id = scanID ?? IdempotencyKey.newScanID()
                if try Self.scalarText(writer, "SELECT scan_id FROM scans WHERE scan_id = '\(Self.sqlQuoted(id))'") != nil {
                    throw StateError(description: "\(path): scan \(id) exists already; use --resume to continue it, or another --scan-id")
                }
                try Self.execute(writer, "INSERT INTO scans (scan_id, started_at, status, runs) VALUES ('\(Self.sqlQuoted(id))', \(now), 'running', 1)")
                try Self.execute(writer, "INSERT OR REPLACE INTO meta VALUES ('current_scan', '\(Self.sqlQuoted(id))')")
                session = Session(id: id, resumed: false, run: 1, earlierFiles: 0, earlierMatchedFiles: 0)
            }
            session.expectedFiles = Int(try Self.scalarText(writer, "SELECT files FROM scans WHERE status = 'complete' ORDER BY started_at DESC, rowid DESC LIMIT 1") ?? "")
            try Self.execute(writer, "COMMIT; BEGIN")
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
        guard let id = try? Self.scalarText(writer, "SELECT value FROM meta WHERE key = 'current_scan'"),
              let status = try? Self.scalarText(writer, "SELECT status FROM scans WHERE scan_id = '\(Self.sqlQuoted(id))'") else { return nil }
        return (id, status)
    }

    /// Records a file's identity and hashes as finished by the current scan. Returns true when a commit is
    /// due: the caller first makes the records it wrote for these files durable, then calls `commit()`, so a
    /// file is never marked done before its record is out.
    func record(_ path: RawPath, identity: Identity, stored: String, matched: Bool) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        path.bytes.withUnsafeBytes { raw in
            _ = sqlite3_bind_blob(insert, 1, raw.baseAddress, Int32(raw.count), Self.transient)
        }
        sqlite3_bind_int64(insert, 2, identity.device)
        sqlite3_bind_int64(insert, 3, identity.inode)
        sqlite3_bind_int64(insert, 4, identity.size)
        sqlite3_bind_int64(insert, 5, identity.modifiedNanoseconds)
        sqlite3_bind_int64(insert, 6, identity.changedNanoseconds)
        sqlite3_bind_text(insert, 7, stored, -1, Self.transient)
        sqlite3_bind_int64(insert, 8, Int64(Date().timeIntervalSince1970))
        if let id = session?.id { sqlite3_bind_text(insert, 9, id, -1, Self.transient) } else { sqlite3_bind_null(insert, 9) }
        sqlite3_bind_int64(insert, 10, matched ? 1 : 0)
        sqlite3_step(insert)
        sqlite3_reset(insert)
        pendingRows += 1
        return pendingRows >= commitInterval
    }

    /// Makes every recorded row durable.
    public func commit() {
        lock.lock()
        defer { lock.unlock() }
        sqlite3_exec(writer, "COMMIT; BEGIN", nil, nil, nil)
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
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(writer, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw StateError(description: "\(path): \(String(cString: sqlite3_errmsg(writer)))")
        }
        defer { sqlite3_finalize(statement) }
        var scans: [ScanInfo] = []
        while sqlite3_step(statement) == SQLITE_ROW {
            let text = { (column: Int32) in sqlite3_column_text(statement, column).map { String(cString: $0) } ?? "" }
            scans.append(ScanInfo(
                id: text(0), status: text(1), runs: Int(sqlite3_column_int64(statement, 2)), startedAt: sqlite3_column_int64(statement, 3),
                finishedAt: sqlite3_column_type(statement, 4) == SQLITE_NULL ? nil : sqlite3_column_int64(statement, 4),
                files: Int(sqlite3_column_int64(statement, 5)), bytesRead: sqlite3_column_int64(statement, 6),
                filesReused: Int(sqlite3_column_int64(statement, 7)), matchedFiles: Int(sqlite3_column_int64(statement, 8)),
                filesInState: Int(sqlite3_column_int64(statement, 9)), matchedFilesInState: Int(sqlite3_column_int64(statement, 10))))
        }
        let files = Int(try Self.scalarText(writer, "SELECT count(*) FROM files") ?? "0") ?? 0
        let current = try Self.scalarText(writer, "SELECT value FROM meta WHERE key = 'current_scan'")
        return (files, current, scans)
    }

    /// Drops the rows recorded since the last commit: their records could not be written, so they are redone.
    func discardPending() {
        lock.lock()
        defer { lock.unlock() }
        sqlite3_exec(writer, "ROLLBACK; BEGIN", nil, nil, nil)
        pendingRows = 0
    }

    /// Ends this run: adds its counters to the scan's and marks it complete or interrupted (resumable).
    public func finish(_ counters: RunCounters, complete: Bool) {
        lock.lock()
        defer { lock.unlock() }
        guard let id = session?.id else { return }
        let now = Int64(Date().timeIntervalSince1970)
        let status = complete ? "complete" : "interrupted"
        try? Self.execute(writer, """
            UPDATE scans SET files = files + \(counters.files), bytes_read = bytes_read + \(counters.bytesRead),
                files_reused = files_reused + \(counters.filesReused), matched_files = matched_files + \(counters.matchedFiles),
                status = '\(status)', finished_at = \(now) WHERE scan_id = '\(Self.sqlQuoted(id))';
            COMMIT; BEGIN
            """)
        pendingRows = 0
    }

    private static func execute(_ handle: OpaquePointer, _ sql: String) throws(StateError) {
        var message: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(handle, sql, nil, nil, &message) == SQLITE_OK else {
            let reason = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw StateError(description: reason)
        }
    }

    /// The first column of the first row, as text; nil when there is no row.
    private static func scalarText(_ handle: OpaquePointer, _ sql: String) throws(StateError) -> String? {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw StateError(description: String(cString: sqlite3_errmsg(handle)))
        }
        defer { sqlite3_finalize(statement) }
        switch sqlite3_step(statement) {
        case SQLITE_ROW:
            return sqlite3_column_text(statement, 0).map { String(cString: $0) }
        case SQLITE_DONE:
            return nil
        default:
            throw StateError(description: String(cString: sqlite3_errmsg(handle)))
        }
    }

    /// Scan ids are ours or a user's `--scan-id`: quote them for the few statements built as text.
    private static func sqlQuoted(_ text: String) -> String { text.replacingOccurrences(of: "'", with: "''") }

    /// A read connection for one worker.
    func reader() -> Reader? { Reader(path: path) }

    /// One worker's lookups, on its own connection (WAL lets readers run beside the writer).
    final class Reader {
        private let handle: OpaquePointer
        private let select: OpaquePointer

        init?(path: String) {
            var handle: OpaquePointer?
            guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let handle else {
                sqlite3_close(handle)
                return nil
            }
            sqlite3_busy_timeout(handle, 10_000)
            var statement: OpaquePointer?
            guard sqlite3_prepare_v2(handle, "SELECT device, inode, size, mtime_ns, ctime_ns, hashes, scan_id, matched FROM files WHERE path = ?", -1, &statement, nil) == SQLITE_OK,
                  let statement else {
                sqlite3_close(handle)
                return nil
            }
            self.handle = handle
            self.select = statement
        }

        deinit {
            sqlite3_finalize(select)
            sqlite3_close(handle)
        }

        struct Row {
            var identity: Identity
            var hashes: String
            var scanID: String?
            var matched: Bool
        }

        /// The stored identity and hashes of `path`, if it was scanned before.
        func lookup(_ path: RawPath) -> Row? {
            defer { sqlite3_reset(select) }
            path.bytes.withUnsafeBytes { raw in
                _ = sqlite3_bind_blob(select, 1, raw.baseAddress, Int32(raw.count), ScanState.transient)
            }
            guard sqlite3_step(select) == SQLITE_ROW, let text = sqlite3_column_text(select, 5) else { return nil }
            let identity = Identity(
                device: sqlite3_column_int64(select, 0), inode: sqlite3_column_int64(select, 1), size: sqlite3_column_int64(select, 2),
                modifiedNanoseconds: sqlite3_column_int64(select, 3), changedNanoseconds: sqlite3_column_int64(select, 4))
            let scanID = sqlite3_column_text(select, 6).map { String(cString: $0) }
            return Row(identity: identity, hashes: String(cString: text), scanID: scanID, matched: sqlite3_column_int64(select, 7) != 0)
        }
    }

    /// SQLite's SQLITE_TRANSIENT (a macro Swift cannot import): copy the bound bytes.
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
