internal import CHashScanSQLite

/// The one SQLite layer (the scan state, the NSRL import): a connection that owns its `sqlite3` handle and closes
/// it when released, statements prepared once and given every value through `bind` (SQL text is constant: no
/// value is ever written into it), and failures as values carrying SQLite's own message.
///
/// Not thread-safe: a connection is opened without SQLite's mutex (`SQLITE_OPEN_NOMUTEX`), so one thread uses it
/// at a time (the caller locks, or gives each thread its own connection).
package final class SQLiteDatabase {
    /// A failed SQLite call: its result code and `sqlite3_errmsg` (or `sqlite3_exec`'s message).
    package struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        package let code: Int32
        package let message: String
        package init(code: Int32, message: String) {
            self.code = code
            self.message = message
        }
        package var description: String { message }
    }

    package enum Mode: Sendable {
        case readOnly
        /// Read and write, creating the file when it does not exist.
        case readWriteCreate
    }

    package let path: String
    fileprivate let handle: OpaquePointer

    /// Opens `path`. `busyTimeout`: how long a statement waits for another connection's lock, in milliseconds.
    package init(path: String, mode: Mode, busyTimeout: Int32? = nil) throws(Failure) {
        self.path = path
        var opened: OpaquePointer?
        let flags = (mode == .readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &opened, flags, nil)
        guard code == SQLITE_OK, let opened else {
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(opened)
            throw Failure(code: code, message: message)
        }
        handle = opened
        if let busyTimeout { sqlite3_busy_timeout(handle, busyTimeout) }
    }

    deinit {
        // Every statement holds its connection, so none is left unfinalized here.
        sqlite3_close(handle)
    }

    /// Prepares one statement; its `?` parameters are bound before each step.
    package func prepare(_ sql: String) throws(Failure) -> SQLiteStatement {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else {
            sqlite3_finalize(statement)
            throw failure(code)
        }
        return SQLiteStatement(database: self, handle: statement)
    }

    /// Runs one statement with `values` bound to its parameters, ignoring any rows.
    package func execute(_ sql: String, _ values: [SQLiteValue] = []) throws(Failure) {
        let statement = try prepare(sql)
        try statement.bind(values)
        while try statement.step() {}
    }

    /// Runs constant SQL of one or more statements, without parameters (a schema, `PRAGMA`s).
    package func executeScript(_ sql: String) throws(Failure) {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        guard code == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw Failure(code: code, message: text)
        }
    }

    /// The first column of the first row, or nil when there is no row.
    package func scalar(_ sql: String, _ values: [SQLiteValue] = []) throws(Failure) -> SQLiteValue? {
        let statement = try prepare(sql)
        try statement.bind(values)
        return try statement.step() ? statement.value(at: 0) : nil
    }

    /// The first column of the first row as text (SQLite's conversion: an integer gives its digits), or nil when
    /// there is no row or it is NULL.
    package func scalarText(_ sql: String, _ values: [SQLiteValue] = []) throws(Failure) -> String? {
        let statement = try prepare(sql)
        try statement.bind(values)
        return try statement.step() ? statement.text(at: 0) : nil
    }

    // MARK: Transactions

    package func begin() throws(Failure) { try executeScript("BEGIN") }
    package func commit() throws(Failure) { try executeScript("COMMIT") }
    package func rollback() throws(Failure) { try executeScript("ROLLBACK") }

    /// Whether a transaction is open (SQLite is not in autocommit mode).
    package var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    package func transaction<Result>(_ body: () throws -> Result) throws -> Result {
        try begin()
        do {
            let result = try body()
            try commit()
            return result
        } catch {
            try? rollback()
            throw error
        }
    }

    /// The connection's last error message.
    package var lastErrorMessage: String { String(cString: sqlite3_errmsg(handle)) }

    fileprivate func failure(_ code: Int32) -> Failure {
        Failure(code: code, message: lastErrorMessage)
    }
}

/// A value bound to a statement parameter or read from a column.
package enum SQLiteValue: Equatable, Sendable {
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
    case null
}

/// A prepared statement: bind its parameters (1-based), step through its rows, read columns (0-based), reset to
/// run it again. Finalized when released; it keeps its connection open until then.
package final class SQLiteStatement {
    private let database: SQLiteDatabase
    private let handle: OpaquePointer

    fileprivate init(database: SQLiteDatabase, handle: OpaquePointer) {
        self.database = database
        self.handle = handle
    }

    deinit {
        sqlite3_finalize(handle)
    }

    // MARK: Binding

    package func bind(_ value: Int64, at index: Int32) throws(SQLiteDatabase.Failure) {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    package func bind(_ value: Double, at index: Int32) throws(SQLiteDatabase.Failure) {
        try check(sqlite3_bind_double(handle, index, value))
    }

    /// Binds the string's UTF-8 bytes, all of them (the length is given: nothing is cut at a NUL).
    package func bind(_ value: String, at index: Int32) throws(SQLiteDatabase.Failure) {
        var text = value
        let code = text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                // A nil pointer would bind NULL: "" is an empty text.
                guard let base = chars.baseAddress, !chars.isEmpty else { return sqlite3_bind_text(handle, index, "", 0, SQLiteStatement.transient) }
                return sqlite3_bind_text(handle, index, base, Int32(chars.count), SQLiteStatement.transient)
            }
        }
        try check(code)
    }

    /// Binds bytes as a blob (an empty one is a zero-length blob, not NULL).
    package func bind(blob bytes: [UInt8], at index: Int32) throws(SQLiteDatabase.Failure) {
        let code = bytes.withUnsafeBytes { raw in
            raw.isEmpty ? sqlite3_bind_zeroblob(handle, index, 0)
                : sqlite3_bind_blob(handle, index, raw.baseAddress, Int32(raw.count), SQLiteStatement.transient)
        }
        try check(code)
    }

    package func bindNull(at index: Int32) throws(SQLiteDatabase.Failure) {
        try check(sqlite3_bind_null(handle, index))
    }

    package func bind(_ value: SQLiteValue, at index: Int32) throws(SQLiteDatabase.Failure) {
        switch value {
        case .integer(let number): try bind(number, at: index)
        case .real(let number): try bind(number, at: index)
        case .text(let text): try bind(text, at: index)
        case .blob(let bytes): try bind(blob: bytes, at: index)
        case .null: try bindNull(at: index)
        }
    }

    /// Binds `values` to parameters 1, 2, ...
    package func bind(_ values: [SQLiteValue]) throws(SQLiteDatabase.Failure) {
        for (offset, value) in values.enumerated() { try bind(value, at: Int32(offset + 1)) }
    }

    // MARK: Running

    /// Runs the statement to its next row: true with a row to read, false when it is done.
    @discardableResult
    package func step() throws(SQLiteDatabase.Failure) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw database.failure(code)
        }
    }

    /// Makes the statement ready to run again; its bindings stay unless `clearingBindings`.
    package func reset(clearingBindings: Bool = false) {
        sqlite3_reset(handle)
        if clearingBindings { sqlite3_clear_bindings(handle) }
    }

    /// Steps through every row, calling `body` with the statement positioned on it.
    package func forEachRow(_ body: (SQLiteStatement) throws(SQLiteDatabase.Failure) -> Void) throws(SQLiteDatabase.Failure) {
        while try step() { try body(self) }
    }

    // MARK: Columns

    package var columnCount: Int32 { sqlite3_column_count(handle) }

    package func isNull(at column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    package func int64(at column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    package func double(at column: Int32) -> Double { sqlite3_column_double(handle, column) }

    /// The column as text (SQLite converts numbers), or nil when it is NULL.
    package func text(at column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    /// The column's bytes, or nil when it is NULL.
    package func blob(at column: Int32) -> [UInt8]? {
        guard !isNull(at: column) else { return nil }
        let pointer = sqlite3_column_blob(handle, column)
        let count = Int(sqlite3_column_bytes(handle, column))
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// The column with its own storage class.
    package func value(at column: Int32) -> SQLiteValue {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_INTEGER: .integer(int64(at: column))
        case SQLITE_FLOAT: .real(double(at: column))
        case SQLITE_TEXT: .text(text(at: column) ?? "")
        case SQLITE_BLOB: .blob(blob(at: column) ?? [])
        default: .null
        }
    }

    private func check(_ code: Int32) throws(SQLiteDatabase.Failure) {
        guard code == SQLITE_OK else { throw database.failure(code) }
    }

    /// SQLite's SQLITE_TRANSIENT (a macro Swift cannot import): SQLite copies the bound bytes.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}
