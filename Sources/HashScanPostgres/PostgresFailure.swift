import Foundation
import PostgresNIO

/// Why a database operation failed, in words a person can act on (PostgresNIO redacts its errors' text by default).
package struct PostgresFailure: Error, Sendable, CustomStringConvertible {
    package var message: String
    /// The server's SQLSTATE, when the server answered with an error.
    package var sqlState: String?

    package init(_ message: String, sqlState: String? = nil) {
        self.message = message
        self.sqlState = sqlState
    }

    /// `what` failed because of `error`.
    init(_ what: String, _ error: any Error) {
        if let failure = error as? PostgresFailure {
            self.init("\(what): \(failure.message)", sqlState: failure.sqlState)
            return
        }
        var cause = error
        if let transaction = error as? PostgresTransactionError {
            cause = transaction.closureError ?? transaction.beginError ?? transaction.commitError ?? error
        }
        if let psql = cause as? PSQLError {
            if let server = psql.serverInfo {
                let detail = [server[.message], server[.detail]].compactMap { $0 }.joined(separator: ": ")
                self.init("\(what): \(detail)", sqlState: server[.sqlState])
            } else if let underlying = psql.underlying {
                self.init("\(what): \(Self.reason(underlying))")
            } else {
                self.init("\(what): \(psql.code)")
            }
        } else {
            self.init("\(what): \(cause)")
        }
    }

    package var description: String { message }

    /// A network failure in a few words ("connection refused"), not NIO's nested dump.
    private static func reason(_ error: any Error) -> String {
        if let connection = error as? NIOConnectionError {
            let reasons = connection.connectionErrors.map { reason($0.error) }
            if reasons.isEmpty { return "cannot resolve \(connection.host)" }
            return Set(reasons).sorted().joined(separator: "; ")
        }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)).lowercased() }
        if let channel = error as? ChannelError, case .connectTimeout = channel { return "no answer within the connect timeout" }
        return "\(error)"
    }

    /// The server refused the statement for what it is or holds (bad data, a constraint, a missing table or
    /// column, a limit): trying it again as it is would be refused again. Lost connections, deadlocks,
    /// serialization failures and shutdowns are not permanent.
    package var isPermanent: Bool {
        guard let sqlState else { return false }
        return ["22", "23", "42", "54"].contains(String(sqlState.prefix(2)))
    }
}
