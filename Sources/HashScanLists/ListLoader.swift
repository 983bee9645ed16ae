import Foundation
import HashScanCore
import HashScanHashing

/// Opens reference lists for matching, for every front end alike (scan, worker, serve, bench, lists): a compiled
/// list is mapped (or made resident), a source list in any supported format is imported into memory. Failures
/// are values with every reason in them; nothing here prints or exits, so a server can keep its old lists.
public enum ListLoader {
    /// A list ready to match against, with what may be said about it (never its entries) and the non-fatal
    /// findings of its import (skipped records, notes) for the caller to show.
    public struct Loaded: Sendable {
        public var matcher: any HashMatcher
        public var name: String
        public var version: String?
        public var entries: Int
        public var warnings: [String]
    }

    /// A list that cannot be used. `unreadable`: the file is missing, unreadable, cut short or not a compiled list it
    /// claims to be; `malformed`: its content is broken — a source list's records (each line of `messages` is
    /// `file:line: reason` where known) or a compiled list's checksums or structure.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public enum Kind: Sendable { case unreadable, malformed }
        public let path: String
        public let kind: Kind
        public let messages: [String]
        public var description: String { messages.joined(separator: "\n") }
    }

    /// Opens `path` for matching: a file with the compiled magic or the `.hsl` extension as a compiled list,
    /// anything else as a source list with `options`. An empty file is refused (far more often a failed copy than
    /// an empty list, and a reload must not swap a list for nothing); a list with no entry opens with a warning.
    public static func open(_ path: String, options: ListImportOptions = ListImportOptions(strict: true),
                            residency: CompiledList.Residency = .mapped) throws(Failure) -> Loaded {
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size == 0 {
            throw Failure(path: path, kind: .malformed, messages: ["\(path): the file is empty: not a list"])
        }
        var loaded: Loaded
        if CompiledList.looksCompiled(path: path) || path.hasSuffix(".hsl") {
            let list = try openCompiled(path, residency: residency)
            loaded = Loaded(matcher: list, name: list.name, version: list.version, entries: list.counts.values.reduce(0, +), warnings: [])
        } else {
            let (imported, warnings) = try importSource(path, options: options)
            let list = imported.hashList
            loaded = Loaded(matcher: InMemoryListMatcher(lists: [list]), name: list.name, version: list.version,
                            entries: list.entries.count, warnings: warnings)
        }
        if loaded.entries == 0 { loaded.warnings.append("\(path): the list has no entry: it matches nothing") }
        return loaded
    }

    /// Maps a compiled list, checking its header and section table.
    public static func openCompiled(_ path: String, residency: CompiledList.Residency = .mapped) throws(Failure) -> CompiledList {
        do {
            return try CompiledList(path: path, residency: residency)
        } catch {
            // A damaged list's content is bad data (65); a missing, cut or foreign file cannot be read as one (66).
            throw Failure(path: path, kind: error.isCorrupt ? .malformed : .unreadable, messages: [error.description])
        }
    }

    /// Imports a source list. Strict options refuse any malformed record; otherwise malformed records are skipped
    /// and each is among the warnings (the first 20, then a count). A file with malformed records and no valid
    /// entry is refused either way: it is most likely not a list of the detected format.
    public static func importSource(_ path: String, options: ListImportOptions) throws(Failure) -> (ImportedList, warnings: [String]) {
        guard FileManager.default.isReadableFile(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
            throw Failure(path: path, kind: .unreadable, messages: ["\(path): cannot read list: \(reason)"])
        }
        let imported: ImportedList
        do {
            imported = try ListImporter.importList(atPath: path, options: options)
        } catch {
            throw Failure(path: path, kind: error.problems.isEmpty ? .unreadable : .malformed,
                          messages: error.description.split(separator: "\n").map(String.init))
        }
        guard !(imported.entries.isEmpty && imported.counts.malformed > 0) else {
            var messages = imported.problems.prefix(5).map { "\(path):\($0.line): \($0.reason)" }
            messages.append("\(path): no valid entry among \(imported.counts.malformed) malformed records: not a \(imported.format.rawValue) list?")
            throw Failure(path: path, kind: .malformed, messages: messages)
        }
        var warnings = imported.problems.prefix(20).map { "\(path):\($0.line): \($0.reason) (skipped)" }
        if imported.counts.malformed > 20 {
            warnings.append("\(path): \(imported.counts.malformed) malformed records in all, skipped (--strict refuses them)")
        }
        warnings += imported.notes.map { "\(path): \($0)" }
        return (imported, warnings)
    }

    /// The SHA-256 of a file, read in chunks (a list's provenance); nil when it cannot be read.
    public static func fileSHA256(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path), let digester = try? MultiDigester(algorithms: [.sha256]) else { return nil }
        defer { try? handle.close() }
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            chunk.withUnsafeBytes { digester.update($0) }
        }
        return digester.finish()[.sha256]?.hex
    }
}
