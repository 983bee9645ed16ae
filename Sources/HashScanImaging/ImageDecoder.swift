package import HashScanCore
internal import CHashScanJPEG
internal import CHashScanPNGCodec

/// Decodes JPEG, PNG, GIF (first frame), WebP, BMP, HEIF/HEIC and AVIF to 8-bit grey or RGB, safely.
///
/// One decoder per worker thread: it owns a TurboJPEG handle, a libpng reader and scratch memory,
/// reused from one image to the next, and must never be shared between threads or tasks.
/// Every failure is a `ScanError` value (`unsupported_format`, `corrupt_image`, `too_large`):
/// limits are checked from the header before any pixel memory is allocated, and no C library is
/// allowed to longjmp across Swift, print, or exit.
package final class ImageDecoder {
    package let limits: ImageLimits
    /// Whether a colour decode whose every pixel is grey is returned as one channel. ImageMagick,
    /// which the PDQ reference decodes with, does this, and PDQ then uses Y = v instead of the
    /// RGB luma formula (which can differ from v by rounding); on by default for fidelity.
    package let reduceGreyRGB: Bool

    let turbo: tjhandle?
    /// At a stable address: libpng keeps a pointer to it between the header and pixel calls.
    let pngReader: UnsafeMutablePointer<chs_png_reader>
    let gifSource: UnsafeMutablePointer<GIFMemorySource>
    /// Intermediate pixels (CMYK, GIF indices), reused across images.
    var scratch: [UInt8] = []
    /// Scratch larger than this is released after the image so one huge file does not pin memory.
    static let scratchRetainLimit = 32 << 20

    package init(limits: ImageLimits = .standard, reduceGreyRGB: Bool = true) {
        self.limits = limits
        self.reduceGreyRGB = reduceGreyRGB
        turbo = tjInitDecompress()
        pngReader = .allocate(capacity: 1)
        pngReader.initialize(to: chs_png_reader())
        gifSource = .allocate(capacity: 1)
        gifSource.initialize(to: GIFMemorySource())
    }

    deinit {
        if let turbo { tjDestroy(turbo) }
        chs_png_reader_release(pngReader)
        pngReader.deinitialize(count: 1)
        pngReader.deallocate()
        gifSource.deinitialize(count: 1)
        gifSource.deallocate()
    }

    /// Sniffs the format from the leading bytes, then decodes. Bytes that are not a recognised
    /// image give `unsupported_format`; call `ImageFormat.sniff` first to skip them without an error.
    package func decode(_ bytes: UnsafeRawBufferPointer) -> Result<DecodedImage, ScanError> {
        guard let format = ImageFormat.sniff(bytes) else {
            return .failure(ScanError(.unsupportedFormat, "not a recognised image format"))
        }
        return decode(bytes, as: format)
    }

    /// Decodes bytes already sniffed as `format`.
    package func decode(_ bytes: UnsafeRawBufferPointer, as format: ImageFormat) -> Result<DecodedImage, ScanError> {
        if let error = limits.check(byteCount: bytes.count, format: format) { return .failure(error) }
        guard bytes.baseAddress != nil, !bytes.isEmpty else {
            return .failure(ScanError(.corruptImage, "\(format) input is empty"))
        }
        defer {
            if scratch.capacity > Self.scratchRetainLimit { scratch = [] }
        }
        let result: Result<DecodedImage, ScanError> =
            switch format {
            case .jpeg: decodeJPEG(bytes)
            case .png: decodePNG(bytes)
            case .gif: decodeGIF(bytes)
            case .webp: decodeWebP(bytes)
            case .bmp: decodeBMP(bytes)
            case .heif, .avif: decodeHEIF(bytes, as: format)
            }
        guard reduceGreyRGB, case .success(var image) = result, image.raster.channels == 3 else { return result }
        if Self.reduceToGrey(&image.raster) { image.reducedToGrey = true }
        return .success(image)
    }

    /// Like `decode(_:)`, but JPEGs take the faster, scaled and/or luma-only `fastPath`; other
    /// formats decode as usual. `originalWidth`/`originalHeight` keep the header size.
    package func decode(_ bytes: UnsafeRawBufferPointer, jpegFastPath: JPEGFastPath) -> Result<DecodedImage, ScanError> {
        guard ImageFormat.sniff(bytes) == .jpeg else { return decode(bytes) }
        if let error = limits.check(byteCount: bytes.count, format: .jpeg) { return .failure(error) }
        defer {
            if scratch.capacity > Self.scratchRetainLimit { scratch = [] }
        }
        return decodeJPEG(bytes, fastPath: jpegFastPath)
    }

    /// Turns an RGB raster whose every pixel has R == G == B into a grey one, in place.
    /// Colour images exit at their first colourful pixel, so the common case costs almost nothing.
    static func reduceToGrey(_ raster: inout PixelRaster) -> Bool {
        let count = raster.width * raster.height
        let grey = raster.pixels.withUnsafeBufferPointer { p in
            var offset = 0
            for _ in 0..<count {
                let r = p[offset]
                if p[offset + 1] != r || p[offset + 2] != r { return false }
                offset += 3
            }
            return true
        }
        guard grey else { return false }
        var pixels = raster.pixels
        raster.pixels = []  // keep the buffer uniquely referenced so the compaction is in place
        pixels.withUnsafeMutableBufferPointer { p in
            for index in 0..<count { p[index] = p[index * 3] }
        }
        pixels.removeLast(count * 2)
        raster = PixelRaster(width: raster.width, height: raster.height, channels: 1, pixels: pixels)
        return true
    }

    /// A byte array of exactly `count` bytes, filled by `body`; allocation happens only after the
    /// limits were checked. Returns nil when `body` reports failure.
    static func makePixels(count: Int, _ body: (UnsafeMutableBufferPointer<UInt8>) -> Bool) -> [UInt8]? {
        var ok = false
        // No zero fill: every decoder writes every byte on success, and on failure the array is dropped.
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            ok = body(buffer)
            initialized = count
        }
        return ok ? pixels : nil
    }
}
