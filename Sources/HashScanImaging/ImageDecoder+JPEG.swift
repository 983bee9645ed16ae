internal import CHashScanJPEG
internal import HashScanCore

extension ImageDecoder {
    /// JPEG through TurboJPEG with libjpeg's defaults (accurate integer IDCT, smooth chroma
    /// upsampling), as ImageMagick decodes for the PDQ reference. Grey stays one channel;
    /// CMYK and YCCK are converted to RGB with Adobe's inverted-CMYK convention.
    /// With a `fastPath`, decodes DCT-scaled and/or luma only (see `JPEGFastPath`); limits still
    /// apply to the full header size, since decode time follows it.
    func decodeJPEG(_ bytes: UnsafeRawBufferPointer, fastPath: JPEGFastPath? = nil) -> Result<DecodedImage, ScanError> {
        let structure: JPEGStructure
        switch JPEGStructure.parse(ByteView(bytes), maxScans: limits.maxJPEGScans) {
        case .success(let parsed): structure = parsed
        case .failure(let error): return .failure(error)
        }
        guard structure.isDecodable else {
            let kind = String(structure.frameMarker, radix: 16, uppercase: true)
            return .failure(ScanError(.unsupportedFormat, "JPEG frame type 0x\(kind) with \(structure.precision)-bit samples"))
        }
        // From our own walk of the frame header, so too_large wins over libjpeg's 65500 cap.
        if let error = limits.check(width: structure.width, height: structure.height, format: .jpeg) {
            return .failure(error)
        }
        guard let turbo else { return .failure(ScanError(.corruptImage, "TurboJPEG could not be initialised")) }
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            return .failure(ScanError(.corruptImage, "JPEG input is empty"))
        }
        // Hand TurboJPEG the image only: bytes after EOI (vendor trailers, appended archives) are ignored.
        let length = UInt(structure.endOffset)

        var width: Int32 = 0
        var height: Int32 = 0
        var subsampling: Int32 = 0
        var colorspace: Int32 = 0
        // TurboJPEG 2.x also fails the header call on a mere warning (stray bytes before a marker).
        if tjDecompressHeader3(turbo, base, length, &width, &height, &subsampling, &colorspace) != 0,
            let error = failure(turbo, "JPEG header")
        {
            return .failure(error)
        }
        let originalWidth = Int(width)
        let originalHeight = Int(height)
        if let error = limits.check(width: originalWidth, height: originalHeight, format: .jpeg) { return .failure(error) }
        let calledForFastPath = fastPath != nil
        var fastPath = fastPath
        if let requested = fastPath {
            (width, height) = Self.scaledSize(width, height, minimumSide: requested.minimumSide)
            // No DCT scale keeps both sides long enough: decode exactly as without a fast path. A Y-only
            // decode at full size saves little (the chroma is still entropy-decoded) and moves bits: the
            // Y plane is not the BT.601 float luma of the upsampled RGB (up to 8 bits measured on
            // 256x256 photos, 36 on a quality-3 one). See docs/performance.md, "Images (issue #3)".
            if Int(width) == originalWidth && Int(height) == originalHeight { fastPath = nil }
        }
        let w = Int(width)
        let h = Int(height)

        let colorModel: ImageColorModel
        switch colorspace {
        case Int32(TJCS_GRAY.rawValue): colorModel = .grey
        case Int32(TJCS_CMYK.rawValue): colorModel = .cmyk
        case Int32(TJCS_YCCK.rawValue): colorModel = .ycck
        default: colorModel = .rgb
        }

        var decodeError: ScanError?
        let pixels: [UInt8]?
        let greyOutput = colorModel == .grey || (fastPath?.lumaOnly == true && colorModel == .rgb)
        switch colorModel {
        case .grey, .rgb, .palette:
            let channels = greyOutput ? 1 : 3
            let format = greyOutput ? TJPF_GRAY : TJPF_RGB
            pixels = Self.makePixels(count: w * h * channels) { out in
                decodeError = decompress(turbo, base, length, into: out.baseAddress!, width, height, format)
                return decodeError == nil
            }
        case .cmyk, .ycck:
            // libjpeg converts YCCK to CMYK; we take CMYK to RGB ourselves (TurboJPEG will not).
            let count = w * h
            if scratch.count < count * 4 { scratch = [UInt8](repeating: 0, count: count * 4) }
            decodeError = scratch.withUnsafeMutableBufferPointer { cmyk in
                decompress(turbo, base, length, into: cmyk.baseAddress!, width, height, TJPF_CMYK)
            }
            pixels = decodeError != nil ? nil : scratch.withUnsafeBufferPointer { cmyk in
                Self.makePixels(count: count * 3) { rgb in
                    Self.convertInvertedCMYK(cmyk, to: rgb, pixels: count)
                    return true
                }
            }
        }
        guard let pixels else { return .failure(decodeError ?? ScanError(.corruptImage, "JPEG could not be decoded")) }
        var raster = PixelRaster(width: w, height: h, channels: greyOutput ? 1 : 3, pixels: pixels)
        // decode(_:) reduces grey-looking RGB after this returns; decode(_:jpegFastPath:) does not, so here.
        var reducedToGrey = false
        if calledForFastPath, reduceGreyRGB, raster.channels == 3 { reducedToGrey = Self.reduceToGrey(&raster) }
        return .success(DecodedImage(
            raster: raster, format: .jpeg, originalWidth: originalWidth, originalHeight: originalHeight,
            exifOrientation: structure.exifOrientation, colorModel: colorModel, sourceBitDepth: 8,
            hadAlpha: false, reducedToGrey: reducedToGrey))
    }

    /// The output size at the smallest of 1/8, 1/4, 1/2 and 1 keeping both sides >= `minimumSide`.
    static func scaledSize(_ width: Int32, _ height: Int32, minimumSide: Int) -> (Int32, Int32) {
        for denominator: Int32 in [8, 4, 2] {
            let factor = tjscalingfactor(num: 1, denom: denominator)
            let w = chs_tj_scaled(width, factor)
            let h = chs_tj_scaled(height, factor)
            if Int(min(w, h)) >= minimumSide { return (w, h) }
        }
        return (width, height)
    }

    /// Runs tjDecompress2; nil on success (including benign warnings), else the error to report.
    private func decompress(
        _ turbo: tjhandle, _ base: UnsafePointer<UInt8>, _ length: UInt,
        into out: UnsafeMutablePointer<UInt8>, _ width: Int32, _ height: Int32, _ format: TJPF
    ) -> ScanError? {
        guard tjDecompress2(turbo, base, length, out, width, 0, height, Int32(format.rawValue), 0) != 0 else {
            return nil
        }
        return failure(turbo, "JPEG data")
    }

    /// The error for a TurboJPEG call that returned -1, or nil when it only warned about something benign.
    private func failure(_ turbo: tjhandle, _ context: String) -> ScanError? {
        let message = errorMessage(turbo)
        if tjGetErrorCode(turbo) == Int32(TJERR_WARNING.rawValue), Self.isBenignJPEGWarning(message) {
            return nil
        }
        return ScanError(.corruptImage, "\(context): \(message)")
    }

    /// libjpeg warnings that lose no pixel data. Anything else that libjpeg only warns about
    /// (premature end of data, bad Huffman code, lost restart sync) means grey or garbage blocks in
    /// the output, so it is `corrupt_image`. TurboJPEG keeps the first warning's text; these strings
    /// are libjpeg's fixed messages (jerror.h).
    static func isBenignJPEGWarning(_ message: String) -> Bool {
        message.contains("extraneous bytes before marker")
            || message.contains("unknown JFIF revision")
            || message.contains("Unknown Adobe color transform")
            || message.contains("bad ICC marker")
    }

    /// CMYK samples stored Adobe-style (inverted: 255 = no ink), as Photoshop, Pillow and
    /// ImageMagick write them; ImageMagick reads every CMYK JPEG this way and converts with
    /// R = C'K'/255 (C' and K' the stored values), which is what we do, rounding to nearest.
    static func convertInvertedCMYK(_ cmyk: UnsafeBufferPointer<UInt8>, to rgb: UnsafeMutableBufferPointer<UInt8>, pixels: Int) {
        var source = 0
        var target = 0
        for _ in 0..<pixels {
            let k = UInt32(cmyk[source + 3])
            rgb[target] = UInt8((UInt32(cmyk[source]) * k + 127) / 255)
            rgb[target + 1] = UInt8((UInt32(cmyk[source + 1]) * k + 127) / 255)
            rgb[target + 2] = UInt8((UInt32(cmyk[source + 2]) * k + 127) / 255)
            source += 4
            target += 3
        }
    }

    private func errorMessage(_ turbo: tjhandle) -> String {
        guard let text = tjGetErrorStr2(turbo) else { return "unknown TurboJPEG error" }
        return String(cString: text)
    }
}
