import HashScanCore
import HashScanHashing
import Synchronization

/// Checks `Authorization: Bearer <key>` against the keys file: the key is hashed with SHA-256 and compared with
/// every stored hash in constant time (no early exit, no lookup keyed by secret material). Keys can be replaced
/// at run time (on reload).
package final class Authenticator: Sendable {
    private let keys: Mutex<[APIKey]>
    private let limiter = RateLimiter()
    /// Requests without a valid key, per client address: guessing keys or flooding costs the guesser, not the service.
    private let strangers = RateLimiter()
    package let unauthenticatedRate: Double

    package init(keys: [APIKey], unauthenticatedRate: Double = 10) {
        self.keys = Mutex(keys)
        self.unauthenticatedRate = unauthenticatedRate
    }

    package func replace(_ newKeys: [APIKey]) {
        keys.withLock { $0 = newKeys }
        limiter.retain(ids: Set(newKeys.map(\.id)))
    }

    /// The key a request may act as for `scope`: 401 without a valid key, 403 outside its scopes, 429 over its rate.
    package func authorize(_ authorization: String?, scope: Scope, client: String = "unknown") throws(APIError) -> APIKey {
        guard let key = identify(authorization) else {
            if let wait = strangers.take(id: client, ratePerSecond: unauthenticatedRate) {
                var error = APIError(.tooManyRequests, "rate_limited",
                                     "too many requests without a valid key from this address (\(unauthenticatedRate) a second)")
                error.headers[.retryAfter] = String(max(1, Int(wait.rounded(.up))))
                throw error
            }
            var error = APIError(.unauthorized, "unauthorized", "a valid API key is required: Authorization: Bearer <key>")
            error.headers[.wwwAuthenticate] = "Bearer"
            throw error
        }
        // `match:distance` is `match` with more disclosed.
        guard key.scopes.contains(scope) || (scope == .match && key.scopes.contains(.matchDistance)) else {
            throw APIError(.forbidden, "forbidden", "key '\(key.id)' does not have the '\(scope.rawValue)' scope")
        }
        if let rate = key.ratePerSecond, let wait = limiter.take(id: key.id, ratePerSecond: rate) {
            var error = APIError(.tooManyRequests, "rate_limited", "key '\(key.id)' is limited to \(rate) requests per second")
            error.headers[.retryAfter] = String(max(1, Int(wait.rounded(.up))))
            throw error
        }
        return key
    }

    /// A batch's items beyond the first, counted against the key's rate (the request itself was admitted already).
    package func charge(_ key: APIKey, items: Int) {
        if let rate = key.ratePerSecond { limiter.charge(id: key.id, ratePerSecond: rate, count: items - 1) }
    }

    /// The key whose hash matches the bearer token, or nil.
    package func identify(_ authorization: String?) -> APIKey? {
        guard let authorization else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingASCIIWhitespace
        guard !token.isEmpty, token.utf8.count <= 512, let digester = try? MultiDigester(algorithms: [.sha256]) else { return nil }
        let presented = Array(token.utf8).withUnsafeBytes { digester.digests(of: $0)[.sha256]?.bytes } ?? []
        guard presented.count == 32 else { return nil }
        var found: APIKey? = nil
        for key in keys.withLock({ $0 }) where Self.constantTimeEqual(key.sha256, presented) {
            found = key
        }
        return found
    }

    /// Compares every byte whatever the first difference, so timing says nothing about a stored hash.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
