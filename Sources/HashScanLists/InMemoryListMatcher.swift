import HashScanCore

/// Matches against lists held in memory: a hash table for exact digests, a linear scan for perceptual hashes.
///
/// The linear scan is also the obviously-correct reference that faster Hamming indexes are tested against.
public struct InMemoryListMatcher: HashMatcher {
    struct Reference: Sendable {
        let listIndex: Int
        let entry: String
        let category: String?
    }

    struct PerceptualReference: Sendable {
        let hash: Digest
        let reference: Reference
    }

    private let lists: [(name: String, version: String?)]
    private let exact: [HashAlgorithm: [Digest: [Reference]]]
    private let perceptual: [HashAlgorithm: [PerceptualReference]]
    /// Distinct vPDQ frames per list and entry.
    private let vpdqSizes: [String: [String: Int]]
    public let thresholds: MatchThresholds
    public let algorithms: Set<HashAlgorithm>

    public init(lists: [HashList], thresholds: MatchThresholds = .standard) {
        var exact: [HashAlgorithm: [Digest: [Reference]]] = [:]
        var perceptual: [HashAlgorithm: [PerceptualReference]] = [:]
        for (index, list) in lists.enumerated() {
            for entry in list.entries where !entry.isDeletion {
                let reference = Reference(listIndex: index, entry: entry.reportedID, category: entry.category)
                if entry.algorithm.isCryptographic {
                    exact[entry.algorithm, default: [:]][entry.hash, default: []].append(reference)
                } else {
                    perceptual[entry.algorithm, default: []].append(PerceptualReference(hash: entry.hash, reference: reference))
                }
            }
        }
        self.lists = lists.map { ($0.name, $0.version) }
        var frames: [String: [String: Set<Digest>]] = [:]
        for reference in perceptual[.vpdq] ?? [] {
            frames[lists[reference.reference.listIndex].name, default: [:]][reference.reference.entry, default: []].insert(reference.hash)
        }
        vpdqSizes = frames.mapValues { $0.mapValues(\.count) }
        self.exact = exact
        self.perceptual = perceptual
        self.thresholds = thresholds
        self.algorithms = Set(exact.keys).union(perceptual.keys)
    }

    public func matches(for hashes: FileHashes) -> [ListHit] {
        var hits: [ListHit] = []
        for (algorithm, table) in exact {
            guard let digest = hashes[algorithm], let references = table[digest] else { continue }
            for reference in references {
                hits.append(hit(reference, algorithm: algorithm, distance: 0, referenceHash: digest))
            }
        }
        for (algorithm, references) in perceptual {
            guard let hash = hashes[algorithm] else { continue }
            let threshold = thresholds.threshold(for: algorithm)
            for candidate in references {
                let distance = hash.hammingDistance(to: candidate.hash)
                if distance <= threshold {
                    hits.append(hit(candidate.reference, algorithm: algorithm, distance: distance, referenceHash: candidate.hash))
                }
            }
        }
        hits.sort(by: ListHit.recordOrder)
        return hits
    }

    public func entrySizes(_ algorithm: HashAlgorithm) -> [String: [String: Int]] {
        algorithm == .vpdq ? vpdqSizes : [:]
    }

    private func hit(_ reference: Reference, algorithm: HashAlgorithm, distance: Int, referenceHash: Digest) -> ListHit {
        let list = lists[reference.listIndex]
        return ListHit(
            list: list.name, listVersion: list.version, entry: reference.entry, category: reference.category, algorithm: algorithm,
            distance: distance, threshold: thresholds.threshold(for: algorithm), reference: referenceHash
        )
    }
}
