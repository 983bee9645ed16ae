import Foundation
import HashScanLists
import Synchronization

/// Counters and histograms in the Prometheus text exposition format (version 0.0.4), written by hand: requests by
/// route and status, latency by route, matches by list, decode errors by code, reloads by outcome.
package final class ServerMetrics: Sendable {
    /// Latency bucket bounds in seconds.
    static let buckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct Histogram {
        var counts = [UInt64](repeating: 0, count: ServerMetrics.buckets.count)
        var sum = 0.0
        var count: UInt64 = 0

        mutating func add(_ seconds: Double) {
            if let index = ServerMetrics.buckets.firstIndex(where: { seconds <= $0 }) { counts[index] += 1 }
            sum += seconds
            count += 1
        }
    }

    private struct State {
        var requests: [String: [Int: UInt64]] = [:]
        var latency: [String: Histogram] = [:]
        var matches: [String: UInt64] = [:]
        var verdicts: [Bool: UInt64] = [:]
        var decodeErrors: [String: UInt64] = [:]
        var reloads: [String: UInt64] = [:]
        var probeAlerts: [String: UInt64] = [:]
        var auditFailures: UInt64 = 0
    }

    private let state = Mutex(State())

    package init() {}

    func record(route: String, status: Int, seconds: Double) {
        state.withLock { state in
            state.requests[route, default: [:]][status, default: 0] += 1
            // In place: a copy out of the dictionary and back would copy the bucket array on every request.
            state.latency[route, default: Histogram()].add(seconds)
        }
    }

    /// One verdict: counted as a match or not, and each list it hit once.
    func verdict(lists: Set<String>) {
        state.withLock { state in
            state.verdicts[!lists.isEmpty, default: 0] += 1
            for list in lists { state.matches[list, default: 0] += 1 }
        }
    }

    func decodeError(code: String) { state.withLock { $0.decodeErrors[code, default: 0] += 1 } }

    func auditFailure() { state.withLock { $0.auditFailures += 1 } }

    func probeAlert(keyID: String) { state.withLock { $0.probeAlerts[keyID, default: 0] += 1 } }

    func reload(succeeded: Bool) { state.withLock { $0.reloads[succeeded ? "success" : "failure", default: 0] += 1 } }

    /// The exposition, with the gauges the caller knows (lists, workers).
    func render(lists: LoadedLists, queued: Int, running: Int) -> String {
        let state = self.state.withLock { $0 }
        var text = ""
        func header(_ name: String, _ type: String, _ help: String) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        header("hashscan_http_requests_total", "counter", "HTTP requests by route and status.")
        for (route, statuses) in state.requests.sorted(by: { $0.key < $1.key }) {
            for (status, count) in statuses.sorted(by: { $0.key < $1.key }) {
                text += "hashscan_http_requests_total{route=\"\(escape(route))\",status=\"\(status)\"} \(count)\n"
            }
        }
        header("hashscan_http_request_duration_seconds", "histogram", "Time to answer a request, by route.")
        for (route, histogram) in state.latency.sorted(by: { $0.key < $1.key }) {
            var cumulative: UInt64 = 0
            for (bound, count) in zip(Self.buckets, histogram.counts) {
                cumulative += count
                text += "hashscan_http_request_duration_seconds_bucket{route=\"\(escape(route))\",le=\"\(bound)\"} \(cumulative)\n"
            }
            text += "hashscan_http_request_duration_seconds_bucket{route=\"\(escape(route))\",le=\"+Inf\"} \(histogram.count)\n"
            text += "hashscan_http_request_duration_seconds_sum{route=\"\(escape(route))\"} \(histogram.sum)\n"
            text += "hashscan_http_request_duration_seconds_count{route=\"\(escape(route))\"} \(histogram.count)\n"
        }
        header("hashscan_verdicts_total", "counter", "Match verdicts given (one per upload or per set of hashes), by outcome.")
        for outcome in [true, false] {
            text += "hashscan_verdicts_total{match=\"\(outcome)\"} \(state.verdicts[outcome, default: 0])\n"
        }
        header("hashscan_matches_total", "counter", "Verdicts that hit a list, by list.")
        for (list, count) in state.matches.sorted(by: { $0.key < $1.key }) {
            text += "hashscan_matches_total{list=\"\(escape(list))\"} \(count)\n"
        }
        header("hashscan_decode_errors_total", "counter", "Uploads whose image could not be decoded, by error code.")
        for (code, count) in state.decodeErrors.sorted(by: { $0.key < $1.key }) {
            text += "hashscan_decode_errors_total{code=\"\(escape(code))\"} \(count)\n"
        }
        header("hashscan_list_reloads_total", "counter", "List reloads, by outcome.")
        for outcome in ["success", "failure"] {
            text += "hashscan_list_reloads_total{outcome=\"\(outcome)\"} \(state.reloads[outcome, default: 0])\n"
        }
        header("hashscan_probe_alerts_total", "counter",
               "Keys that sent many distinct hashes at the edge of one list entry's match radius (docs/api.md, Probing), by key.")
        for (key, count) in state.probeAlerts.sorted(by: { $0.key < $1.key }) {
            text += "hashscan_probe_alerts_total{key=\"\(escape(key))\"} \(count)\n"
        }
        header("hashscan_audit_write_failures_total", "counter", "Audit lines that could not be written (with --audit-required, each refused its answer).")
        text += "hashscan_audit_write_failures_total \(state.auditFailures)\n"
        header("hashscan_list_entries", "gauge", "Entries in each loaded list.")
        for list in lists.lists {
            text += "hashscan_list_entries{list=\"\(escape(list.name))\"} \(list.entries)\n"
        }
        header("hashscan_lists_generation", "gauge", "1 for the lists loaded at start, plus one per reload.")
        text += "hashscan_lists_generation \(lists.generation)\n"
        header("hashscan_hashing_jobs", "gauge", "Uploads waiting for or being hashed by a worker.")
        text += "hashscan_hashing_jobs{state=\"queued\"} \(queued)\n"
        text += "hashscan_hashing_jobs{state=\"running\"} \(running)\n"
        return text
    }

    private func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
