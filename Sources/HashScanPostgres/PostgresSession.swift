import Foundation
import PostgresNIO

/// One connection to the database, used from ordinary threads: every call blocks until the server answers.
/// The scanner's workers are threads doing blocking reads, so a blocking connection fits them better than
/// async code would. Calls are serialised by a lock; a transaction holds it until it ends.
package final class PostgresSession: @unchecked Sendable {
    package let url: PostgresURL
    private let connection: PostgresConnection
    private let lock = NSLock()
    private let logger: Logger

    private init(url: PostgresURL, connection: PostgresConnection, logger: Logger) {
        self.url = url
        self.connection = connection
        self.logger = logger
    }

    /// Connects and authenticates; a server that is down or refuses gives an error saying so, not a hang
    /// (the connect timeout is 10 s).
    /// Connects and creates hashscan's tables if missing (`PostgresSchema`): how every user of the database starts.
    package static func connectWithSchema(_ url: PostgresURL) throws(PostgresFailure) -> PostgresSession {
        let session = try connect(url)
        do {
            try PostgresSchema.create(on: session)
        } catch {
            session.close()
            throw error
        }
        return session
    }

    package static func connect(_ url: PostgresURL) throws(PostgresFailure) -> PostgresSession {
        var logger = Logger(label: "hashscan.postgres")
        // The scanner reports failures itself; the driver's own log lines would only repeat them on stderr.
        logger.logLevel = .critical
        let configuration = try url.configuration()
        do {
            let connection = try PostgresConnection.connect(
                on: PostgresConnection.defaultEventLoopGroup.any(), configuration: configuration,
                id: Int.random(in: 1...Int(Int32.max)), logger: logger
            ).wait()
            return PostgresSession(url: url, connection: connection, logger: logger)
        } catch {
            throw PostgresFailure("cannot connect to \(url)", error)
        }
    }

    /// Runs one statement and returns its rows.
    @discardableResult
    package func query(_ query: PostgresQuery) throws(PostgresFailure) -> PostgresQueryResult {
        lock.lock()
        defer { lock.unlock() }
        return try unlockedQuery(query)
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws (and the error rethrown).
    @discardableResult
    package func transaction<Result>(_ body: (Transaction) throws -> Result) throws -> Result {
        lock.lock()
        defer { lock.unlock() }
        try unlockedQuery("BEGIN")
        let result: Result
        do {
            result = try body(Transaction(session: self))
        } catch {
            _ = try? unlockedQuery("ROLLBACK")
            throw error
        }
        try unlockedQuery("COMMIT")
        return result
    }

    /// Statements inside a transaction (the session's lock is held by `transaction`).
    package struct Transaction {
        fileprivate let session: PostgresSession

        @discardableResult
        package func query(_ query: PostgresQuery) throws(PostgresFailure) -> PostgresQueryResult {
            try session.unlockedQuery(query)
        }
    }

    package var isClosed: Bool { connection.isClosed }

    package func close() {
        lock.lock()
        defer { lock.unlock() }
        _ = try? connection.close().wait()
    }

    @discardableResult
    private func unlockedQuery(_ query: PostgresQuery) throws(PostgresFailure) -> PostgresQueryResult {
        do {
            return try connection.query(query, logger: logger).wait()
        } catch {
            throw PostgresFailure("\(url)", error)
        }
    }
}
