package import HashScanCore

/// Resource ceilings for one decode, checked from the header before any pixel memory is allocated.
package struct ImageLimits: Sendable, Equatable {
    /// Largest width x height accepted (the canvas for GIF); larger images give `too_large`.
    package var maxPixels: Int
    /// Largest encoded input accepted; larger inputs give `too_large` without being parsed.
    package var maxFileBytes: Int
    /// Most JPEG scans (SOS markers) accepted. A progressive JPEG with thousands of tiny scans costs
    /// minutes of CPU for a few KB of input, so this bounds decode time, not memory.
    package var maxJPEGScans: Int

    package init(maxPixels: Int = 100_000_000, maxFileBytes: Int = 512 << 20, maxJPEGScans: Int = 1_000) {
        self.maxPixels = maxPixels
        self.maxFileBytes = maxFileBytes
        self.maxJPEGScans = maxJPEGScans
    }

    package static let standard = ImageLimits()

    /// `too_large` when the dimensions exceed `maxPixels`, `corrupt_image` when they are not positive.
    package func check(width: Int, height: Int, format: ImageFormat) -> ScanError? {
        guard width > 0, height > 0 else {
            return ScanError(.corruptImage, "\(format) header gives \(width)x\(height) pixels")
        }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        if overflow || pixels > maxPixels {
            return ScanError(.tooLarge, "\(format) image is \(width)x\(height) pixels, more than the limit of \(maxPixels)")
        }
        return nil
    }

    /// `too_large` when the input is longer than `maxFileBytes`.
    package func check(byteCount: Int, format: ImageFormat) -> ScanError? {
        byteCount > maxFileBytes
            ? ScanError(.tooLarge, "\(format) input is \(byteCount) bytes, more than the limit of \(maxFileBytes)")
            : nil
    }
}
