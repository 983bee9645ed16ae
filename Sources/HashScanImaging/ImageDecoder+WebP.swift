internal import CHashScanWebP
internal import HashScanCore

extension ImageDecoder {
    /// Still WebP (lossy, lossless, with or without alpha) through libwebp's simple API, straight
    /// into our buffer. Alpha is dropped: the RGB under it is kept as decoded (no compositing).
    /// An animated WebP gives its first frame on the canvas (as a GIF does); its other frames are vPDQ's.
    func decodeWebP(_ bytes: UnsafeRawBufferPointer) -> Result<DecodedImage, ScanError> {
        let view = ByteView(bytes)
        // libwebp only refuses a RIFF size beyond the data in some paths; a cut file must fail.
        guard let riffSize = view.u32le(4), Int(riffSize) <= view.count - 8 else {
            return .failure(ScanError(.corruptImage, "WebP is truncated (RIFF size exceeds the data)"))
        }
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            return .failure(ScanError(.corruptImage, "WebP input is empty"))
        }
        // Trailing bytes after the RIFF container are ignored, like libwebp does.
        let length = Int(riffSize) + 8
        var features = WebPBitstreamFeatures()
        let status = WebPGetFeatures(base, length, &features)
        switch status {
        case VP8_STATUS_OK: break
        case VP8_STATUS_UNSUPPORTED_FEATURE:
            return .failure(ScanError(.unsupportedFormat, "WebP uses a feature libwebp does not support"))
        case VP8_STATUS_NOT_ENOUGH_DATA:
            return .failure(ScanError(.corruptImage, "WebP is truncated"))
        default:
            return .failure(ScanError(.corruptImage, "WebP header is invalid (status \(status.rawValue))"))
        }
        let width = Int(features.width)
        let height = Int(features.height)
        if let error = limits.check(width: width, height: height, format: .webp) { return .failure(error) }
        if features.has_animation != 0 { return decodeAnimatedWebPFirstFrame(bytes, view: view, length: length) }

        let stride = width * 3
        guard let pixels = Self.makePixels(count: stride * height, { out in
            WebPDecodeRGBInto(base, length, out.baseAddress, out.count, Int32(stride)) != nil
        }) else {
            return .failure(ScanError(.corruptImage, "WebP image data is corrupt or truncated"))
        }
        return .success(DecodedImage(
            raster: PixelRaster(width: width, height: height, channels: 3, pixels: pixels),
            format: .webp, originalWidth: width, originalHeight: height,
            exifOrientation: Self.webPOrientation(view, end: length), colorModel: .rgb, sourceBitDepth: 8,
            hadAlpha: features.has_alpha != 0, reducedToGrey: false))
    }

    /// The first frame of an animated WebP, composed on its canvas by libwebpdemux (what a viewer shows first).
    private func decodeAnimatedWebPFirstFrame(_ bytes: UnsafeRawBufferPointer, view: ByteView, length: Int) -> Result<DecodedImage, ScanError> {
        var first: PixelRaster?
        let outcome = WebPAnimation.frames(UnsafeRawBufferPointer(rebasing: bytes[..<length]), limits: limits, maxFrames: Int.max,
                                           budgetSeconds: nil, wanted: { index, _ in index == 0 }) { raster, _, _ in
            first = raster
            return false
        }
        if case .failure(let error) = outcome { return .failure(error) }
        guard let first else { return .failure(ScanError(.corruptImage, "animated WebP has no frame")) }
        return .success(DecodedImage(
            raster: first, format: .webp, originalWidth: first.width, originalHeight: first.height,
            exifOrientation: Self.webPOrientation(view, end: length), colorModel: .rgb, sourceBitDepth: 8,
            hadAlpha: (view.u8(20) ?? 0) & 0x10 != 0, reducedToGrey: false))
    }

    /// Orientation from an EXIF chunk of an extended (VP8X) WebP, walking the RIFF chunks.
    static func webPOrientation(_ view: ByteView, end: Int) -> Int? {
        guard view.matches(12, "VP8X") else { return nil }
        var offset = 12
        while offset + 8 <= end, let size = view.u32le(offset + 4) {
            let payload = offset + 8
            if view.matches(offset, "EXIF") {
                guard let block = view.slice(payload, Int(size)) else { return nil }
                return EXIFOrientation.read(block)
            }
            // Chunks are padded to an even length; the offset only grows, so the walk ends.
            offset = payload + Int(size) + Int(size & 1)
        }
        return nil
    }
}
