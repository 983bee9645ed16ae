/// Recognises video containers by their first bytes, so a scan collects and decodes only files that are videos.
/// HEIF and AVIF still images share MP4's `ftyp` box: their brands are left to the image decoders.
public enum VideoFormat {
    /// Enough of a file's start to tell.
    public static let sniffLength = 16

    /// A short name of the container the bytes start like, or nil.
    public static func sniff(_ head: UnsafeRawBufferPointer) -> String? {
        let bytes = Array(head.prefix(sniffLength))
        func at(_ offset: Int, _ text: String) -> Bool {
            let pattern = Array(text.utf8)
            return bytes.count >= offset + pattern.count && Array(bytes[offset..<(offset + pattern.count)]) == pattern
        }
        if at(4, "ftyp") {
            // ISO base media: MP4, MOV, 3GP, M4V... but not HEIF/AVIF stills (or image sequences).
            let brand = bytes.count >= 12 ? String(decoding: bytes[8..<12], as: UTF8.self) : ""
            let stills: Set<String> = ["heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "avif", "avis"]
            return stills.contains(brand) ? nil : "mp4"
        }
        if at(4, "moov") || at(4, "mdat") || at(4, "wide") || at(4, "free") { return "mov" }
        if bytes.starts(with: [0x1A, 0x45, 0xDF, 0xA3]) { return "matroska" }
        if at(0, "RIFF") && at(8, "AVI ") { return "avi" }
        if at(0, "FLV") { return "flv" }
        if bytes.starts(with: [0x00, 0x00, 0x01, 0xBA]) { return "mpeg" }
        if bytes.count >= 1, bytes[0] == 0x47, head.count > 188, head[188] == 0x47 { return "mpegts" }
        if bytes.starts(with: [0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11]) { return "asf" }
        return nil
    }
}
