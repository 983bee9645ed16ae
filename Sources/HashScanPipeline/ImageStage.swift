import HashScanCore
import HashScanHashing
import HashScanImaging

/// One worker's image machinery: a decoder, the PDQ and 64-bit hashers, and a reusable buffer that holds
/// one image file's bytes while it is decoded. Not thread-safe: one per worker.
final class ImageStage {
    let options: ImageHashingOptions
    private let decoder: ImageDecoder
    private let pdq = PDQHasher()
    private let perceptual = PerceptualHasher()
    /// The file's bytes, collected during the digest pass so the file is read once.
    var buffer: [UInt8] = []
    /// Buffers larger than this are released after use, so one huge image does not pin memory.
    private static let retainLimit = 64 << 20

    init(options: ImageHashingOptions) {
        self.options = options
        decoder = ImageDecoder(limits: ImageLimits(maxPixels: options.maxPixels, maxFileBytes: options.maxImageBytes))
    }

    /// Whether the first bytes of a file say it is an image worth collecting.
    func wantsFile(startingWith bytes: UnsafeRawBufferPointer) -> Bool {
        ImageFormat.sniff(bytes) != nil
    }

    /// Decodes the collected bytes and adds the perceptual hashes to `hashes`.
    func hashCollected(into hashes: inout FileHashes) -> (ImageInfo?, ScanError?) {
        defer {
            if buffer.capacity > Self.retainLimit { buffer = [] } else { buffer.removeAll(keepingCapacity: true) }
        }
        let decoded = buffer.withUnsafeBytes { bytes in
            let fastPath = options.jpegFastPath
                ? JPEGFastPath(minimumSide: Self.fastPathMinimumSide(options.pdqPreScale), lumaOnly: !wantsColourHashes)
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

    /// The shortest side the JPEG fast path may decode to. `.reference`: 512, so the 512x512 nearest-neighbour
    /// pre-scale still downsamples (it then samples DCT-scaled block averages instead of single pixels).
    /// `.full`: 1024, since at 512 the fast path moved up to 10 bits (median 3) on the fidelity corpus and
    /// at 1024 at most 4 (median 2). Figures: docs/performance.md, "Images (issue #3)".
    static func fastPathMinimumSide(_ preScale: PDQPreScale) -> Int {
        preScale == .reference ? PDQPreScale.referenceSide : 1024
    }

    /// pHash, dHash and aHash use Pillow's grey conversion of the colour pixels, so they need the full decode.
    private var wantsColourHashes: Bool {
        !options.algorithms.isDisjoint(with: [.phash, .dhash, .ahash])
    }
}
