import Foundation
import Synchronization

/// A token bucket per key: `rate` requests per second, bursts up to one second's worth.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: UInt64
    }

    private let buckets = Mutex<[String: Bucket]>([:])

    /// Takes one token; nil when allowed, else the seconds until a token is available.
    func take(id: String, ratePerSecond rate: Double, now: UInt64 = DispatchTime.now().uptimeNanoseconds) -> Double? {
        let capacity = max(1, rate)
        return buckets.withLock { buckets in
            var bucket = buckets[id] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = Double(now &- bucket.updated) / 1e9
            bucket.tokens = min(capacity, bucket.tokens + elapsed * rate)
            bucket.updated = now
            defer { buckets[id] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return (1 - bucket.tokens) / rate
        }
    }

    /// Forgets keys that no longer exist.
    func retain(ids: Set<String>) {
        buckets.withLock { buckets in buckets = buckets.filter { ids.contains($0.key) } }
    }
}
