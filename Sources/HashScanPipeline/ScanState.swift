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

    public let path: String
    private let writer: OpaquePointer
    private let insert: OpaquePointer
    private let lock = NSLock()
    private var pendingRows = 0
    private let commitInterval = 2_000

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
        let schema = """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=NORMAL;
            CREATE TABLE IF NOT EXISTS files (
                path BLOB PRIMARY KEY, device INTEGER NOT NULL, inode INTEGER NOT NULL, size INTEGER NOT NULL,
                mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL, hashes TEXT NOT NULL, scanned_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            INSERT OR IGNORE INTO meta VALUES ('schema_version', '1');
            """
        var message: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(handle, schema, nil, nil, &message) == SQLITE_OK else {
            let reason = message.map { String(cString: $0) } ?? "cannot create the schema"
            sqlite3_free(message)
            sqlite3_close(handle)
            throw StateError(description: "\(path): \(reason) (is it a hashscan state file?)")
        }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?,?)", -1, &statement, nil) == SQLITE_OK,
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

    /// Records a file's identity and hashes (in the current batch).
    func record(_ path: RawPath, identity: Identity, stored: String) {
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
        sqlite3_step(insert)
        sqlite3_reset(insert)
        pendingRows += 1
        if pendingRows >= commitInterval {
            sqlite3_exec(writer, "COMMIT; BEGIN", nil, nil, nil)
            pendingRows = 0
        }
    }

    /// Makes every recorded row durable.
    public func commit() {
        lock.lock()
        defer { lock.unlock() }
        sqlite3_exec(writer, "COMMIT; BEGIN", nil, nil, nil)
        pendingRows = 0
    }

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
            guard sqlite3_prepare_v2(handle, "SELECT device, inode, size, mtime_ns, ctime_ns, hashes FROM files WHERE path = ?", -1, &statement, nil) == SQLITE_OK,
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

        /// The stored identity and hashes of `path`, if it was scanned before.
        func lookup(_ path: RawPath) -> (Identity, String)? {
            defer { sqlite3_reset(select) }
            path.bytes.withUnsafeBytes { raw in
                _ = sqlite3_bind_blob(select, 1, raw.baseAddress, Int32(raw.count), ScanState.transient)
            }
            guard sqlite3_step(select) == SQLITE_ROW, let text = sqlite3_column_text(select, 5) else { return nil }
            let identity = Identity(
                device: sqlite3_column_int64(select, 0), inode: sqlite3_column_int64(select, 1), size: sqlite3_column_int64(select, 2),
                modifiedNanoseconds: sqlite3_column_int64(select, 3), changedNanoseconds: sqlite3_column_int64(select, 4))
            return (identity, String(cString: text))
        }
    }

    /// SQLite's SQLITE_TRANSIENT (a macro Swift cannot import): copy the bound bytes.
    static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
