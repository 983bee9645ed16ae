import HashScanCore

/// The on-disk layout of a compiled list (format version 1). docs/compiled-lists.md describes it for humans;
/// this file is the single source of truth for offsets and codes. All integers are little-endian.
///
///     header (256 bytes)
///       0  magic "HSCNLIST"            8  format version u32      12 header size u32
///      16  file size u64               24 section count u32       28 reserved u32
///      32  section table offset u64    40 metadata offset u64     48 metadata length u64
///      64  SHA-256 of bytes [header size, file size)   (the payload: checked by `lists verify`)
///      96  SHA-256 of header bytes [0, 96)              (checked on every open)
///     section table: section count x 48 bytes, then sections, each 64-byte aligned; metadata is JSON.
enum CompiledListLayout {
    static let magic: [UInt8] = Array("HSCNLIST".utf8)
    static let formatVersion: UInt32 = 1
    static let headerSize = 256
    static let sectionEntrySize = 48
    static let alignment = 64

    enum Offset {
        static let version = 8
        static let headerSize = 12
        static let fileSize = 16
        static let sectionCount = 24
        static let sectionTable = 32
        static let metadataOffset = 40
        static let metadataLength = 48
        static let payloadDigest = 64
        static let headerDigest = 96
    }

    /// What a section holds. Each algorithm has its own group of sections.
    enum SectionKind: UInt32 {
        /// Exact digests sorted ascending, `count` x width bytes; row i's entry record is row i of `records`.
        case sortedDigests = 1
        /// (2^bits + 1) u32: the first row whose digest starts with each `bits`-bit prefix. `parameter0` = bits.
        case prefixBuckets = 2
        /// `count` u64 offsets into the `recordBlob`, one per row.
        case records = 3
        /// Entry records: varint line, varint id length + bytes, varint category length + bytes.
        case recordBlob = 4
        /// Perceptual hashes in row order, `count` x width bytes.
        case hashes = 5
        /// Multi-index chunk `parameter0`: (2^bits + 1) u32 offsets into its postings; `parameter1` = bits.
        case chunkOffsets = 6
        /// Multi-index chunk `parameter0`: `count` u32 rows, grouped by chunk value; `parameter1` = the planned radius.
        case chunkPostings = 7
        /// Instead of `records` + `recordBlob` when no entry has an id or category: `count` u32 source lines.
        /// Written by earlier versions; still read.
        case lines = 8
        /// As `lines`, bit-packed: row i's line is bits [i x b, (i + 1) x b) of the section read as one
        /// little-endian bit string, b = `parameter0` (1...32, enough bits for the largest line). Followed by 7
        /// zero bytes, so any row is read with one unaligned 8-byte load inside the section.
        case packedLines = 9
    }

    /// Bits per row of a `packedLines` section holding lines up to `maxLine`.
    static func packedLineBits(maxLine: UInt32) -> Int { max(1, UInt32.bitWidth - maxLine.leadingZeroBitCount) }

    /// Bytes of a `packedLines` section: the packed bits, then the 7 bytes of padding.
    static func packedLinesLength(count: Int, bits: Int) -> Int { (count * bits + 7) / 8 + 7 }

    struct Section: Equatable {
        var kind: SectionKind
        var algorithm: HashAlgorithm
        var offset: UInt64
        var length: UInt64
        var count: UInt64
        var parameter0: UInt64
        var parameter1: UInt64
    }

    /// Stable numeric codes for algorithms in the file.
    static func code(of algorithm: HashAlgorithm) -> UInt32 {
        switch algorithm {
        case .md5: 1
        case .sha1: 2
        case .sha256: 3
        case .pdq: 4
        case .phash: 5
        case .dhash: 6
        case .ahash: 7
        case .vpdq: 8
        }
    }

    static func algorithm(code: UInt32) -> HashAlgorithm? {
        HashAlgorithm.allCases.first { self.code(of: $0) == code }
    }

    static func aligned(_ value: Int) -> Int { (value + alignment - 1) / alignment * alignment }
}

/// The JSON metadata block of a compiled list.
public struct CompiledListMetadata: Codable, Sendable, Equatable {
    public struct Source: Codable, Sendable, Equatable {
        public var path: String
        public var sha256: String
        public var format: String
        public init(path: String, sha256: String, format: String) {
            self.path = path
            self.sha256 = sha256
            self.format = format
        }
    }

    public var name: String
    public var version: String?
    public var created: String
    public var hashscanVersion: String
    public var sources: [Source]
    /// Entries per algorithm name.
    public var counts: [String: Int]
    /// Match thresholds per algorithm name (Hamming distance), as the list's policy.
    public var thresholds: [String: Int]

    enum CodingKeys: String, CodingKey {
        case name, version, created, sources, counts, thresholds
        case hashscanVersion = "hashscan_version"
    }
}
