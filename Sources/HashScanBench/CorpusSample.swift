import Foundation
import HashScanCore
import HashScanImaging
import HashScanPipeline

/// The files a bench measures: the tree walked as a scan walks it (`TreeWalker`: depth first in name order, a
/// directory's files before its subdirectories, symbolic links below the root not followed) up to a file and
/// byte budget, each opened once to check it can be read and to sniff its format. Nothing is written.
struct CorpusSample: Sendable {
    struct File: Sendable {
        let path: String
        let size: Int
        let format: ImageFormat?
    }

    let root: String
    private(set) var files: [File] = []
    /// Files that could not be opened or read, and directories that could not be listed (counted and reported, not fatal).
    private(set) var unreadable = 0
    private(set) var firstUnreadable: [String] = []
    /// Regular files left out because the sample was full.
    private(set) var notSampled = 0
    var bytes: Int { files.reduce(0) { $0 + $1.size } }

    static let defaultMaxFiles = 20_000
    static let defaultMaxBytes = 1 << 30

    init(root: String, maxFiles: Int = defaultMaxFiles, maxBytes: Int = defaultMaxBytes) {
        self.root = root
        var tally = Tally(maxFiles: maxFiles, budget: maxBytes)
        var walker = TreeWalker(followSymlinks: false) { item in
            tally.take(item)
            return true
        }
        _ = walker.walk(root: RawPath(root))
        files = tally.files
        unreadable = tally.unreadable
        firstUnreadable = tally.firstUnreadable
        notSampled = tally.notSampled
    }

    func images(of format: ImageFormat) -> [File] { files.filter { $0.format == format } }

    var imageCounts: [ImageFormat: Int] {
        var counts: [ImageFormat: Int] = [:]
        for file in files { if let format = file.format { counts[format, default: 0] += 1 } }
        return counts
    }

    /// The sample as the walk fills it.
    private struct Tally {
        let maxFiles: Int
        var budget: Int
        var files: [File] = []
        var unreadable = 0
        var firstUnreadable: [String] = []
        var notSampled = 0

        init(maxFiles: Int, budget: Int) {
            self.maxFiles = maxFiles
            self.budget = budget
        }

        /// One thing the walk found: a regular file is sampled while the budget lasts; a directory that could not
        /// be listed or a file that could not be examined is unreadable; FIFOs, devices and sockets are not content
        /// to measure (the walk never opens them); symbolic links below the root were skipped by the walk.
        mutating func take(_ item: WorkItem) {
            switch item {
            case .failed(_, let error, _) where error.code == .notRegular:
                return
            case .failed(let path, _, _):
                noteUnreadable(path.string)
            case .file(let raw, let followFinalLink, _):
                // Stages open files by their path as text: a name that is not UTF-8 cannot be measured.
                guard raw.isValidUTF8 else { noteUnreadable(raw.string); return }
                let path = raw.string
                var info = stat()
                guard (followFinalLink ? stat(path, &info) : lstat(path, &info)) == 0 else { noteUnreadable(path); return }
                guard info.st_mode & S_IFMT == S_IFREG else { return }  // replaced by something else since it was listed
                let size = Int(info.st_size)
                guard files.count < maxFiles, size <= budget || files.isEmpty else { notSampled += 1; return }
                guard case .readable(let format) = CorpusSample.sniff(path, followFinalLink: followFinalLink) else {
                    noteUnreadable(path)
                    return
                }
                files.append(File(path: path, size: size, format: format))
                budget -= size
            }
        }

        private mutating func noteUnreadable(_ path: String) {
            unreadable += 1
            if firstUnreadable.count < 5 { firstUnreadable.append(path) }
        }
    }

    private enum Sniffed {
        case unreadable
        /// Readable; the image format its first bytes announce, if any.
        case readable(ImageFormat?)
    }

    /// Opens the file read-only (not through a final symbolic link unless the walk follows them) and sniffs its first bytes.
    private static func sniff(_ path: String, followFinalLink: Bool) -> Sniffed {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (followFinalLink ? 0 : O_NOFOLLOW))
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
        guard let mounts = try? LineReader(path: "/proc/mounts", maxLineBytes: 64 * 1024) else { return "unknown" }
        var best = (length: -1, type: "unknown")
        while let bytes = try? mounts.nextLine() {
            let fields = String(decoding: bytes, as: UTF8.self).split(separator: " ")
            guard fields.count >= 3 else { continue }
            let point = String(fields[1]).replacingOccurrences(of: "\\040", with: " ")
            let inside = point == "/" || resolved == point || resolved.hasPrefix(point + "/")
            if inside && point.count > best.length { best = (point.count, String(fields[2])) }
        }
        return best.type
    }
}
