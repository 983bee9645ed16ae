import HashScanCore
import HashScanHashing
import HashScanLists

/// The one read pass every item goes through, whatever its source: each chunk feeds the digests (one OpenSSL
/// pass for MD5, SHA-1 and SHA-256) and every content analyser that wanted the item; at the end the digests decide
/// whether the content is analysed at all (a known-good file is not). Used by `FileProcessor` (files: scan, worker)
/// and `BufferHasher` (bodies: the service), so all front ends hash alike. Not thread-safe: one per worker.
package final class ReadPass {
    package let cryptographic: [HashAlgorithm]
    package let imageOptions: ImageHashingOptions?
    private let digester: MultiDigester?
    /// Every content analyser, in the order they add to a file (images; next, video).
    private let analysers: [any ContentAnalyser]
    /// Per item: nil until the first chunk is seen, then whether each analyser is collecting.
    private var collecting: [Bool]? = nil
    private var note: ScanError? = nil
    private var rereadable: Int32? = nil

    /// - Parameters:
    ///   - cryptographic: the digests every item gets.
    ///   - imageOptions: images are analysed when its `algorithms` name a perceptual hash.
    package init(cryptographic: [HashAlgorithm], imageOptions: ImageHashingOptions?) throws(MultiDigester.SetupError) {
        self.cryptographic = cryptographic
        digester = cryptographic.isEmpty ? nil : try MultiDigester(algorithms: cryptographic)
        let images = imageOptions.flatMap { $0.algorithms.isEmpty ? nil : $0 }
        self.imageOptions = images
        var analysers: [any ContentAnalyser] = []
        if let images {
            if !images.algorithms.subtracting([.vpdq]).isEmpty { analysers.append(ImageAnalyser(options: images)) }
            if images.algorithms.contains(.vpdq) { analysers.append(VideoAnalyser(options: images)) }
        }
        self.analysers = analysers
    }

    /// Starts an item; `rereadable` is its open regular file, when it has one (see `ContentAnalyser.wants`).
    package func begin(rereadable: Int32? = nil) {
        digester?.reset()
        collecting = nil
        note = nil
        self.rereadable = rereadable
    }

    /// The item's next chunk.
    package func consume(_ chunk: UnsafeRawBufferPointer) {
        digester?.update(chunk)
        guard !analysers.isEmpty, !chunk.isEmpty else { return }
        if collecting == nil { collecting = analysers.map { [rereadable] in $0.wants(head: chunk, rereadable: rereadable) } }
        for index in analysers.indices where collecting![index] {
            if let error = analysers[index].consume(chunk) {
                collecting![index] = false
                note = note ?? error
            }
        }
    }

    /// Whether the image analyser took the last finished item to the end (it was an image within the limits), as the
    /// scan state records it: an item it did not take needs no image hash on an incremental run.
    package private(set) var lastItemWasImage = false

    /// The item was read whole (`size` bytes): its digests, then, unless `knownGood` names a list its digests are
    /// on, what the analysers found. Hits are the caller's to add.
    package func finish(size: UInt64, knownGood: (FileHashes) -> String? = { _ in nil }) -> HashedFile {
        var file = HashedFile(size: size, hashes: FileHashes(digests: digester?.finish() ?? [:]))
        lastItemWasImage = collecting.map { wanted in analysers.indices.contains { wanted[$0] && analysers[$0] is ImageAnalyser } } ?? false
        if let list = knownGood(file.hashes) {
            // Known-good by digest: no decode, no perceptual match.
            discardAll()
            file.knownGood = list
            return file
        }
        file.imageError = note
        if let collecting {
            for index in analysers.indices where collecting[index] { analysers[index].finish(into: &file) }
        }
        self.collecting = nil
        return file
    }

    /// The item is given up (a read error, a size that changed while reading): nothing it collected is kept.
    package func abandon() {
        lastItemWasImage = false
        digester?.reset()
        discardAll()
    }

    private func discardAll() {
        if let collecting {
            for index in analysers.indices where collecting[index] { analysers[index].discard() }
        }
        collecting = nil
    }
}
