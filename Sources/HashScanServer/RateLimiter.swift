import Foundation
import Synchronization

/// A token bucket per key: `rate` items per second, bursts up to one second's worth. A request needs one token to
/// start; a batch then owes the rest of its items (`charge`), so the bucket can go below zero and the key waits until
/// it is paid back: a batch of 1,000 costs what 1,000 single requests cost.
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
            if buckets.count >= Self.maxBuckets { Self.prune(&buckets, rate: rate, capacity: capacity, now: now) }
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

    /// Takes `count` more tokens from an admitted request (its other items), even into debt.
    func charge(id: String, ratePerSecond rate: Double, count: Int, now: UInt64 = DispatchTime.now().uptimeNanoseconds) {
        guard count > 0 else { return }
        let capacity = max(1, rate)
        buckets.withLock { buckets in
            var bucket = buckets[id] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = Double(now &- bucket.updated) / 1e9
            bucket.tokens = min(capacity, bucket.tokens + elapsed * rate) - Double(count)
            bucket.updated = now
            buckets[id] = bucket
        }
    }

    /// Buckets kept before the full ones are dropped (client addresses are many; a full bucket is the default).
    static let maxBuckets = 65_536

    private static func prune(_ buckets: inout [String: Bucket], rate: Double, capacity: Double, now: UInt64) {
        buckets = buckets.filter { $0.value.tokens + Double(now &- $0.value.updated) / 1e9 * rate < capacity }
        // Every address still in debt: keep the most indebted half rather than grow without bound.
        if buckets.count >= maxBuckets {
            buckets = Dictionary(uniqueKeysWithValues: buckets.sorted { $0.value.tokens < $1.value.tokens }.prefix(maxBuckets / 2).map { ($0.key, $0.value) })
        }
    }

    /// Forgets keys that no longer exist.
    func retain(ids: Set<String>) {
        buckets.withLock { buckets in buckets = buckets.filter { ids.contains($0.key) } }
    }
}
