import HashScanCore

/// Builds 64-bit perceptual hashes in `imagehash`'s layout: decisions in row-major order, the first
/// one the most significant bit, so the 8-byte digest's hex equals `str(imagehash_value)`.
package struct Hash64: Sendable, Equatable {
    package private(set) var value: UInt64 = 0
    private var count = 0

    package init() {}

    /// Appends the next decision (at most 64).
    @inline(__always)
    package mutating func append(_ bit: Bool) {
        precondition(count < 64, "a 64-bit hash holds 64 decisions")
        value = value << 1 | (bit ? 1 : 0)
        count += 1
    }

    package var digest: Digest {
        precondition(count == 64, "a 64-bit hash needs 64 decisions")
        return withUnsafeBytes(of: value.bigEndian) { Digest($0) }
    }
}
