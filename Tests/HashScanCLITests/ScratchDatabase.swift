import Foundation
import HashScanPostgres
import PostgresNIO
import Testing

/// A database of its own for one test on the server named by HASHSCAN_TEST_POSTGRES_URL (CI starts one with
/// scripts/postgres-test-server), dropped afterwards. Without the variable the test fails, saying so.
final class ScratchDatabase {
    let url: PostgresURL
    /// The URL to give `--db`.
    let text: String
    private let admin: PostgresURL
    private let name: String

    init() throws {
        guard let base = ProcessInfo.processInfo.environment["HASHSCAN_TEST_POSTGRES_URL"], !base.isEmpty else {
            Issue.record("HASHSCAN_TEST_POSTGRES_URL is not set: start a server with `scripts/postgres-test-server start DIR` and export the URL it prints (.ci/run does)")
            throw Missing()
        }
        admin = try PostgresURL(base)
        name = "hashscan_cli_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let session = try PostgresSession.connect(admin)
        defer { session.close() }
        try session.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        var url = admin
        url.database = name
        self.url = url
        text = "postgres://\(url.user)@\(url.host):\(url.port)/\(name)"
    }

    /// The integers of a query's first row.
    func integers(_ sql: String) throws -> [Int] {
        let session = try PostgresSession.connect(url)
        defer { session.close() }
        guard let row = try session.query(PostgresQuery(unsafeSQL: sql)).rows.first else { return [] }
        return try row.makeRandomAccess().map { try $0.decode(Int.self) }
    }

    func count(_ sql: String) throws -> Int { try integers(sql).first ?? -1 }

    deinit {
        if let session = try? PostgresSession.connect(admin) {
            _ = try? session.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
            session.close()
        }
    }

    struct Missing: Error {}
}
