import Foundation
import HashScanLists
import Testing

@Suite("SQLiteDatabase")
struct SQLiteDatabaseTests {
    private func memory() throws -> SQLiteDatabase {
        let database = try SQLiteDatabase(path: ":memory:", mode: .readWriteCreate)
        try database.executeScript("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB, extra)")
        return database
    }

    @Test("every kind of value is bound, not written into the SQL, and comes back as it went in")
    func roundTrip() throws {
        let database = try memory()
        let hostile = #"O'Brien said "hi"; DROP TABLE t; -- \ '' "#
        let unicode = "Grüße aus 東京 🌍 — ǅ e\u{301}"
        let blob: [UInt8] = [0, 1, 0x27, 0x22, 0xFF, 0]
        let insert = try database.prepare("INSERT INTO t (id, name, score, data, extra) VALUES (?, ?, ?, ?, ?)")
        try insert.bind([.integer(Int64.max), .text(hostile), .real(-0.125), .blob(blob), .null])
        #expect(try insert.step() == false)
        insert.reset(clearingBindings: true)
        try insert.bind(Int64.min, at: 1)
        try insert.bind(unicode, at: 2)
        try insert.bind(1e300, at: 3)
        try insert.bind(blob: [], at: 4)
        try insert.bind("", at: 5)
        try insert.step()

        let select = try database.prepare("SELECT id, name, score, data, extra FROM t WHERE name = ?")
        try select.bind(hostile, at: 1)
        #expect(try select.step())
        #expect(select.int64(at: 0) == Int64.max)
        #expect(select.text(at: 1) == hostile)
        #expect(select.double(at: 2) == -0.125)
        #expect(select.blob(at: 3) == blob)
        #expect(select.isNull(at: 4))
        #expect(select.value(at: 4) == .null)
        #expect(try select.step() == false)

        select.reset()
        try select.bind(unicode, at: 1)
        #expect(try select.step())
        #expect(select.value(at: 0) == .integer(Int64.min))
        #expect(select.value(at: 1) == .text(unicode))
        #expect(select.value(at: 2) == .real(1e300))
        #expect(select.value(at: 3) == .blob([]))  // an empty blob, not NULL
        #expect(select.value(at: 4) == .text(""))  // an empty text, not NULL
        #expect(select.isNull(at: 3) == false)

        // The hostile text did nothing: the table and both rows are there.
        #expect(try database.scalar("SELECT count(*) FROM t") == .integer(2))
        #expect(try database.scalarText("SELECT name FROM t WHERE id = ?", [.integer(Int64.max)]) == hostile)
        #expect(try database.scalarText("SELECT name FROM t WHERE id = ?", [.integer(42)]) == nil)
    }

    @Test("a failed statement is an error value with SQLite's message")
    func failures() throws {
        let database = try memory()
        #expect(throws: SQLiteDatabase.Failure(code: 1, message: "no such table: missing")) {
            try database.prepare("SELECT * FROM missing")
        }
        do {
            try database.executeScript("CREATE TABLE t (x)")
            Issue.record("a second table t was created")
        } catch {
            #expect(error.message == "table t already exists")
        }
        try database.execute("INSERT INTO t (id) VALUES (?)", [.integer(1)])
        do {
            try database.execute("INSERT INTO t (id) VALUES (?)", [.integer(1)])
            Issue.record("a duplicate primary key was accepted")
        } catch {
            #expect(error.message == "UNIQUE constraint failed: t.id")
            #expect(error.description == error.message)
        }
        let statement = try database.prepare("SELECT ?")
        #expect(throws: SQLiteDatabase.Failure.self) { try statement.bind(.integer(1), at: 2) }  // no parameter 2
        #expect(database.lastErrorMessage == "column index out of range")
    }

    @Test("a file that cannot be opened gives SQLite's message")
    func cannotOpen() {
        let path = "/nonexistent-\(UUID().uuidString)/state.db"
        do {
            _ = try SQLiteDatabase(path: path, mode: .readOnly)
            Issue.record("a missing file was opened")
        } catch {
            #expect(error.message == "unable to open database file")
        }
    }

    @Test("transactions commit, or roll back when the body throws")
    func transactions() throws {
        let database = try memory()
        struct Stop: Error {}
        try database.transaction { try database.execute("INSERT INTO t (id) VALUES (?)", [.integer(1)]) }
        #expect(throws: Stop.self) {
            try database.transaction {
                try database.execute("INSERT INTO t (id) VALUES (?)", [.integer(2)])
                #expect(database.inTransaction)
                throw Stop()
            }
        }
        #expect(!database.inTransaction)
        #expect(try database.scalar("SELECT group_concat(id) FROM t") == .text("1"))

        try database.begin()
        try database.execute("INSERT INTO t (id) VALUES (?)", [.integer(3)])
        try database.rollback()
        try database.begin()
        try database.execute("INSERT INTO t (id) VALUES (?)", [.integer(4)])
        try database.commit()
        var ids: [Int64] = []
        try database.prepare("SELECT id FROM t ORDER BY id").forEachRow { ids.append($0.int64(at: 0)) }
        #expect(ids == [1, 4])
    }

    @Test("a file written by one connection is read by another, read-only")
    func fileAndReadOnly() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sqlite-\(UUID().uuidString).db").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let writer = try SQLiteDatabase(path: path, mode: .readWriteCreate, busyTimeout: 1000)
            try writer.executeScript("CREATE TABLE kv (k TEXT PRIMARY KEY, v BLOB)")
            try writer.execute("INSERT INTO kv VALUES (?, ?)", [.text("päth"), .blob(Array("bytes\u{0}".utf8))])
        }
        let reader = try SQLiteDatabase(path: path, mode: .readOnly)
        #expect(try reader.scalar("SELECT v FROM kv WHERE k = ?", [.text("päth")]) == .blob(Array("bytes\u{0}".utf8)))
        do {
            try reader.execute("INSERT INTO kv VALUES (?, ?)", [.text("x"), .null])
            Issue.record("a read-only connection wrote")
        } catch {
            #expect(error.message == "attempt to write a readonly database")
        }
    }
}
