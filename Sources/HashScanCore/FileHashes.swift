/// The hashes computed for one file or buffer, by algorithm.
public struct FileHashes: Sendable, Equatable {
    public var digests: [HashAlgorithm: Digest]
    /// PDQ quality (0-100) when a PDQ hash was computed.
    public var pdqQuality: Int?
    /// The 8 dihedral PDQ variants (orig, rot90, rot180, rot270, flipx, flipy, flipplus1, flipminus1), when asked for.
    public var pdqDihedral: [Digest]?
    /// The PDQ pre-scale convention the hash was computed under (`reference` or `full`).
    public var pdqConvention: String?
    /// A video's vPDQ: the PDQ hash of every sampled frame, in frame order.
    public var vpdq: [VPDQFrame]?

    public init(digests: [HashAlgorithm: Digest] = [:], pdqQuality: Int? = nil, pdqDihedral: [Digest]? = nil, vpdq: [VPDQFrame]? = nil) {
        self.digests = digests
        self.pdqQuality = pdqQuality
        self.pdqDihedral = pdqDihedral
        self.vpdq = vpdq
    }

    public subscript(algorithm: HashAlgorithm) -> Digest? {
        get { digests[algorithm] }
        set { digests[algorithm] = newValue }
    }

    public var isEmpty: Bool { digests.isEmpty && vpdq == nil }
}
