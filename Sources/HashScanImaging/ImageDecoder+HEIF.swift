internal import CHashScanHEIF
internal import HashScanCore

extension ImageDecoder {
    /// The primary image of a HEIF/HEIC or AVIF file through libheif (HEVC by libde265, AV1 by dav1d or
    /// libaom), read from memory. Grids, overlays and derived images are composed by libheif; thumbnails,
    /// depth and auxiliary images are not decoded. Alpha is dropped as for PNG (the colour under it kept).
    ///
    /// HEIF's own geometry (`irot` rotation, `imir` mirror, `clap` crop) is part of the format, not metadata:
    /// libheif applies it, as `heif-convert` and every viewer do, and MIAF tells readers to ignore an EXIF
    /// orientation tag in favour of it. The pixels hashed are therefore the image as shown, and the reported
    /// orientation is 1 (nothing left to apply).
    func decodeHEIF(_ bytes: UnsafeRawBufferPointer, as format: ImageFormat) -> Result<DecodedImage, ScanError> {
        Self.heifLibrary.initialise()
        guard let context = heif_context_alloc() else {
            return .failure(ScanError(.tooLarge, "\(format): libheif could not allocate a context"))
        }
        defer { heif_context_free(context) }
        // libheif's own per-dimension ceiling for every item it parses (tiles included); the pixel
        // count of the primary image is checked against ours below, before its pixels exist.
        heif_context_set_maximum_image_size_limit(context, Int32(Self.heifMaximumDimension))
        // Tiles on this thread: a scan already decodes one file per core.
        heif_context_set_max_decoding_threads(context, 0)

        var error = heif_context_read_from_memory_without_copy(context, bytes.baseAddress, bytes.count, nil)
        if let failure = Self.heifFailure(error, format: format, stage: "container") { return .failure(failure) }

        var handle: OpaquePointer?
        error = heif_context_get_primary_image_handle(context, &handle)
        if let failure = Self.heifFailure(error, format: format, stage: "primary image") { return .failure(failure) }
        guard let handle else { return .failure(ScanError(.corruptImage, "\(format) has no primary image")) }
        defer { heif_image_handle_release(handle) }

        let width = Int(heif_image_handle_get_width(handle))
        let height = Int(heif_image_handle_get_height(handle))
        if let failure = limits.check(width: width, height: height, format: format) { return .failure(failure) }
        // What libheif would not survive: a derived image made of a non-image, a grid's or overlay's canvas past
        // the limit (allocated from its own fields, whatever the item declares). See HEIFItems.
        let items = HEIFItems.read(bytes)
        if let problem = items.problem { return .failure(ScanError(.corruptImage, "\(format): \(problem)")) }
        for canvas in items.canvases {
            if let failure = limits.check(width: canvas.width, height: canvas.height, format: format) {
                return .failure(ScanError(failure.code, "\(format) \(canvas.itemType) canvas: \(failure.message)"))
            }
        }
        let hadAlpha = heif_image_handle_has_alpha_channel(handle) != 0
        let bitDepth = Int(heif_image_handle_get_luma_bits_per_pixel(handle))

        guard let options = heif_decoding_options_alloc() else {
            return .failure(ScanError(.tooLarge, "\(format): libheif could not allocate decoding options"))
        }
        defer { heif_decoding_options_free(options) }
        options.pointee.convert_hdr_to_8bit = 1
        // A damaged bitstream is an error, not a best-effort picture with grey holes hashed as if whole.
        options.pointee.strict_decoding = 1
        // AV1 decoding is exact by the standard, so any conforming decoder gives the same pixels: libaom,
        // because dav1d as libheif sets it up logs bitstream complaints to stderr, and the scanner writes nothing
        // there. Chosen by the items' codec, not the file's brand (a "heic" file may hold AV1).
        if items.usesAV1, Self.heifLibrary.hasQuietAV1Decoder {
            options.pointee.decoder_id = HEIFLibrary.quietAV1Decoder
        }

        var image: OpaquePointer?
        error = heif_decode_image(handle, &image, heif_colorspace_RGB, heif_chroma_interleaved_RGB, options)
        if let failure = Self.heifFailure(error, format: format, stage: "image data") { return .failure(failure) }
        guard let image else { return .failure(ScanError(.corruptImage, "\(format) image did not decode")) }
        defer { heif_image_release(image) }

        // The decoded size can differ from the handle's only through a broken file; trust the image.
        let decodedWidth = Int(heif_image_get_width(image, heif_channel_interleaved))
        let decodedHeight = Int(heif_image_get_height(image, heif_channel_interleaved))
        guard decodedWidth == width, decodedHeight == height else {
            return .failure(ScanError(
                .corruptImage, "\(format) decoded to \(decodedWidth)x\(decodedHeight), not the declared \(width)x\(height)"))
        }
        var stride: Int32 = 0
        guard heif_image_get_bits_per_pixel(image, heif_channel_interleaved) == 24,
            let plane = heif_image_get_plane_readonly(image, heif_channel_interleaved, &stride), Int(stride) >= width * 3
        else {
            return .failure(ScanError(.corruptImage, "\(format) did not decode to 8-bit RGB"))
        }
        let rowBytes = width * 3
        guard let pixels = Self.makePixels(count: rowBytes * height, { out in
            guard let destination = out.baseAddress else { return false }
            for row in 0..<height {
                (destination + row * rowBytes).update(from: plane + row * Int(stride), count: rowBytes)
            }
            return true
        }) else {
            return .failure(ScanError(.corruptImage, "\(format) image data is empty"))
        }
        return .success(DecodedImage(
            raster: PixelRaster(width: width, height: height, channels: 3, pixels: pixels),
            format: format, originalWidth: width, originalHeight: height,
            exifOrientation: nil, colorModel: .rgb, sourceBitDepth: bitDepth > 0 ? bitDepth : 8,
            hadAlpha: hadAlpha, reducedToGrey: false))
    }

    /// Widest or tallest item libheif may parse (tiles and the grid alike).
    static let heifMaximumDimension = 1 << 16

    /// libheif's reference-counted global set-up (its codec plugins), done once for the process.
    static let heifLibrary = HEIFLibrary()

    final class HEIFLibrary: Sendable {
        private let ready: Bool
        /// Whether libheif has libaom's AV1 decoder (Debian's build does).
        let hasQuietAV1Decoder: Bool
        nonisolated(unsafe) static let quietAV1Decoder: UnsafePointer<CChar> = UnsafeRawPointer(("aom" as StaticString).utf8Start)
            .assumingMemoryBound(to: CChar.self)

        init() {
            ready = heif_init(nil).code == heif_error_Ok
            var decoders = [OpaquePointer?](repeating: nil, count: 16)
            let count = Int(heif_get_decoder_descriptors(heif_compression_AV1, &decoders, Int32(decoders.count)))
            hasQuietAV1Decoder = decoders.prefix(max(0, count)).contains { descriptor in
                descriptor.flatMap { heif_decoder_descriptor_get_id_name($0) }.map { String(cString: $0) == "aom" } ?? false
            }
        }

        func initialise() { _ = ready }
    }

    /// The scan error for a libheif error, or nil for success. Security limits are `too_large`,
    /// codecs or features libheif lacks `unsupported_format`, everything else `corrupt_image`.
    static func heifFailure(_ error: heif_error, format: ImageFormat, stage: String) -> ScanError? {
        guard error.code != heif_error_Ok else { return nil }
        let detail = error.message.map { String(cString: $0) } ?? "error \(error.code.rawValue)"
        if error.subcode == heif_suberror_Security_limit_exceeded || error.code == heif_error_Memory_allocation_error {
            return ScanError(.tooLarge, "\(format) \(stage) is over a limit: \(detail)")
        }
        switch error.code {
        case heif_error_Unsupported_feature, heif_error_Unsupported_filetype:
            return ScanError(.unsupportedFormat, "\(format) \(stage) uses what libheif cannot decode: \(detail)")
        default:
            return ScanError(.corruptImage, "\(format) \(stage) is corrupt: \(detail)")
        }
    }
}
