import HashScanCore

/// What a key may do.
package enum Scope: String, Sendable, CaseIterable, Comparable {
    /// `POST /v1/hash`.
    case hash
    /// `POST /v1/match`, `POST /v1/match/hashes`, `GET /v1/lists`: verdicts (list, entry, category), no distance.
    case match
    /// `match`, and each hit's distance and threshold: for trusted callers only, since distances let a client walk a
    /// list entry's hash bit by bit (docs/api.md, "What a key learns").
    case matchDistance = "match:distance"
    /// `GET /metrics`, `POST /v1/admin/reload`.
    case admin

    package static func < (a: Scope, b: Scope) -> Bool { a.rawValue < b.rawValue }
}

/// One client's key as the keys file holds it: only the SHA-256 of the secret, never the secret.
package struct APIKey: Sendable, Equatable {
    package var id: String
    /// SHA-256 of the key's UTF-8 bytes (32 bytes).
    package var sha256: [UInt8]
    package var scopes: Set<Scope>
    /// Requests per second allowed (bursts up to one second's worth); nil for no limit.
    package var ratePerSecond: Double?

    package init(id: String, sha256: [UInt8], scopes: Set<Scope>, ratePerSecond: Double? = nil) {
        self.id = id
        self.sha256 = sha256
        self.scopes = scopes
        self.ratePerSecond = ratePerSecond
    }
}
