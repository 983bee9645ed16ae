import HashScanCore
import HashScanLists

/// Which hashes the read pass computes, decided once for every front end (scan, worker, serve): what was asked
/// for, everything the block lists hold (a list with PDQ entries makes every image get a PDQ hash, so no match can
/// be missed for want of a hash), and the digests of the known-good lists.
package struct AnalysisPlan: Sendable {
    /// The digests, in the order `MultiDigester` computes them.
    package let cryptographic: [HashAlgorithm]
    /// The image options with their perceptual algorithms completed.
    package let image: ImageHashingOptions

    package init(requested: some Sequence<HashAlgorithm>, matcher: (any HashMatcher)?, knownGood: (any HashMatcher)? = nil,
                 image: ImageHashingOptions) {
        var algorithms = Set(requested)
        if let matcher { algorithms.formUnion(matcher.algorithms) }
        if let knownGood { algorithms.formUnion(knownGood.algorithms.filter(\.isCryptographic)) }
        cryptographic = algorithms.filter(\.isCryptographic).sorted()
        var image = image
        image.algorithms.formUnion(algorithms.filter { !$0.isCryptographic })
        self.image = image
    }

    /// Every algorithm of the plan.
    package var algorithms: Set<HashAlgorithm> { Set(cryptographic).union(image.algorithms) }
}
