import Foundation
import HashScanCore
import HashScanLists

/// Every list importer, in both modes: lenient (problems collected, the import goes on) and strict (the first
/// problem refuses the list). Whatever a list holds, what comes out is well formed.
enum ListTargets {
    static let all: [FuzzTarget] = [
        target("list-any", "format detection from the first bytes, then that format's importer", nil, dictionary: "lists"),
        target("list-plain", "the plain list format: algorithm:hex lines with ids and categories", .plain, dictionary: "lists"),
        target("list-csv", "CSV lists: header detection, quoting across lines, hash columns", .csv, dictionary: "lists"),
        target("list-hashdeep", "hashdeep output: the %%%% header and its columns", .hashdeep, dictionary: "lists"),
        target("list-md5sum", "md5sum/sha*sum output, text and binary modes, BSD tags", .md5sum, dictionary: "lists"),
        target("list-threatexchange", "ThreatExchange signal lines (pdq, video_md5, vpdq)", .threatExchangePDQ, dictionary: "lists"),
        target("list-pdqhasher", "the PDQ reference hasher's CSV output", .pdqHasherOutput, dictionary: "lists"),
        target("list-vpdq", "the vPDQ reference's per-frame lines", .vpdqFrames, dictionary: "lists"),
        target("list-records", "hashscan's own JSON Lines records as a list", .hashscanRecords, dictionary: "json"),
        target("list-te-dataset", "ThreatExchange dataset CSV exports", .threatExchangeDataset, dictionary: "lists"),
        target("list-vics", "VICS JSON (1.3 hash sets and 2.0 OData) through the pull parser", .vicsJSON, dictionary: "json"),
        target("list-ncmec", "NCMEC XML hash-sharing exports", .ncmecXML, dictionary: "xml"),
        FuzzTarget("list-nsrl", "NSRL RDSv3 SQLite databases (SQLite reads the file; the importer its tables)",
                   dictionary: "nsrl") { nsrl($0) },
    ]

    private static func target(_ name: String, _ summary: String, _ format: ListFormat?, dictionary: String) -> FuzzTarget {
        FuzzTarget(name, summary, dictionary: dictionary) { bytes in
            let input = Array(bytes)
            var outcome = FuzzTarget.Outcome.refused
            for strict in [false, true] {
                var options = ListImportOptions(strict: strict)
                options.format = format
                if let list = try? ListImporter.importList(bytes: input, file: "fuzz-input", options: options) {
                    check(list)
                    if !strict { outcome = .accepted }
                }
            }
            return outcome
        }
    }

    private static func nsrl(_ bytes: UnsafeRawBufferPointer) -> FuzzTarget.Outcome {
        ScratchFile.with(bytes, suffix: ".db") { path in
            var options = ListImportOptions(strict: false)
            options.format = .nsrl
            guard let list = try? ListImporter.importList(atPath: path, options: options) else { return .refused }
            check(list)
            return .accepted
        }
    }

    /// Entries of the right length for their algorithm, lines within the input, counts that add up.
    static func check(_ list: ImportedList) {
        for entry in list.entries {
            fuzzCheck(entry.hash.bytes.count == entry.algorithm.byteCount,
                      "\(entry.algorithm) entry of \(entry.hash.bytes.count) bytes")
            fuzzCheck(entry.line >= 0, "entry on line \(entry.line)")
        }
        let counted = list.counts.entries.values.reduce(0, +)
        fuzzCheck(counted == list.entries.count, "counts say \(counted) entries, the list has \(list.entries.count)")
        fuzzCheck(list.counts.malformed >= 0 && list.counts.records >= 0, "negative counts")
    }
}

/// A file for the parsers that read one (SQLite, the manifest reader, compiled lists): written, handed over and
/// unlinked at once, so nothing is left behind between inputs. Each process gets its own name.
enum ScratchFile {
    static func with<Value>(_ bytes: UnsafeRawBufferPointer, suffix: String, _ body: (String) -> Value) -> Value {
        let directory = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        let path = "\(directory)/hashscan-fuzz-\(getpid())-\(UInt64.random(in: 0...UInt64.max))\(suffix)"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        fuzzCheck(descriptor >= 0, "cannot create \(path)")
        var written = 0
        while written < bytes.count {
            let count = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
            fuzzCheck(count > 0, "cannot write \(path)")
            written += count
        }
        close(descriptor)
        defer { unlink(path) }
        return body(path)
    }
}
