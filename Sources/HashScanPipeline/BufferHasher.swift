import HashScanCore
import HashScanHashing

/// Hashes one in-memory buffer (a request body) with the scan's own `ReadPass`: the same digests and content
/// analysers as a file in a scan, in one pass over the bytes. Nothing is written anywhere. Not thread-safe: one per
/// worker thread; it keeps one read pass per algorithm set asked for, reusing their buffers.
package final class BufferHasher {
    /// Convention, dihedral, limits and the JPEG fast path; `algorithms` is ignored (given per call).
    package let imageOptions: ImageHashingOptions
    private var passes: [Set<HashAlgorithm>: ReadPass] = [:]

    package init(imageOptions: ImageHashingOptions) {
        self.imageOptions = imageOptions
    }

    /// The hashes of `bytes` for `algorithms`. A buffer that is not an image simply has no perceptual hashes; an
    /// image that cannot be decoded keeps its digests and says why in `imageError` (as a scan's record would).
    package func hash(_ bytes: UnsafeRawBufferPointer, algorithms: Set<HashAlgorithm>) throws(MultiDigester.SetupError) -> HashedFile {
        let pass: ReadPass
        if let cached = passes[algorithms] {
            pass = cached
        } else {
            var options = imageOptions
            options.algorithms = algorithms.filter { !$0.isCryptographic }
            pass = try ReadPass(cryptographic: algorithms.filter(\.isCryptographic).sorted(), imageOptions: options)
            passes[algorithms] = pass
        }
        pass.begin()
        pass.consume(bytes)
        return pass.finish(size: UInt64(bytes.count))
    }
}
