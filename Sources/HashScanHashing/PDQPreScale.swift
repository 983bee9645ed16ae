/// How a raster is brought to the size the PDQ core hashes.
///
/// The reference C++ hasher (`pdq-photo-hasher`) and most other implementations disagree here, and the
/// choice moves hashes by up to ~10 bits on large images, so it is named and reported rather than implied.
public enum PDQPreScale: String, Sendable, CaseIterable, Codable {
    /// Meta's C++ reference: when either side exceeds 512, nearest-neighbour resize to exactly 512x512
    /// (aspect ratio not kept, CImg's top-left-aligned mapping `src = floor(dst * size / 512)`);
    /// images with both sides at most 512 are hashed at native size. Gives 0-bit parity with the C++ vectors.
    case reference
    /// No pre-scale: the core runs on the full-resolution luma plane (PyPI `pdqhash`, Java,
    /// python-threatexchange, vPDQ). Slower on large images and 0-10 bits from `.reference`.
    case full

    /// The side length the reference convention forces large images to.
    package static let referenceSide = 512
}
