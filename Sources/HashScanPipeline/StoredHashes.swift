import HashScanCore
import HashScanHashing

/// How a file's hashes are kept in the scan state: `key=value` pairs separated by `;` (hex digests, small
/// integers and codes only, so nothing needs escaping). `image=none` records that the file is not an image,
/// so an incremental run knows no perceptual hash is missing.
enum StoredHashes {
    struct Entry {
        var hashes: FileHashes
        var image: ImageInfo?
        var imageErrorCode: String?
        var isImage: Bool
    }

    static func encode(_ file: HashedFile, isImage: Bool) -> String {
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
        guard let images, !images.algorithms.isEmpty, entry.isImage else { return true }
        // A stored decode failure is not reused: the limits or the decoder may have changed since.
        guard entry.imageErrorCode == nil else { return false }
        guard images.algorithms.allSatisfy({ entry.hashes[$0] != nil }) else { return false }
        if images.algorithms.contains(.pdq) {
            guard entry.hashes.pdqConvention == images.pdqPreScale.rawValue else { return false }
            if images.dihedral && entry.hashes.pdqDihedral == nil { return false }
        }
        return true
    }
}
