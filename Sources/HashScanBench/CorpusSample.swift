import Foundation
import HashScanImaging

/// The files a bench measures: a tree walked in name order (symbolic links not followed) up to a file and
/// byte budget, each opened once to check it can be read and to sniff its format. Nothing is written.
struct CorpusSample: Sendable {
    struct File: Sendable {
        let path: String
        let size: Int
        let format: ImageFormat?
    }

    let root: String
    private(set) var files: [File] = []
    /// Files that could not be opened or read (counted and reported, not fatal).
    private(set) var unreadable = 0
    private(set) var firstUnreadable: [String] = []
    /// Regular files left out because the sample was full.
    private(set) var notSampled = 0
    var bytes: Int { files.reduce(0) { $0 + $1.size } }

    static let defaultMaxFiles = 20_000
    static let defaultMaxBytes = 1 << 30

    init(root: String, maxFiles: Int = defaultMaxFiles, maxBytes: Int = defaultMaxBytes) {
        self.root = root
        var budget = maxBytes
        walk(root, maxFiles: maxFiles, budget: &budget, depth: 0)
    }

    func images(of format: ImageFormat) -> [File] { files.filter { $0.format == format } }

    var imageCounts: [ImageFormat: Int] {
        var counts: [ImageFormat: Int] = [:]
        for file in files { if let format = file.format { counts[format, default: 0] += 1 } }
        return counts
    }

    private mutating func walk(_ directory: String, maxFiles: Int, budget: inout Int, depth: Int) {
        guard depth < 64, let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            if depth > 0 { noteUnreadable(directory) }
            return
        }
        for name in names.sorted() {
            let path = directory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { noteUnreadable(path); continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                walk(path, maxFiles: maxFiles, budget: &budget, depth: depth + 1)
            case S_IFREG:
                let size = Int(info.st_size)
                guard files.count < maxFiles, size <= budget || files.isEmpty else { notSampled += 1; continue }
                guard case .readable(let format) = Self.sniff(path) else { noteUnreadable(path); continue }
                files.append(File(path: path, size: size, format: format))
                budget -= size
            default:
                continue  // FIFOs, devices, sockets and links are not content to measure
            }
        }
    }

    private mutating func noteUnreadable(_ path: String) {
        unreadable += 1
        if firstUnreadable.count < 5 { firstUnreadable.append(path) }
    }

    private enum Sniffed {
        case unreadable
        /// Readable; the image format its first bytes announce, if any.
        case readable(ImageFormat?)
    }

    /// Opens the file read-only and sniffs its first bytes.
    private static func sniff(_ path: String) -> Sniffed {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { return .unreadable }
        defer { close(descriptor) }
        var head = [UInt8](repeating: 0, count: 64)
        let count = head.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, 64) }
        guard count >= 0 else { return .unreadable }
        return .readable(head.withUnsafeBytes { ImageFormat.sniff(UnsafeRawBufferPointer(rebasing: $0[0..<count])) })
    }

    /// The file system the corpus lives on (the type of the longest mount point above it in /proc/mounts),
    /// so a reader can tell a tmpfs or network figure from a local disk one.
    static func fileSystem(of path: String) -> String {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let mounts = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return "unknown" }
        var best = (length: -1, type: "unknown")
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { continue }
            let point = String(fields[1]).replacingOccurrences(of: "\\040", with: " ")
            let inside = point == "/" || resolved == point || resolved.hasPrefix(point + "/")
            if inside && point.count > best.length { best = (point.count, String(fields[2])) }
        }
        return best.type
    }
}
