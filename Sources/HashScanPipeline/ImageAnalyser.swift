import HashScanCore
import HashScanHashing
import HashScanImaging

/// Images: collects the bytes of a file that sniffs as an image (up to `maxImageBytes`) during the read pass, then
/// decodes it once and adds PDQ and the 64-bit perceptual hashes. Holds one worker's decoder, hashers and buffer.
final class ImageAnalyser: ContentAnalyser {
    let options: ImageHashingOptions
    private let decoder: ImageDecoder
    private let pdq = PDQHasher()
    private let perceptual = PerceptualHasher()
    private var buffer: ContentBuffer

    init(options: ImageHashingOptions) {
        self.options = options
        buffer = ContentBuffer(limit: options.maxImageBytes)
        decoder = ImageDecoder(limits: ImageLimits(maxPixels: options.maxPixels, maxFileBytes: options.maxImageBytes))
    }

    func wants(head: UnsafeRawBufferPointer, rereadable: Int32?) -> Bool {
        ImageFormat.sniff(head) != nil
    }

    func consume(_ chunk: UnsafeRawBufferPointer) -> ScanError? {
        buffer.append(chunk) ? nil : ScanError(.tooLarge, "image file larger than \(options.maxImageBytes) bytes; not decoded")
    }

    func finish(into file: inout HashedFile) {
        let (image, error) = hashCollected(into: &file.hashes)
        file.image = image
        if let error { file.imageError = error }
    }

    func discard() { buffer.release() }

    /// Decodes the collected bytes and adds the perceptual hashes to `hashes`.
    private func hashCollected(into hashes: inout FileHashes) -> (ImageInfo?, ScanError?) {
        defer { buffer.release() }
        let decoded = buffer.bytes.withUnsafeBytes { bytes in
            let fastPath = options.jpegFastPath
                ? JPEGFastPath(minimumSide: options.jpegFastPathMinimumSide, lumaOnly: !wantsColourHashes)
                : nil
            return fastPath.map { decoder.decode(bytes, jpegFastPath: $0) } ?? decoder.decode(bytes)
        }
        let image: DecodedImage
        switch decoded {
        case .success(let value): image = value
        case .failure(let error): return (nil, error)
        }
        let info = ImageInfo(format: image.format.rawValue, width: image.originalWidth, height: image.originalHeight,
                             orientation: image.orientation)
        if options.algorithms.contains(.pdq) {
            let result = pdq.hash(image.raster, preScale: options.pdqPreScale, dihedral: options.dihedral)
            hashes[.pdq] = result.hash
            hashes.pdqQuality = result.quality
            hashes.pdqConvention = options.pdqPreScale.rawValue
            if let variants = result.dihedral { hashes.pdqDihedral = Array(variants) }
        }
        for (algorithm, digest) in perceptual.hashes(image.raster, algorithms: options.algorithms.sorted()) {
            hashes[algorithm] = digest
        }
        return (info, nil)
    }

    /// pHash, dHash and aHash use Pillow's grey conversion of the colour pixels, so they need the full decode.
    private var wantsColourHashes: Bool {
        !options.algorithms.isDisjoint(with: [.phash, .dhash, .ahash])
    }
}
