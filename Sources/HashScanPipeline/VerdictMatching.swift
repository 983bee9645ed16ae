import HashScanCore
import HashScanHashing
import HashScanLists

/// The matching rules for one set of hashes, shared by the scan and the HTTP service: PDQ hashes below the minimum
/// quality are left out, and with dihedral variants every variant is tried, keeping the closest hit per entry and
/// naming the variant that hit.
package enum VerdictMatching {
    package static func match(_ hashes: FileHashes, matcher: any HashMatcher, minimumPDQQuality: Int) -> [ListHit] {
        var candidates = hashes
        let reliablePDQ = hashes.pdqQuality.map { $0 >= minimumPDQQuality } ?? true
        if !reliablePDQ { candidates[.pdq] = nil }
        var hits = matcher.matches(for: candidates)
        guard reliablePDQ, let variants = hashes.pdqDihedral, variants.count == 8, matcher.algorithms.contains(.pdq) else { return hits }
        for index in hits.indices where hits[index].algorithm == .pdq { hits[index].variant = PDQDihedralVariant.original.name }
        for (position, variant) in variants.enumerated().dropFirst() {
            for var hit in matcher.matches(for: FileHashes(digests: [.pdq: variant])) {
                hit.variant = PDQDihedralVariant(rawValue: position)?.name
                if let existing = hits.firstIndex(where: { $0.algorithm == .pdq && $0.list == hit.list && $0.entry == hit.entry }) {
                    if hit.distance < hits[existing].distance { hits[existing] = hit }
                } else {
                    hits.append(hit)
                }
            }
        }
        return hits.sorted(by: ListHit.recordOrder)
    }
}
