internal import HashScanCore
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// What a walk over a JPEG's marker segments finds, before any entropy decoding.
///
/// libjpeg pads a truncated stream with an end-of-image marker and decodes grey for the missing
/// part, reporting it only as a warning. Walking the segments ourselves catches truncation for
/// certain (no EOI for the main image) and cheaply (a memchr-speed scan over the entropy data),
/// and gives us the frame size, the number of scans and the EXIF block along the way.
struct JPEGStructure {
    var width = 0
    var height = 0
    var components = 0
    /// The SOFn marker (0xC0 baseline, 0xC2 progressive, ...) and its sample precision in bits.
    var frameMarker: UInt8 = 0
    var precision = 0
    var scanCount = 0
    /// Offset just past the main image's EOI marker; anything after it is trailing data.
    var endOffset = 0
    var exifOrientation: Int?

    static func parse(_ view: ByteView, maxScans: Int) -> Result<JPEGStructure, ScanError> {
        var result = JPEGStructure()
        var sawFrame = false
        var sawEXIF = false
        var position = 2  // after SOI
        let bytes = view.bytes
        let count = view.count

        while true {
            // Find the next marker: libjpeg skips stray bytes and 0xFF fill, so do we.
            while position < count, bytes[position] != 0xFF { position += 1 }
            while position < count, bytes[position] == 0xFF { position += 1 }
            guard position < count else { return .failure(truncated) }
            let marker = bytes[position]
            position += 1

            switch marker {
            case 0xD9:  // EOI
                guard sawFrame, result.scanCount > 0 else {
                    return .failure(ScanError(.corruptImage, "JPEG ends before any image data"))
                }
                result.endOffset = position
                return .success(result)
            case 0xD0...0xD7, 0x01:  // RSTn and TEM stand alone
                continue
            case 0xD8:
                return .failure(ScanError(.corruptImage, "JPEG has a second start-of-image marker"))
            default:
                break
            }

            guard let length16 = view.u16be(position) else { return .failure(truncated) }
            let length = Int(length16)
            guard length >= 2 else {
                return .failure(ScanError(.corruptImage, "JPEG marker segment of length \(length)"))
            }
            guard view.contains(position, length) else { return .failure(truncated) }
            let segment = position + 2
            let segmentEnd = position + length

            switch marker {
            case 0xC0...0xCF where marker != 0xC4 && marker != 0xC8 && marker != 0xCC:  // SOFn
                guard !sawFrame else {
                    return .failure(ScanError(.corruptImage, "JPEG has more than one frame header"))
                }
                guard length >= 8, let p = view.u8(segment), let h = view.u16be(segment + 1),
                    let w = view.u16be(segment + 3), let n = view.u8(segment + 5)
                else {
                    return .failure(ScanError(.corruptImage, "JPEG frame header is too short"))
                }
                sawFrame = true
                result.frameMarker = marker
                result.precision = Int(p)
                result.height = Int(h)
                result.width = Int(w)
                result.components = Int(n)
            case 0xE1 where !sawEXIF:  // APP1: the first "Exif" one carries the orientation
                if let payload = view.slice(segment, length - 2), payload.matches(0, "Exif\0\0") {
                    sawEXIF = true
                    result.exifOrientation = EXIFOrientation.read(payload)
                }
            default:
                break
            }
            position = segmentEnd

            if marker == 0xDA {  // SOS: entropy-coded data follows until the next real marker
                guard sawFrame else {
                    return .failure(ScanError(.corruptImage, "JPEG scan before the frame header"))
                }
                result.scanCount += 1
                if result.scanCount > maxScans {
                    return .failure(ScanError(.tooLarge, "JPEG has more than \(maxScans) scans"))
                }
                guard let next = nextMarker(bytes, from: position) else { return .failure(truncated) }
                position = next
            }
        }
    }

    /// Offset of the 0xFF that starts the first marker after entropy-coded data, skipping stuffed
    /// bytes (FF 00), restart markers and fill; nil when the data ends first.
    private static func nextMarker(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var position = start
        let count = bytes.count
        while position < count {
            guard let hit = memchr(base + position, 0xFF, count - position) else { return nil }
            let ff = base.distance(to: UnsafeRawPointer(hit))
            var after = ff + 1
            while after < count, bytes[after] == 0xFF { after += 1 }
            guard after < count else { return nil }
            let code = bytes[after]
            if code == 0x00 || (0xD0...0xD7).contains(code) {
                position = after + 1
            } else {
                return after - 1
            }
        }
        return nil
    }

    /// Whether libjpeg-turbo decodes this kind of frame: 8-bit sequential or progressive,
    /// Huffman or arithmetic. Lossless, hierarchical and 12-bit frames are not.
    var isDecodable: Bool {
        precision == 8 && [0xC0, 0xC1, 0xC2, 0xC9, 0xCA].contains(frameMarker)
    }

    private static var truncated: ScanError {
        ScanError(.corruptImage, "JPEG is truncated (no end-of-image marker)")
    }
}
