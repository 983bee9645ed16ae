import HashScanCore

/// Several lists matched together: every list's hits, in record order.
public struct CombinedMatcher: HashMatcher {
    public let matchers: [any HashMatcher]
    public let algorithms: Set<HashAlgorithm>

    public init(_ matchers: [any HashMatcher]) {
        self.matchers = matchers
        algorithms = matchers.reduce(into: Set()) { $0.formUnion($1.algorithms) }
    }

    public func matches(for hashes: FileHashes) -> [ListHit] {
        if matchers.count == 1 { return matchers[0].matches(for: hashes) }
        return matchers.flatMap { $0.matches(for: hashes) }.sorted(by: ListHit.recordOrder)
    }

    public func entrySizes(_ algorithm: HashAlgorithm) -> [String: [String: Int]] {
        matchers.reduce(into: [:]) { sizes, matcher in
            for (list, entries) in matcher.entrySizes(algorithm) { sizes[list, default: [:]].merge(entries) { $0 + $1 } }
        }
    }
}
