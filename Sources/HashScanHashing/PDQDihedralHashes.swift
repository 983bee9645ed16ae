import HashScanCore

/// The eight dihedral PDQ hashes of one image, held inline (no heap allocation per image).
///
/// Indexed by `PDQDihedralVariant` or by position in the reference order
/// (orig, rot90, rot180, rot270, flipx, flipy, flipplus1, flipminus1).
public struct PDQDihedralHashes: Sendable, Equatable, RandomAccessCollection {
    private var storage: (Digest, Digest, Digest, Digest, Digest, Digest, Digest, Digest)

    package init(repeating digest: Digest) {
        storage = (digest, digest, digest, digest, digest, digest, digest, digest)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { 8 }

    public subscript(position: Int) -> Digest {
        get {
            switch position {
            case 0: storage.0
            case 1: storage.1
            case 2: storage.2
            case 3: storage.3
            case 4: storage.4
            case 5: storage.5
            case 6: storage.6
            case 7: storage.7
            default: preconditionFailure("dihedral index \(position) out of 0..<8")
            }
        }
        set {
            switch position {
            case 0: storage.0 = newValue
            case 1: storage.1 = newValue
            case 2: storage.2 = newValue
            case 3: storage.3 = newValue
            case 4: storage.4 = newValue
            case 5: storage.5 = newValue
            case 6: storage.6 = newValue
            case 7: storage.7 = newValue
            default: preconditionFailure("dihedral index \(position) out of 0..<8")
            }
        }
    }

    public subscript(variant: PDQDihedralVariant) -> Digest {
        get { self[variant.rawValue] }
        set { self[variant.rawValue] = newValue }
    }

    public static func == (lhs: PDQDihedralHashes, rhs: PDQDihedralHashes) -> Bool {
        lhs.elementsEqual(rhs)
    }
}
