/// Decoded 8-bit pixels, interleaved, top row first: the hand-off from decoders to perceptual hashers.
///
/// `channels` is 1 (grey) or 3 (RGB). Alpha is dropped by decoders (the PDQ reference's convention).
/// The scanner never stores or emits these pixels; they live only for the duration of one hash.
public struct PixelRaster: Sendable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(channels == 1 || channels == 3, "a raster is grey or RGB")
        precondition(pixels.count == width * height * channels, "pixel buffer does not match the dimensions")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }
}
