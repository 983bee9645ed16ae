import ArgumentParser
import Foundation
import HashScanCore
import HashScanHashing
import HashScanLists
import HashScanPipeline

struct ListsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lists",
        abstract: "Compile, inspect, verify, compare and query reference lists.",
        subcommands: [Compile.self, Info.self, Verify.self, Diff.self, Query.self]
    )

    struct Compile: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Compile source lists into one memory-mapped list file.")

        @Argument(help: "Source list files (formats: hashlists/README.md), oldest first: a later file's tombstones and re-sent entries withdraw earlier files' entries.")
        var inputs: [String]

        @Option(help: "The list's name, as match records show it.")
        var name: String

        @Option(help: "The list's version (e.g. the provider's release or date).")
        var version: String?

        @Option(name: [.short, .customLong("output")], help: "The compiled file to write.")
        var output: String

        @Option(name: .customLong("pdq-threshold"), help: "PDQ match distance for this list (default 31).")
        var pdqThreshold: Int = 31

        @Flag(help: "Fail on the first malformed records instead of skipping and reporting them.")
        var strict = false

        @OptionGroup var importing: ImportFlags

        func validate() throws {
            guard !inputs.isEmpty else { throw ValidationError("name at least one input list") }
            guard (0...64).contains(pdqThreshold) else { throw ValidationError("--pdq-threshold must be 0...64") }
        }

        func run() throws {
            var imported: [ImportedList] = []
            var sources: [CompiledListMetadata.Source] = []
            let options = try importing.options(strict: strict)
            for input in inputs {
                let (list, digest) = try loadSourceList(input, options: options)
                imported.append(list)
                sources.append(.init(path: URL(fileURLWithPath: input).lastPathComponent, sha256: digest, format: list.format.rawValue))
            }
            // Inputs are read in the order given: a later file's tombstones and re-sent entries (NCMEC deltas or
            // pages) withdraw the entries of earlier ones.
            let (entries, withdrawn) = ImportedList.merging(imported)
            if withdrawn > 0 { printError("\(withdrawn) entries of earlier inputs withdrawn by later ones (tombstones, re-sent entries)") }
            var thresholds = MatchThresholds.standard
            thresholds.values[.pdq] = pdqThreshold
            let list = HashList(name: name, version: version, entries: entries)
            do {
                try CompiledListWriter.write(list, to: output, sources: sources, thresholds: thresholds, hashscanVersion: HashscanVersion.current)
            } catch {
                printError(error.description)
                throw ExitCode(ExitStatus.cannotOpenInput)
            }
            let counts = list.counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key.rawValue)" }.joined(separator: ", ")
            printError("compiled \(entries.count) entries (\(counts)) into \(output)")
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a compiled list's header: name, version, sources, counts (never its entries).")

        @Argument var file: String

        func run() throws {
            let list = try openCompiled(file)
            let metadata = list.metadata
            let counts = list.counts.map { ($0.key.rawValue, $0.value) }
            FileHandle.standardOutput.write(Data(Self.json(metadata, counts: counts, fileBytes: list.fileSize)))
        }

        /// The header as one JSON object, keys sorted (as this output always had them).
        static func json(_ metadata: CompiledListMetadata, counts: [(String, Int)], fileBytes: Int) -> [UInt8] {
            var json = JSONLineBuilder()
            json.beginObject()
            json.key("counts")
            json.beginObject()
            for (name, count) in counts.sorted(by: { $0.0 < $1.0 }) { json.dynamicKey(name); json.number(count) }
            json.endObject()
            json.field("created", metadata.created)
            json.field("file_bytes", fileBytes)
            json.field("hashscan_version", metadata.hashscanVersion)
            json.field("name", metadata.name)
            json.key("sources")
            json.beginArray()
            for source in metadata.sources {
                json.beginObject()
                json.field("format", source.format)
                json.field("path", source.path)
                json.field("sha256", source.sha256)
                json.endObject()
            }
            json.endArray()
            json.key("thresholds")
            json.beginObject()
            for (name, radius) in metadata.thresholds.sorted(by: { $0.key < $1.key }) { json.dynamicKey(name); json.number(radius) }
            json.endObject()
            json.field("version", ifPresent: metadata.version)
            json.endObject()
            json.finishLine()
            return json.bytes
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a compiled list's full checksum.")

        @Argument var file: String

        func run() throws {
            let list = try openCompiled(file)
            guard list.verify() else {
                printError("\(file): checksum mismatch: the file is corrupt")
                throw ExitCode(ExitStatus.badInput)
            }
            print("\(file): OK (\(list.counts.values.reduce(0, +)) entries)")
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Entries added and removed between two compiled lists.")

        @Argument var old: String
        @Argument var new: String

        @Flag(help: "Print each added and removed entry as JSON Lines, not only the counts.")
        var entries = false

        func run() throws {
            let before = try openCompiled(old)
            let after = try openCompiled(new)
            let difference = CompiledListDiff(old: before, new: after)
            var output: [UInt8] = []
            if entries {
                for change in difference.changes {
                    var json = JSONLineBuilder()
                    json.beginObject()
                    json.field("type", change.added ? "added" : "removed")
                    json.field("algorithm", change.algorithm.rawValue)
                    json.field("hash", change.hash.hex)
                    json.field("entry", change.entry)
                    json.endObject()
                    json.finishLine()
                    output += json.bytes
                    if output.count >= 1 << 16 {
                        FileHandle.standardOutput.write(Data(output))
                        output.removeAll(keepingCapacity: true)
                    }
                }
            }
            var json = JSONLineBuilder()
            json.beginObject()
            json.field("type", "diff_summary")
            json.field("added", difference.added)
            json.field("removed", difference.removed)
            json.endObject()
            json.finishLine()
            FileHandle.standardOutput.write(Data(output + json.bytes))
        }
    }

    struct Query: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Match single hashes against a list and print the hits as JSON Lines.",
            discussion: "Hashes come from the arguments or, without any, one per line from standard input, each with an optional 'algorithm:' prefix (as in the plain list format)."
        )

        @Argument var file: String
        @Argument var hashes: [String] = []

        @Option(help: "Hamming distance for perceptual hashes (default: the list's threshold).")
        var maxDistance: Int?

        func run() throws {
            let list = try openCompiled(file)
            var lines = hashes
            if lines.isEmpty {
                while let line = readLine() { lines.append(line) }
            }
            var failed = false
            var matched = false
            for (index, line) in lines.enumerated() {
                let text = line.trimmingCharacters(in: .whitespaces)
                if text.isEmpty || text.hasPrefix("#") { continue }
                let parsed: (HashAlgorithm, Digest)
                do {
                    parsed = try PlainListFormat.parseQuery(text)
                } catch {
                    printError("query \(index + 1): \(error.reason)")
                    failed = true
                    continue
                }
                let hits = list.query(parsed.0, parsed.1, maxDistance: maxDistance)
                matched = matched || !hits.isEmpty
                FileHandle.standardOutput.write(Data(RecordEncoder.query(algorithm: parsed.0, hash: parsed.1, hits: hits)))
            }
            if matched { throw ExitCode(ExitStatus.match) }
            if failed { throw ExitCode(ExitStatus.errors) }
        }
    }
}

/// Opens a compiled list or exits with the reason.
func openCompiled(_ path: String, residency: CompiledList.Residency = .mapped) throws -> CompiledList {
    do {
        return try ListLoader.openCompiled(path, residency: residency)
    } catch {
        throw listFailureExit(error)
    }
}

/// A list failure on stderr, as the exit status its kind calls for (66 unreadable, 65 malformed).
func listFailureExit(_ failure: ListLoader.Failure) -> ExitCode {
    for line in failure.messages { printError(line) }
    return ExitCode(failure.kind == .malformed ? ExitStatus.badInput : ExitStatus.cannotOpenInput)
}

/// Options for reading source lists, shared by `lists compile` and `scan`.
struct ImportFlags: ParsableArguments {
    @Option(name: .customLong("format"), help: "Source list format (default: detected from the content): \(ListFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: ListFormat?

    @Option(name: .customLong("vics-categories"), help: "VICS categories that become entries (default 1, the US profile's illegal category).")
    var vicsCategories: String?

    func options(strict: Bool) throws -> ListImportOptions {
        var options = ListImportOptions(format: format, strict: strict)
        if let vicsCategories {
            let values = vicsCategories.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !values.isEmpty else { throw ValidationError("--vics-categories takes numbers such as 1,2") }
            options.vicsCategories = .categories(Set(values))
        }
        return options
    }
}

extension ListFormat: ExpressibleByArgument {}

/// Imports a source list (any supported format), returning it with the SHA-256 of the file (provenance);
/// skipped records and notes go to stderr.
func loadSourceList(_ path: String, options: ListImportOptions) throws -> (ImportedList, String) {
    do {
        let (imported, warnings) = try ListLoader.importSource(path, options: options)
        for warning in warnings { printError(warning) }
        return (imported, ListLoader.fileSHA256(path) ?? "")
    } catch {
        throw listFailureExit(error)
    }
}
