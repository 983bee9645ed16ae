import HashScanCore

/// NIST NSRL RDS v3 (SQLite): known-good files, for skipping work, never for a verdict.
///
/// Reads `FILE(sha256, sha1, md5, file_name, package_id)` in primary-key order (a covering-index scan, no
/// sort), so the rows of one file are adjacent and repeated hashes (one file in many packages) become one
/// entry. Entries: the digests chosen in `ListImportOptions.nsrlAlgorithms` (stored upper-case; hashscan
/// keeps lower-case), id = `file_name` of the first row, label `package:<package_id>`, no category, the row
/// index as record index. The list version is `VERSION.version`.
///
/// Read through `SQLiteDatabase` (the package always links SQLite).
enum NSRLImporter {
    static func run(path: String, algorithms: Set<HashAlgorithm>, into collector: inout EntryCollector) throws(ListParseError) -> String? {
        try readDatabase(path: path, algorithms: algorithms, into: &collector)
    }

    private static func readDatabase(path: String, algorithms: Set<HashAlgorithm>, into collector: inout EntryCollector) throws(ListParseError) -> String? {
        let db: SQLiteDatabase
        do {
            db = try SQLiteDatabase(path: path, mode: .readOnly)
        } catch {
            throw fatal(collector.file, "cannot open as SQLite: \(error.message)")
        }
        // Nil: no VERSION table; .some(nil): a VERSION table without a row.
        let version: String?? = try? { () throws(SQLiteDatabase.Failure) -> String? in
            let statement = try db.prepare("SELECT version FROM VERSION LIMIT 1")
            return (try? statement.step()) == true ? statement.text(at: 0) ?? "" : nil
        }()
        if version == nil { collector.notes.append("no VERSION table: the RDS version is unknown") }

        let statement: SQLiteStatement
        do {
            statement = try db.prepare("SELECT sha256, sha1, md5, file_name, package_id FROM FILE ORDER BY sha256, sha1, md5")
        } catch {
            throw fatal(collector.file, "not an NSRL RDS v3 database: \(error.message)")
        }
        let wanted = HashAlgorithm.cryptographic.filter(algorithms.contains)
        var previous: [String] = []
        var row = 0
        while true {
            do {
                guard try statement.step() else { break }
            } catch {
                throw fatal(collector.file, "reading FILE failed at row \(row + 1): \(error.message)")
            }
            row += 1
            collector.counts.records += 1
            let columns = (0..<5).map { statement.text(at: Int32($0)) ?? "" }
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

    private static func fatal(_ file: String, _ reason: String) -> ListParseError {
        ListParseError(file: file, problems: [.init(line: 0, reason: reason)])
    }
}
