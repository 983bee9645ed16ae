/// The eight dihedral transforms of a PDQ hash, in the reference `--pdqdih` output order.
///
/// Variants are computed in the DCT domain, so each only approximates the hash of the actually
/// transformed image (0-58 bits apart on the reference vectors): query all eight, never rely on one.
public enum PDQDihedralVariant: Int, Sendable, CaseIterable, Codable, CustomStringConvertible {
    case original = 0
    /// 90 degrees counter-clockwise.
    case rotate90
    case rotate180
    /// 90 degrees clockwise.
    case rotate270
    /// Top-bottom flip.
    case flipX
    /// Left-right mirror.
    case flipY
    /// Transpose (main diagonal).
    case flipPlus1
    /// Anti-diagonal flip.
    case flipMinus1

    /// The stable lower-case name used in output records (the reference's long labels).
    public var name: String {
        switch self {
        case .original: "orig"
        case .rotate90: "rot90"
        case .rotate180: "rot180"
        case .rotate270: "rot270"
        case .flipX: "flipx"
        case .flipY: "flipy"
        case .flipPlus1: "flipplus1"
        case .flipMinus1: "flipminus1"
        }
    }

    public var description: String { name }
}
