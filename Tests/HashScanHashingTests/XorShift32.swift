/// Marsaglia's xorshift32 (13, 17, 5): a tiny deterministic generator whose Python twin lives in
/// Fixtures/imagehash_reference.py, so both sides draw the same "random" pixels.
struct XorShift32 {
    var state: UInt32

    init(seed: UInt32) { state = seed }

    mutating func next() -> UInt32 {
        var x = state
        x ^= x << 13
        x ^= x >> 17
        x ^= x << 5
        state = x
        return x
    }

    /// The top byte, as the Python twin's `byte()`.
    mutating func byte() -> UInt8 { UInt8(next() >> 24) }
}
