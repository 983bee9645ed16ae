import HashScanCore
#if canImport(CHashScanSQLite)
internal import CHashScanSQLite
#endif

/// NIST NSRL RDS v3 (SQLite): known-good files, for skipping work, never for a verdict.
///
/// Reads `FILE(sha256, sha1, md5, file_name, package_id)` in primary-key order (a covering-index scan, no
/// sort), so the rows of one file are adjacent and repeated hashes (one file in many packages) become one
/// entry. Entries: the digests chosen in `ListImportOptions.nsrlAlgorithms` (stored upper-case; hashscan
/// keeps lower-case), id = `file_name` of the first row, label `package:<package_id>`, no category, the row
/// index as record index. The list version is `VERSION.version`.
///
/// Needs the `CHashScanSQLite` system-library module (Foundation on Linux does not expose SQLite); without
/// it, importing an NSRL file fails with a clear message and detection still works.
enum NSRLImporter {
    static let isAvailable: Bool = {
        #if canImport(CHashScanSQLite)
        true
        #else
        false
        #endif
    }()

    static func run(path: String, algorithms: Set<HashAlgorithm>, into collector: inout EntryCollector) throws(ListParseError) -> String? {
        #if canImport(CHashScanSQLite)
        return try readDatabase(path: path, algorithms: algorithms, into: &collector)
        #else
        throw ListParseError(file: collector.file, problems: [.init(
            line: 0, reason: "NSRL RDS v3 import needs hashscan built with SQLite (module CHashScanSQLite)"
        )])
        #endif
    }

    #if canImport(CHashScanSQLite)
    private static func readDatabase(path: String, algorithms: Set<HashAlgorithm>, into collector: inout EntryCollector) throws(ListParseError) -> String? {
        var handle: OpaquePointer?
        let opened = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY, nil)
        defer { sqlite3_close(handle) }
        guard opened == SQLITE_OK, let db = handle else {
            throw fatal(collector.file, "cannot open as SQLite: \(message(handle))")
        }
        let version = try? singleText(db, "SELECT version FROM VERSION LIMIT 1")
        if version == nil { collector.notes.append("no VERSION table: the RDS version is unknown") }

        var statement: OpaquePointer?
        let sql = "SELECT sha256, sha1, md5, file_name, package_id FROM FILE ORDER BY sha256, sha1, md5"
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw fatal(collector.file, "not an NSRL RDS v3 database: \(message(db))")
        }
        defer { sqlite3_finalize(statement) }
        let wanted = HashAlgorithm.cryptographic.filter(algorithms.contains)
        var previous: [String] = []
        var row = 0
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else { throw fatal(collector.file, "reading FILE failed at row \(row + 1): \(message(db))") }
            row += 1
            collector.counts.records += 1
            let columns = (0..<5).map { column(statement, Int32($0)) }
            let digests = Array(columns[0..<3])
            if digests == previous { continue }  // the same file in another package
            previous = digests
            var entries: [ListEntry] = []
            var malformed: String?
            for algorithm in wanted where malformed == nil {
                let text = digests[algorithm == .sha256 ? 0 : algorithm == .sha1 ? 1 : 2]
                switch ImportDigest.parse(text, as: algorithm) {
                case .success(let digest):
                    entries.append(ListEntry(
                        algorithm: algorithm, hash: digest, entryID: columns[3].isEmpty ? nil : columns[3], line: row,
                        labels: ["package:\(columns[4])"]
                    ))
                case .failure(let failure):
                    malformed = failure.reason
                }
            }
            if let malformed {
                try collector.problem(line: row, "FILE row \(row): \(malformed)")
                continue
            }
            for entry in entries { collector.add(entry) }
        }
        return version ?? nil
    }

    private static func singleText(_ db: OpaquePointer, _ sql: String) throws -> String? {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else { throw SyntaxFailure(line: 0, reason: message(db)) }
        defer { sqlite3_finalize(statement) }
        return sqlite3_step(statement) == SQLITE_ROW ? column(statement, 0) : nil
    }

    private static func column(_ statement: OpaquePointer, _ index: Int32) -> String {
        guard let text = sqlite3_column_text(statement, index) else { return "" }
        return String(cString: text)
    }

    private static func message(_ db: OpaquePointer?) -> String {
        db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "unknown SQLite error"
    }

    private static func fatal(_ file: String, _ reason: String) -> ListParseError {
        ListParseError(file: file, problems: [.init(line: 0, reason: reason)])
    }
    #endif
}
