import HashScanCore
import Testing

@testable import HashScanImaging

/// Format sniffing by magic bytes, and the bounds-checked EXIF reader.
@Suite struct SniffAndEXIFTests {
    static func ftyp(_ major: String, _ compatible: [String]) -> [UInt8] {
        let brands = ([major, "\0\0\0\0"] + compatible).flatMap { Array($0.utf8) }
        return TestEncoders.be32(UInt32(8 + brands.count)) + Array("ftyp".utf8) + brands + [0, 0, 0, 8] + Array("meta".utf8)
    }

    @Test func imagesAreRecognisedByTheirLeadingBytes() {
        #expect(Decode.sniff([0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(Decode.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) == .png)
        #expect(Decode.sniff(Array("GIF87a".utf8)) == .gif)
        #expect(Decode.sniff(Array("GIF89a".utf8)) == .gif)
        #expect(Decode.sniff(Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBP".utf8)) == .webp)
        #expect(Decode.sniff(Array("BM".utf8) + [UInt8](repeating: 0, count: 12) + [40, 0, 0, 0]) == .bmp)
        #expect(Decode.sniff(Self.ftyp("heic", ["mif1", "heic"])) == .heif)
        #expect(Decode.sniff(Self.ftyp("mif1", ["heic"])) == .heif)
        #expect(Decode.sniff(Self.ftyp("avif", ["mif1", "miaf"])) == .avif)
        #expect(Decode.sniff(Self.ftyp("mif1", ["avif", "miaf"])) == .avif)
    }

    @Test func nonImagesAreNil() {
        #expect(Decode.sniff([]) == nil)
        #expect(Decode.sniff([0xFF]) == nil)
        #expect(Decode.sniff([0xFF, 0xD8]) == nil)
        #expect(Decode.sniff(Array("BMW is a car brand, not a bitmap".utf8)) == nil)
        #expect(Decode.sniff(Array("RIFF\u{0}\u{0}\u{0}\u{0}WAVEfmt ".utf8)) == nil)
        #expect(Decode.sniff(Array("GIF88a".utf8)) == nil)
        #expect(Decode.sniff([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0]) == nil)  // ELF
        #expect(Decode.sniff(Self.ftyp("isom", ["iso2", "avc1", "mp41"])) == nil)  // MP4 video
        #expect(Decode.sniff(Self.ftyp("qt  ", [])) == nil)
        #expect(Decode.sniff(Array("%PDF-1.7".utf8)) == nil)
        // The name says nothing: a PNG is a PNG whatever it is called, text is text.
        #expect(Decode.errorCode(Array("hello, world".utf8)) == .unsupportedFormat)
    }

    static func orientation(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBytes { EXIFOrientation.read(ByteView($0)) }
    }

    @Test func exifReaderHandlesBothByteOrdersAndThePrefix() {
        let bigEndian: [UInt8] = [0x4D, 0x4D, 0, 0x2A, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 3, 0, 0, 0, 0, 0, 0]
        let littleEndian: [UInt8] = [0x49, 0x49, 0x2A, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0]
        #expect(Self.orientation(bigEndian) == 3)
        #expect(Self.orientation(littleEndian) == 8)
        #expect(Self.orientation(Array("Exif".utf8) + [0, 0] + bigEndian) == 3)
    }

    @Test func exifReaderRefusesHostileOffsets() {
        let header: [UInt8] = [0x4D, 0x4D, 0, 0x2A]
        #expect(Self.orientation(header + [0xFF, 0xFF, 0xFF, 0xF0]) == nil)  // IFD beyond the block
        #expect(Self.orientation(header + [0, 0, 0, 8, 0xFF, 0xFF]) == nil)  // 65535 entries, no data
        #expect(Self.orientation(header + [0x7F, 0xFF, 0xFF, 0xFF, 0, 1]) == nil)
        #expect(Self.orientation([0x4D, 0x4D, 0, 0x2B, 0, 0, 0, 8]) == nil)  // BigTIFF magic
        #expect(Self.orientation([]) == nil)
        #expect(Self.orientation(Array("Exif".utf8) + [0, 0]) == nil)
        // Orientation stored with a count of 2 is malformed, not a value.
        #expect(Self.orientation(header + [0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 2, 0, 3, 0, 3, 0, 0, 0, 0]) == nil)
    }

    /// The JPEG walker finds the first Exif APP1 even after other APPn segments and a thumbnail.
    @Test func jpegOrientationAfterOtherSegments() throws {
        let plain = TestEncoders.jpeg(TestPatterns.rgb(width: 8, height: 8), width: 8, height: 8)
        let tagged = TestEncoders.withEXIFOrientation(plain, orientation: 5, bigEndian: false)
        let xmp: [UInt8] = [0xFF, 0xE1, 0, 12] + Array("http://ns".utf8) + [0]
        let withXMPFirst = Array(tagged[..<2]) + xmp + tagged[2...]
        #expect(try Decode.image(withXMPFirst).exifOrientation == 5)
    }
}
