#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HashScanCore

/// Walks paths with opendir/readdir (Foundation's enumerator costs ~8x more per file) and hands each
/// regular file to `emit`. Devices, FIFOs and sockets are reported, never opened, so a walk cannot block.
package struct TreeWalker {
    struct DeviceInode: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    let followSymlinks: Bool
    /// Returns false when the run is stopping.
    let emit: (WorkItem) -> Bool
    package private(set) var skippedSymlinks = 0
    /// Manifest fields for the files of the current root, carried into their records.
    package var context: FileContext? = nil
    private var visitedDirectories: Set<DeviceInode> = []

    package init(followSymlinks: Bool, emit: @escaping (WorkItem) -> Bool) {
        self.followSymlinks = followSymlinks
        self.emit = emit
    }

    /// Walks one path named by the user: a file is emitted, a directory walked; a symlink here is followed.
    package mutating func walk(root: RawPath) -> Bool {
        guard !root.bytes.isEmpty, !root.bytes.contains(0) else {
            return emit(.failed(root, ScanError(.notFound, "not a valid path"), context: context))
        }
        var info = stat()
        guard statPath(root, &info, follow: true) == 0 else {
            let code = errno
            var linkInfo = stat()
            if code == ENOENT, statPath(root, &linkInfo, follow: false) == 0 {
                return emit(.failed(root, ScanError(.notFound, "dangling symbolic link"), context: context))
            }
            return emit(.failed(root, .fromErrno(code, operation: "stat"), context: context))
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return emit(.file(root, followFinalLink: true, context: context))
        case S_IFDIR: return walkDirectory(root, identity: DeviceInode(info))
        default: return emit(.failed(root, Self.notRegular(info.st_mode), context: context))
        }
    }

    private struct PendingDirectory {
        let path: RawPath
        /// Directories above this one, for loop detection when links are followed.
        let ancestors: [DeviceInode]
    }

    private mutating func walkDirectory(_ top: RawPath, identity: DeviceInode) -> Bool {
        visitedDirectories.insert(identity)
        var stack = [PendingDirectory(path: top, ancestors: followSymlinks ? [identity] : [])]
        while let directory = stack.popLast() {
            var subdirectories: [PendingDirectory] = []
            guard let entries = readEntries(directory.path) else { continue }
            for (name, type) in entries {
                let path = directory.path.appending(name)
                switch type {
                case UInt8(DT_REG):
                    guard emit(.file(path, followFinalLink: followSymlinks, context: context)) else { return false }
                case UInt8(DT_DIR) where !followSymlinks:
                    subdirectories.append(PendingDirectory(path: path, ancestors: []))
                case UInt8(DT_LNK) where !followSymlinks:
                    skippedSymlinks += 1
                default:
                    // Unknown types, and every directory or link when links are followed, need a stat.
                    var info = stat()
                    guard statPath(path, &info, follow: followSymlinks) == 0 else {
                        let code = errno
                        let error: ScanError = code == ENOENT && type == UInt8(DT_LNK)
                            ? ScanError(.notFound, "dangling symbolic link") : .fromErrno(code, operation: "stat")
                        guard emit(.failed(path, error, context: context)) else { return false }
                        continue
                    }
                    switch info.st_mode & S_IFMT {
                    case S_IFREG:
                        guard emit(.file(path, followFinalLink: followSymlinks, context: context)) else { return false }
                    case S_IFDIR:
                        let id = DeviceInode(info)
                        if directory.ancestors.contains(id) {
                            guard emit(.failed(path, ScanError(.symlinkLoop, "symbolic link loops back to a directory above it"), context: context)) else {
                                return false
                            }
                        } else if visitedDirectories.insert(id).inserted {
                            subdirectories.append(PendingDirectory(path: path, ancestors: directory.ancestors + [id]))
                        }
                        // else: the same directory reached again through another link; already scanned once.
                    case S_IFLNK:
                        skippedSymlinks += 1
                    default:
                        guard emit(.failed(path, Self.notRegular(info.st_mode), context: context)) else { return false }
                    }
                }
            }
            // Depth first, in name order.
            stack.append(contentsOf: subdirectories.reversed())
        }
        return true
    }

    /// The directory's entries sorted by name, or nil after reporting why it could not be listed.
    private func readEntries(_ path: RawPath) -> [([UInt8], UInt8)]? {
        let handle: OpaquePointer? = withCString(path) { opendir($0) }
        guard let handle else {
            _ = emit(.failed(path, .fromErrno(errno, operation: "cannot list directory"), context: context))
            return nil
        }
        defer { closedir(handle) }
        var entries: [([UInt8], UInt8)] = []
        while true {
            errno = 0
            guard let entry = readdir(handle) else {
                if errno != 0 { _ = emit(.failed(path, .fromErrno(errno, operation: "reading directory"), context: context)) }
                break
            }
            let name = Self.entryName(entry)
            if name == [UInt8(ascii: ".")] || name == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
            entries.append((name, entry.pointee.d_type))
        }
        entries.sort { $0.0.lexicographicallyPrecedes($1.0) }
        return entries
    }

    /// The entry's name, read in place up to its terminating NUL. Never `entry.pointee.d_name`: that copies the whole
    /// 256-byte array, but the C library packs entries by `d_reclen`, so a short name at the end of its buffer is
    /// followed by fewer than 256 bytes (an out-of-bounds read AddressSanitizer reports).
    static func entryName(_ entry: UnsafeMutablePointer<dirent>) -> [UInt8] {
        let start = UnsafeRawPointer(entry) + MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        let characters = start.assumingMemoryBound(to: CChar.self)
        return Array(UnsafeRawBufferPointer(start: start, count: strlen(characters)))
    }

    private func statPath(_ path: RawPath, _ info: inout stat, follow: Bool) -> Int32 {
        withCString(path) { follow ? stat($0, &info) : lstat($0, &info) }
    }

    static func notRegular(_ mode: mode_t) -> ScanError {
        let kind = switch mode & S_IFMT {
        case S_IFIFO: "a named pipe (FIFO)"
        case S_IFSOCK: "a socket"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFDIR: "a directory"
        default: "not a regular file"
        }
        return ScanError(.notRegular, "\(kind); not opened")
    }
}

extension TreeWalker.DeviceInode {
    init(_ info: stat) {
        self.init(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }
}

/// Calls `body` with the path as a NUL-terminated C string.
func withCString<R>(_ path: RawPath, _ body: (UnsafePointer<CChar>) -> R) -> R {
    var bytes = path.bytes
    bytes.append(0)
    return bytes.withUnsafeBufferPointer { buffer in
        buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
    }
}
