import HashScanCore
import HashScanLists
import Synchronization

/// Notices a key walking a list entry's hash. A verdict without a distance still tells one bit per query when the
/// query sits at the edge of the match radius: flip one bit of a hash that matches at exactly the threshold, and
/// the verdict says whether that bit agreed with the entry. So a walk has to keep many distinct queries close to
/// the edge of one entry, where re-uploads of a known picture seldom land (they cluster well inside the radius).
/// The detector counts, per key and entry, the distinct query hashes that hit it within `edge` bits of the
/// threshold; `queries` of them within `window` seconds raise an alert (a metric and an audit event), then the
/// count starts again. Memory is bounded: at most `maxTracked` key-entry pairs, the stalest dropped first.
package final class ProbeDetector: Sendable {
    package struct Policy: Sendable, Equatable {
        /// Distinct near-edge queries that make an alert; 0 turns detection off.
        package var queries = 16
        package var window: Double = 600
        package var maxTracked = 4_096

        package init() {}

        /// How close to the threshold a hit counts as near the edge: an eighth of the radius, at least one bit
        /// (PDQ at 31: distances 28 to 31).
        static func edge(threshold: Int) -> Int { max(1, threshold / 8) }
    }

    package struct Alert: Sendable, Equatable {
        package var keyID: String
        package var list: String
        package var entry: String
        package var algorithm: HashAlgorithm
        package var queries: Int
        package var seconds: Double
    }

    private struct Target: Hashable {
        var keyID: String
        var list: String
        var entry: String
        var algorithm: HashAlgorithm
    }

    private struct Tally {
        var started: Double
        var lastSeen: Double
        var queries: Set<Digest> = []
    }

    package let policy: Policy
    private let tallies = Mutex([Target: Tally]())

    package init(policy: Policy = Policy()) { self.policy = policy }

    /// Looks at one verdict's perceptual hits; returns the alerts it raised (usually none).
    package func observe(keyID: String, hashes: FileHashes, hits: [ListHit], now: Double) -> [Alert] {
        guard policy.queries > 0 else { return [] }
        let near = hits.filter { hit in
            !hit.algorithm.isCryptographic && hit.algorithm != .vpdq && hit.distance > 0
                && hit.distance >= hit.threshold - Policy.edge(threshold: hit.threshold)
        }
        guard !near.isEmpty else { return [] }
        return tallies.withLock { tallies in
            var alerts: [Alert] = []
            for hit in near {
                guard let query = hashes[hit.algorithm] else { continue }
                let target = Target(keyID: keyID, list: hit.list, entry: hit.entry, algorithm: hit.algorithm)
                var tally = tallies[target] ?? Tally(started: now, lastSeen: now)
                if now - tally.started > policy.window { tally = Tally(started: now, lastSeen: now) }
                tally.queries.insert(query)
                tally.lastSeen = now
                if tally.queries.count >= policy.queries {
                    alerts.append(Alert(keyID: keyID, list: hit.list, entry: hit.entry, algorithm: hit.algorithm,
                                        queries: tally.queries.count, seconds: now - tally.started))
                    tallies[target] = nil
                    continue
                }
                if tallies[target] == nil && tallies.count >= policy.maxTracked { evict(&tallies, now: now) }
                tallies[target] = tally
            }
            return alerts
        }
    }

    /// Drops the tallies whose window has passed, or failing that the one seen longest ago.
    private func evict(_ tallies: inout [Target: Tally], now: Double) {
        let before = tallies.count
        tallies = tallies.filter { now - $0.value.started <= policy.window }
        if tallies.count == before, let stalest = tallies.min(by: { $0.value.lastSeen < $1.value.lastSeen }) {
            tallies[stalest.key] = nil
        }
    }
}
