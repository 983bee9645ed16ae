import HashScanCore

/// The largest Hamming distance that counts as a match, per algorithm.
public struct MatchThresholds: Sendable, Equatable {
    public var values: [HashAlgorithm: Int]

    /// PDQ 31 (Meta's documented threshold), 10 for 64-bit perceptual hashes, 0 for digests.
    public static let standard = MatchThresholds(values: [.pdq: 31, .vpdq: 31, .phash: 10, .dhash: 10, .ahash: 10])

    public init(values: [HashAlgorithm: Int]) { self.values = values }

    public func threshold(for algorithm: HashAlgorithm) -> Int {
        algorithm.isCryptographic ? 0 : values[algorithm, default: 0]
    }
}
