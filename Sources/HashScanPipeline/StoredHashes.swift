import HashScanCore
import HashScanHashing
import HashScanVideo

/// How a file's hashes are kept in the scan state: `key=value` pairs separated by `;` (hex digests, small
/// integers and codes only, so nothing needs escaping). `image=none` records that the file is not an image,
/// so an incremental run knows no perceptual hash is missing. When the pass looked for a vPDQ, a video or animation
/// keeps `vpdq_seconds=S` (its sampling), `vpdq=frame:timestamp:pdq:quality,…` and `video=…`, and any other file
/// `video=none`: an unchanged video is not decoded again, nor an unchanged photo read again for a vPDQ it cannot have.
enum StoredHashes {
    struct Entry {
        var hashes: FileHashes
        var image: ImageInfo?
        var video: VideoInfo?
        var imageErrorCode: String?
        var isImage: Bool
        /// The sampling of the video's stored vPDQ.
        var vpdqSeconds: Double?
        /// A run that looked for a vPDQ found this file is not a video (`video=none`).
        var isNotVideo = false
    }

    static func encode(_ file: HashedFile, isImage: Bool, vpdqSeconds: Double? = nil) -> String {
        var parts: [String] = []
        for algorithm in HashAlgorithm.allCases {
            if let digest = file.hashes[algorithm] { parts.append("\(algorithm.rawValue)=\(digest.hex)") }
        }
        if let quality = file.hashes.pdqQuality { parts.append("pdq_quality=\(quality)") }
        if let convention = file.hashes.pdqConvention { parts.append("pdq_convention=\(convention)") }
        if let variants = file.hashes.pdqDihedral { parts.append("pdq_dihedral=\(variants.map(\.hex).joined(separator: ","))") }
        if let image = file.image {
            parts.append("image=\(image.format),\(image.width),\(image.height),\(image.orientation)")
        } else if !isImage {
            parts.append("image=none")
        }
        if let error = file.imageError { parts.append("image_error=\(error.code.rawValue)") }
        if let vpdqSeconds {
            if let video = file.video {
                parts.append("vpdq_seconds=\(vpdqSeconds)")
                if let frames = file.hashes.vpdq, !frames.isEmpty {
                    parts.append("vpdq=" + frames.map { "\($0.frame):\($0.timestamp):\($0.pdq.hex):\($0.quality)" }.joined(separator: ","))
                }
                let fields: [String] = [Self.name(video.container), Self.name(video.codec), "\(video.width)", "\(video.height)",
                                        video.duration.map { "\($0)" } ?? "", "\(video.frameRate)", "\(video.framesDecoded)", "\(video.framesHashed)"]
                parts.append("video=" + fields.joined(separator: ","))
            } else {
                parts.append("video=none")
            }
        }
        return parts.joined(separator: ";")
    }

    static func decode(_ text: String) -> Entry? {
        var entry = Entry(hashes: FileHashes(), image: nil, imageErrorCode: nil, isImage: true)
        for part in text.split(separator: ";") {
            guard let equals = part.firstIndex(of: "=") else { return nil }
            let key = String(part[..<equals])
            let value = part[part.index(after: equals)...]
            switch key {
            case "pdq_quality": entry.hashes.pdqQuality = Int(value)
            case "pdq_convention": entry.hashes.pdqConvention = String(value)
            case "pdq_dihedral":
                let variants = value.split(separator: ",").compactMap { Digest(hex: $0) }
                guard variants.count == 8 else { return nil }
                entry.hashes.pdqDihedral = variants
            case "image":
                if value == "none" {
                    entry.isImage = false
                } else {
                    let fields = value.split(separator: ",")
                    guard fields.count == 4, let width = Int(fields[1]), let height = Int(fields[2]), let orientation = Int(fields[3]) else { return nil }
                    entry.image = ImageInfo(format: String(fields[0]), width: width, height: height, orientation: orientation)
                }
            case "image_error": entry.imageErrorCode = String(value)
            case "vpdq_seconds":
                guard let seconds = Double(value) else { return nil }
                entry.vpdqSeconds = seconds
            case "vpdq":
                var frames: [VPDQFrame] = []
                for item in value.split(separator: ",") {
                    let fields = item.split(separator: ":")
                    guard fields.count == 4, let frame = Int(fields[0]), let timestamp = Double(fields[1]), let pdq = Digest(hex: fields[2]),
                          let quality = Int(fields[3]) else { return nil }
                    frames.append(VPDQFrame(frame: frame, timestamp: timestamp, pdq: pdq, quality: quality))
                }
                entry.hashes.vpdq = frames
            case "video" where value == "none":
                entry.isNotVideo = true
            case "video":
                let fields = value.split(separator: ",", omittingEmptySubsequences: false)
                guard fields.count == 8, let width = Int(fields[2]), let height = Int(fields[3]), let rate = Double(fields[5]),
                      let decoded = Int(fields[6]), let hashed = Int(fields[7]) else { return nil }
                entry.video = VideoInfo(container: String(fields[0]), codec: String(fields[1]), width: width, height: height,
                                        duration: Double(fields[4]), frameRate: rate, framesDecoded: decoded, framesHashed: hashed)
            default:
                guard let algorithm = HashAlgorithm(rawValue: key), let digest = Digest(hex: value) else { return nil }
                entry.hashes[algorithm] = digest
            }
        }
        return entry
    }

    /// Whether a stored entry has everything this run computes, so the file need not be read.
    static func covers(_ entry: Entry, cryptographic: [HashAlgorithm], images: ImageHashingOptions?) -> Bool {
        guard cryptographic.allSatisfy({ entry.hashes[$0] != nil }) else { return false }
        guard let images, !images.algorithms.isEmpty else { return true }
        let wantsVPDQ = images.algorithms.contains(.vpdq)
        if entry.isImage || (wantsVPDQ && !entry.isNotVideo) {
            // A stored decode failure is not reused: the limits or the decoder may have changed since.
            guard entry.imageErrorCode == nil else { return false }
        }
        if entry.isImage {
            guard images.algorithms.subtracting([.vpdq]).allSatisfy({ entry.hashes[$0] != nil }) else { return false }
            if images.algorithms.contains(.pdq) {
                guard entry.hashes.pdqConvention == images.pdqPreScale.rawValue else { return false }
                if images.dihedral && entry.hashes.pdqDihedral == nil { return false }
            }
        }
        // vPDQ: the file is known not to be a video, or its frames were sampled as this run samples them.
        if wantsVPDQ, !entry.isNotVideo, entry.vpdqSeconds != images.vpdqSecondsPerHash { return false }
        return true
    }

    /// A codec or container name with the separators of this encoding replaced (FFmpeg's names never have them).
    private static func name(_ text: String) -> String {
        String(text.map { ",;:=".contains($0) ? "_" : $0 })
    }
}
