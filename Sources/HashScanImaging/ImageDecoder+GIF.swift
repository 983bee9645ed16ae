internal import CHashScanGIF
internal import HashScanCore
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

extension ImageDecoder {
    /// The first frame of a GIF through giflib (error codes, no longjmp), placed at its position
    /// on the logical screen. Palette indices become their RGB, including the transparent index
    /// (no compositing); screen area the frame does not cover gets the background colour.
    func decodeGIF(_ bytes: UnsafeRawBufferPointer) -> Result<DecodedImage, ScanError> {
        gifSource.pointee = GIFMemorySource(base: bytes.baseAddress, count: bytes.count, offset: 0)
        defer { gifSource.pointee = GIFMemorySource() }
        var error: Int32 = 0
        guard let gif = DGifOpen(gifSource, { file, buffer, length in
            // giflib treats a short read as an error, which is how truncation surfaces.
            guard let file, let buffer, length > 0, let user = file.pointee.UserData else { return 0 }
            let source = user.assumingMemoryBound(to: GIFMemorySource.self)
            guard let base = source.pointee.base else { return 0 }
            let available = source.pointee.count - source.pointee.offset
            let n = min(Int(length), available)
            if n > 0 {
                memcpy(buffer, base + source.pointee.offset, n)
                source.pointee.offset += n
            }
            return Int32(n)
        }, &error) else {
            return .failure(gifError("GIF header", error))
        }
        defer {
            var closeError: Int32 = 0
            DGifCloseFile(gif, &closeError)
        }

        let screenWidth = Int(gif.pointee.SWidth)
        let screenHeight = Int(gif.pointee.SHeight)
        // A zero screen size occurs in the wild (the frame then defines the canvas); an oversized one is refused now.
        if screenWidth > 0, screenHeight > 0,
            let error = limits.check(width: screenWidth, height: screenHeight, format: .gif)
        {
            return .failure(error)
        }

        var hasTransparency = false
        while true {
            var recordType = UNDEFINED_RECORD_TYPE
            guard DGifGetRecordType(gif, &recordType) == GIF_OK else {
                return .failure(gifError("GIF record", gif.pointee.Error))
            }
            switch recordType {
            case IMAGE_DESC_RECORD_TYPE:
                return decodeFirstFrame(gif, screenWidth: screenWidth, screenHeight: screenHeight, hasTransparency: hasTransparency)
            case EXTENSION_RECORD_TYPE:
                var code: Int32 = 0
                var block: UnsafeMutablePointer<GifByteType>?
                guard DGifGetExtension(gif, &code, &block) == GIF_OK else {
                    return .failure(gifError("GIF extension", gif.pointee.Error))
                }
                // Graphic Control Extension: [length 4][flags][delay lo][delay hi][index]; bit 0 = transparent.
                if code == GRAPHICS_EXT_FUNC_CODE, let block, block[0] >= 4, block[1] & 1 != 0 {
                    hasTransparency = true
                }
                while block != nil {
                    guard DGifGetExtensionNext(gif, &block) == GIF_OK else {
                        return .failure(gifError("GIF extension", gif.pointee.Error))
                    }
                }
            case TERMINATE_RECORD_TYPE:
                return .failure(ScanError(.corruptImage, "GIF has no image"))
            default:
                return .failure(ScanError(.corruptImage, "GIF has an unknown record"))
            }
        }
    }

    private func decodeFirstFrame(
        _ gif: UnsafeMutablePointer<GifFileType>, screenWidth: Int, screenHeight: Int, hasTransparency: Bool
    ) -> Result<DecodedImage, ScanError> {
        guard DGifGetImageDesc(gif) == GIF_OK else {
            return .failure(gifError("GIF image descriptor", gif.pointee.Error))
        }
        let frame = gif.pointee.Image
        let left = Int(frame.Left)
        let top = Int(frame.Top)
        let frameWidth = Int(frame.Width)
        let frameHeight = Int(frame.Height)
        if let error = limits.check(width: frameWidth, height: frameHeight, format: .gif) { return .failure(error) }
        // Frames reaching past the screen (or a zero screen) widen the canvas rather than being cut.
        let width = max(screenWidth, left + frameWidth)
        let height = max(screenHeight, top + frameHeight)
        if let error = limits.check(width: width, height: height, format: .gif) { return .failure(error) }

        guard let map = frame.ColorMap ?? gif.pointee.SColorMap, let colors = map.pointee.Colors,
            map.pointee.ColorCount > 0
        else {
            return .failure(ScanError(.corruptImage, "GIF frame has no colour map"))
        }
        // A 256-entry table makes any index safe: indices past the map's size read black.
        var palette = [UInt8](repeating: 0, count: 256 * 3)
        for index in 0..<min(Int(map.pointee.ColorCount), 256) {
            palette[index * 3] = colors[index].Red
            palette[index * 3 + 1] = colors[index].Green
            palette[index * 3 + 2] = colors[index].Blue
        }
        var background: (UInt8, UInt8, UInt8) = (0, 0, 0)
        if let screenMap = gif.pointee.SColorMap, let screenColors = screenMap.pointee.Colors,
            Int(gif.pointee.SBackGroundColor) < Int(screenMap.pointee.ColorCount)
        {
            let entry = screenColors[Int(gif.pointee.SBackGroundColor)]
            background = (entry.Red, entry.Green, entry.Blue)
        }

        if scratch.count < frameWidth { scratch = [UInt8](repeating: 0, count: frameWidth) }
        var failure: ScanError?
        let interlaced = frame.Interlace
        let pixels = Self.makePixels(count: width * height * 3) { out in
            if frameWidth != width || frameHeight != height {
                var offset = 0
                for _ in 0..<(width * height) {
                    out[offset] = background.0
                    out[offset + 1] = background.1
                    out[offset + 2] = background.2
                    offset += 3
                }
            }
            return scratch.withUnsafeMutableBufferPointer { line in
                palette.withUnsafeBufferPointer { palette in
                    // Interlaced frames arrive as rows 0,8,16..., then 4,12..., then 2,6..., then 1,3...
                    let passes: [(start: Int, step: Int)] = interlaced ? [(0, 8), (4, 8), (2, 4), (1, 2)] : [(0, 1)]
                    for pass in passes {
                        var row = pass.start
                        while row < frameHeight {
                            guard DGifGetLine(gif, line.baseAddress, Int32(frameWidth)) == GIF_OK else {
                                failure = gifError("GIF image data", gif.pointee.Error)
                                return false
                            }
                            var target = ((top + row) * width + left) * 3
                            for x in 0..<frameWidth {
                                let source = Int(line[x]) * 3
                                out[target] = palette[source]
                                out[target + 1] = palette[source + 1]
                                out[target + 2] = palette[source + 2]
                                target += 3
                            }
                            row += pass.step
                        }
                    }
                    return true
                }
            }
        }
        guard let pixels else { return .failure(failure ?? ScanError(.corruptImage, "GIF could not be decoded")) }
        return .success(DecodedImage(
            raster: PixelRaster(width: width, height: height, channels: 3, pixels: pixels),
            format: .gif, originalWidth: width, originalHeight: height, exifOrientation: nil,
            colorModel: .palette, sourceBitDepth: 8, hadAlpha: hasTransparency, reducedToGrey: false))
    }

    private func gifError(_ context: String, _ code: Int32) -> ScanError {
        let text = GifErrorString(code).map { String(cString: $0) } ?? "error \(code)"
        return ScanError(.corruptImage, "\(context): \(text)")
    }
}
