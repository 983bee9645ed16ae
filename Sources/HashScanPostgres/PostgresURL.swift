import Foundation
import PostgresNIO

/// A database named as `postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require|verify-full]`
/// (`postgresql://` too). Without a password in the URL, `PGPASSWORD` is used when set. `sslmode` defaults to
/// `disable`; `prefer` and `require` encrypt without checking the server's certificate (as libpq does), `verify-full`
/// checks it against the system's trust roots.
package struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    package enum TLSMode: String, Sendable { case disable, prefer, require, verifyFull = "verify-full" }

    package var host: String
    package var port: Int
    package var user: String
    package var password: String?
    package var database: String
    package var tls: TLSMode

    package init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(PostgresFailure) {
        guard let parts = URLComponents(string: text), let scheme = parts.scheme?.lowercased(),
              ["postgres", "postgresql"].contains(scheme) else {
            throw PostgresFailure("not a postgres:// URL: \(Self.redacting(text))")
        }
        guard let host = parts.host, !host.isEmpty else { throw PostgresFailure("\(Self.redacting(text)): no host") }
        guard let user = parts.user, !user.isEmpty else { throw PostgresFailure("\(Self.redacting(text)): no user (postgres://USER@host/db)") }
        let database = String(parts.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw PostgresFailure("\(Self.redacting(text)): no database (postgres://user@host/DB)") }
        var tls = TLSMode.disable
        for item in parts.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw PostgresFailure("sslmode must be disable, prefer, require or verify-full")
                }
                tls = mode
            default:
                throw PostgresFailure("\(Self.redacting(text)): unknown parameter '\(item.name)'")
            }
        }
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        self.port = parts.port ?? 5432
        self.user = user.removingPercentEncoding ?? user
        self.password = parts.password.map { $0.removingPercentEncoding ?? $0 } ?? environment["PGPASSWORD"]
        self.database = database.removingPercentEncoding ?? database
        self.tls = tls
    }

    /// The URL without its password, for messages.
    package var description: String {
        "postgres://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
    }

    func configuration() throws(PostgresFailure) -> PostgresConnection.Configuration {
        let tlsSetting: PostgresConnection.Configuration.TLS
        do {
            switch tls {
            case .disable:
                tlsSetting = .disable
            case .prefer, .require:
                var settings = TLSConfiguration.makeClientConfiguration()
                settings.certificateVerification = .none
                let context = try NIOSSLContext(configuration: settings)
                tlsSetting = tls == .prefer ? .prefer(context) : .require(context)
            case .verifyFull:
                tlsSetting = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
        } catch {
            throw PostgresFailure("cannot set up TLS: \(error)")
        }
        var configuration = PostgresConnection.Configuration(host: host, port: port, username: user, password: password,
                                                            database: database, tls: tlsSetting)
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    /// Drops a password from a URL given by the user before it is echoed.
    static func redacting(_ text: String) -> String {
        guard var parts = URLComponents(string: text), parts.password != nil else { return text }
        parts.password = "***"
        return parts.string ?? text
    }
}
