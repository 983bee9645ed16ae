import HashScanCore
import HashScanHashing

/// Hashes one in-memory buffer with the scan's own code: one digest pass (OpenSSL through `MultiDigester`), then,
/// when perceptual hashes are wanted and the bytes sniff as an image, the scan's decoder, PDQ and 64-bit hashers
/// (`ImageStage`). Nothing is written anywhere. Not thread-safe: one per worker thread; it reuses its buffers.
package final class BufferHasher {
    /// Convention, dihedral, limits and the JPEG fast path; `algorithms` is ignored (given per call).
    package let imageOptions: ImageHashingOptions
    private var digesters: [[HashAlgorithm]: MultiDigester] = [:]
    private var stages: [Set<HashAlgorithm>: ImageStage] = [:]

    package init(imageOptions: ImageHashingOptions) {
        self.imageOptions = imageOptions
    }

    /// The hashes of `bytes` for `algorithms`. A buffer that is not an image simply has no perceptual hashes; an
    /// image that cannot be decoded keeps its digests and says why in `imageError` (as a scan's record would).
    package func hash(_ bytes: UnsafeRawBufferPointer, algorithms: Set<HashAlgorithm>) throws(MultiDigester.SetupError) -> HashedFile {
        let cryptographic = algorithms.filter(\.isCryptographic).sorted()
        var hashes = FileHashes()
        if !cryptographic.isEmpty {
            let digester: MultiDigester
            if let cached = digesters[cryptographic] {
                digester = cached
            } else {
                digester = try MultiDigester(algorithms: cryptographic)
                digesters[cryptographic] = digester
            }
            hashes.digests = digester.digests(of: bytes)
        }
        var file = HashedFile(size: UInt64(bytes.count), hashes: hashes)
        let perceptual = algorithms.filter { !$0.isCryptographic }
        guard !perceptual.isEmpty else { return file }
        let stage = self.stage(for: perceptual)
        guard stage.wantsFile(startingWith: bytes) else { return file }
        guard bytes.count <= imageOptions.maxImageBytes else {
            file.imageError = ScanError(.tooLarge, "image file larger than \(imageOptions.maxImageBytes) bytes; not decoded")
            return file
        }
        stage.buffer.append(contentsOf: bytes)
        (file.image, file.imageError) = stage.hashCollected(into: &hashes)
        file.hashes = hashes
        return file
    }

    private func stage(for perceptual: Set<HashAlgorithm>) -> ImageStage {
        if let cached = stages[perceptual] { return cached }
        var options = imageOptions
        options.algorithms = perceptual
        let stage = ImageStage(options: options)
        stages[perceptual] = stage
        return stage
    }
}
