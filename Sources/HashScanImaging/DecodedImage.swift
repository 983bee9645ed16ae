package import HashScanCore

/// One decoded image: 8-bit grey or RGB pixels plus what the source said about itself.
///
/// The pixels are exactly what perceptual hashing should see: orientation is reported, never
/// applied, and alpha is dropped without compositing (the PDQ reference's conventions).
package struct DecodedImage: Sendable {
    /// The decoded pixels, top row first; 1 channel (grey) or 3 (RGB).
    package var raster: PixelRaster
    package var format: ImageFormat
    /// Dimensions from the header. Equal to the raster's unless a scaled decode was asked for.
    package var originalWidth: Int
    package var originalHeight: Int
    /// The EXIF Orientation tag (1-8) when the file carries a valid one, else nil. Not applied.
    package var exifOrientation: Int?
    package var colorModel: ImageColorModel
    /// Bits per stored sample (1, 2, 4, 8 or 16; 8 for JPEG, WebP and GIF).
    package var sourceBitDepth: Int
    /// Whether the source had an alpha channel or a transparent colour (dropped, not composited).
    package var hadAlpha: Bool
    /// Whether a colour decode whose every pixel had R == G == B was reduced to one channel.
    package var reducedToGrey: Bool

    /// The orientation to report: the EXIF value, or 1 (as stored) when there is none.
    package var orientation: Int { exifOrientation ?? 1 }

    package var width: Int { raster.width }
    package var height: Int { raster.height }
    package var channels: Int { raster.channels }
}
