/// What a HEIF file's `meta` box says about its items, read before libheif sees the file, for the checks libheif
/// 1.15 does not make itself (each found by the `heif` fuzz target, Fuzz/Regressions/heif):
/// - a derived image's canvas (`grid`, `iovl`) is allocated from the item's own fields, checked per side only
///   against libheif's ceiling: a 932-byte overlay declaring a 32,767-pixel square canvas made it allocate 3 GB;
/// - a derived image (`grid`, `iovl`, `iden`) built from an item that is not a coded or derived image trips an
///   `assert` in libheif (Debian builds it with assertions on), which aborts the whole process;
/// - a grid or overlay whose description this reader cannot locate is refused too: libheif read one such damaged
///   item table differently and allocated 3 GB again.
/// It also tells which codecs the items use, so AV1 gets the decoder that stays quiet whatever the file's brand.
///
/// Reads ISO BMFF boxes (ISO/IEC 14496-12) down to `meta`'s `iinf`, `iref`, `iloc` and `idat` (ISO/IEC 23008-12);
/// every offset is bounds-checked, and what it cannot follow is left for libheif to refuse.
enum HEIFItems {
    struct Canvas: Equatable {
        var item: UInt32
        var itemType: String
        var width: Int
        var height: Int
    }

    struct Summary: Equatable {
        /// Item id → item type (`hvc1`, `av01`, `grid`, `Exif`, …).
        var types: [UInt32: String] = [:]
        /// The canvas of every grid and overlay whose description could be read.
        var canvases: [Canvas] = []
        /// Why libheif must not be handed the file, when something is wrong that it would not survive.
        var problem: String?

        var usesAV1: Bool { types.values.contains("av01") }
    }

    /// The item types libheif 1.15 decodes as images: coded (HEVC, AV1) and derived.
    static let imageTypes: Set<String> = ["hvc1", "av01", "grid", "iovl", "iden"]
    static let derivedTypes: Set<String> = ["grid", "iovl", "iden"]

    static func read(_ bytes: UnsafeRawBufferPointer) -> Summary {
        let file = ByteView(bytes)
        var summary = Summary()
        guard let meta = boxes(file, from: 0, to: file.count).first(where: { $0.type == "meta" }) else { return summary }
        // meta is a full box: 4 bytes of version and flags before its children.
        var locations: [UInt32: Location] = [:]
        var idat: (start: Int, end: Int)? = nil
        var derivations: [(from: UInt32, to: [UInt32])] = []
        for child in boxes(file, from: meta.body + 4, to: meta.end) {
            switch child.type {
            case "iinf": summary.types = itemTypes(file, child)
            case "iloc": locations = itemLocations(file, child)
            case "idat": idat = (child.body, child.end)
            case "iref": derivations = references(file, child, type: "dimg")
            default: break
            }
        }
        for (from, to) in derivations {
            guard let type = summary.types[from], derivedTypes.contains(type) else { continue }
            for source in to where !imageTypes.contains(summary.types[source] ?? "") {
                let what = summary.types[source].map { "a '\($0)' item" } ?? "no item"
                summary.problem = "derived image \(from) (\(type)) is made from item \(source), which is \(what), not an image"
                return summary
            }
        }
        // A canvas that cannot be read here is refused rather than left to libheif, whose reading of a damaged
        // item table may differ from this one (a fuzzed `iloc` it read and this did not still cost 3 GB).
        for (item, type) in summary.types.sorted(by: { $0.key < $1.key }) where type == "grid" || type == "iovl" {
            var start: Int? = nil
            switch locations[item]?.method {
            case 0?: start = locations[item]?.offset
            case 1?:
                if let idat, let offset = locations[item]?.offset {
                    let (sum, overflow) = idat.start.addingReportingOverflow(offset)
                    if !overflow, sum <= idat.end { start = sum }
                }
            default: break
            }
            guard let start, let canvas = canvas(file, at: start, item: item, type: type) else {
                summary.problem = "the \(type) item \(item) has no description that can be read"
                return summary
            }
            summary.canvases.append(canvas)
        }
        return summary
    }

    private struct Box {
        var type: String
        /// Where the payload starts, after the size and type (and a 64-bit size).
        var body: Int
        var end: Int
    }

    private struct Location {
        var method: Int
        var offset: Int
    }

    private static func boxes(_ file: ByteView, from start: Int, to end: Int) -> [Box] {
        var result: [Box] = []
        var position = start
        while position + 8 <= end, result.count < 10_000, let size32 = file.u32be(position),
              let type = file.slice(position + 4, 4).map({ String(decoding: $0.bytes, as: UTF8.self) }) {
            var size = Int(size32)
            var header = 8
            if size32 == 1 {
                guard let size64 = file.u64be(position + 8), size64 <= UInt64(end - position) else { break }
                size = Int(size64)
                header = 16
            } else if size32 == 0 {
                size = end - position
            }
            guard size >= header, size <= end - position else { break }
            result.append(Box(type: type, body: position + header, end: position + size))
            position += size
        }
        return result
    }

    /// Item id → item type, from the `infe` boxes of version 2 and 3 (the ones HEIF uses).
    private static func itemTypes(_ file: ByteView, _ iinf: Box) -> [UInt32: String] {
        guard let version = file.u8(iinf.body) else { return [:] }
        let first = iinf.body + 4 + (version == 0 ? 2 : 4)
        var types: [UInt32: String] = [:]
        for infe in boxes(file, from: first, to: iinf.end) where infe.type == "infe" {
            guard let infeVersion = file.u8(infe.body), infeVersion >= 2 else { continue }
            let idSize = infeVersion == 2 ? 2 : 4
            // After the id: a 16-bit protection index, then the 4-character item type.
            guard let id = id(file, infe.body + 4, size: idSize), let type = file.slice(infe.body + 4 + idSize + 2, 4) else { continue }
            types[id] = String(decoding: type.bytes, as: UTF8.self)
        }
        return types
    }

    /// The references of one type in `iref`: from an item to the items it names (16-bit ids, 32-bit in version 1).
    private static func references(_ file: ByteView, _ iref: Box, type: String) -> [(from: UInt32, to: [UInt32])] {
        guard let version = file.u8(iref.body) else { return [] }
        let idSize = version == 0 ? 2 : 4
        var result: [(from: UInt32, to: [UInt32])] = []
        for reference in boxes(file, from: iref.body + 4, to: iref.end) where reference.type == type {
            guard let from = id(file, reference.body, size: idSize), let count = file.u16be(reference.body + idSize) else { continue }
            var to: [UInt32] = []
            for index in 0..<Int(count) {
                guard let target = id(file, reference.body + idSize + 2 + index * idSize, size: idSize) else { break }
                to.append(target)
            }
            result.append((from, to))
        }
        return result
    }

    private static func id(_ file: ByteView, _ offset: Int, size: Int) -> UInt32? {
        size == 2 ? file.u16be(offset).map(UInt32.init) : file.u32be(offset)
    }

    /// Item id → where its first extent starts (file offset for method 0, `idat` offset for method 1).
    private static func itemLocations(_ file: ByteView, _ iloc: Box) -> [UInt32: Location] {
        var at = iloc.body
        guard let version = file.u8(at), version <= 2, let sizes = file.u8(at + 4), let sizes2 = file.u8(at + 5) else { return [:] }
        let offsetSize = Int(sizes >> 4), lengthSize = Int(sizes & 0x0F)
        let baseOffsetSize = Int(sizes2 >> 4), indexSize = version >= 1 ? Int(sizes2 & 0x0F) : 0
        let idSize = version < 2 ? 2 : 4
        at += 6
        guard let count = id(file, at, size: idSize) else { return [:] }
        at += idSize
        func read(_ size: Int) -> Int? {
            defer { at += size }
            switch size {
            case 0: return 0
            case 4: return file.u32be(at).map(Int.init)
            case 8: return file.u64be(at).flatMap { $0 <= UInt64(Int.max) ? Int($0) : nil }
            default: return nil
            }
        }
        var locations: [UInt32: Location] = [:]
        for _ in 0..<min(Int(count), 100_000) {
            guard let item = id(file, at, size: idSize) else { break }
            at += idSize
            var method = 0
            if version >= 1 {
                guard let value = file.u16be(at) else { break }
                method = Int(value & 0x0F)
                at += 2
            }
            at += 2  // data reference index
            guard let base = read(baseOffsetSize), let extents = file.u16be(at) else { break }
            at += 2
            var first: Int? = nil
            for _ in 0..<Int(extents) {
                guard read(indexSize) != nil, let offset = read(offsetSize), read(lengthSize) != nil else { return locations }
                if first == nil {
                    let (sum, overflow) = base.addingReportingOverflow(offset)
                    first = overflow ? nil : sum
                }
            }
            if let first { locations[item] = Location(method: method, offset: first) }
        }
        return locations
    }

    /// A grid's or overlay's output size: 16-bit fields, or 32-bit ones when flag bit 0 is set.
    private static func canvas(_ file: ByteView, at start: Int, item: UInt32, type: String) -> Canvas? {
        guard let flags = file.u8(start + 1) else { return nil }
        let wide = flags & 1 != 0
        // grid: version, flags, rows - 1, columns - 1; iovl: version, flags, four 16-bit fill values.
        let fields = type == "grid" ? start + 4 : start + 2 + 8
        let width = wide ? file.u32be(fields).map(Int.init) : file.u16be(fields).map(Int.init)
        let height = wide ? file.u32be(fields + 4).map(Int.init) : file.u16be(fields + 2).map(Int.init)
        guard let width, let height else { return nil }
        return Canvas(item: item, itemType: type, width: width, height: height)
    }
}
