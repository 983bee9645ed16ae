import HashScanPipeline

/// One bench run's result: the machine facts and every stage's figures. Written as one JSON object
/// (`--json`, `json`), read back with `JSONDecoder` (`--from`); `schema` grows additively.
package struct BenchReport: Decodable, Sendable {
    package var type = "bench"
    package var schema = 1
    package var hashscanVersion: String
    /// When the run started (UTC, ISO 8601).
    package var date: String
    package var machine: MachineFacts
    /// Library name to version string.
    package var libraries: [String: String]
    package var corpus: CorpusFacts
    package var lists: ListFacts
    /// Seconds each stage ran at each job count.
    package var secondsPerStage: Double
    /// The job counts measured: 1, 2, 4, ... up to the maximum.
    package var jobs: [Int]
    package var stages: [StageResult]
    /// Filled by `--compare`.
    package var comparison: Comparison?

    enum CodingKeys: String, CodingKey {
        case type, schema, date, machine, libraries, corpus, lists, jobs, stages, comparison
        case hashscanVersion = "hashscan_version"
        case secondsPerStage = "seconds_per_stage"
    }
}

package struct MachineFacts: Decodable, Sendable {
    package var cpuModel: String
    /// Instruction-set extensions that change hashscan's speed, as /proc/cpuinfo names them.
    package var cpuFlags: [String: Bool]
    package var cores: Int
    package var memoryBytes: Int
    package var os: String

    enum CodingKeys: String, CodingKey {
        case cores, os
        case cpuModel = "cpu_model"
        case cpuFlags = "cpu_flags"
        case memoryBytes = "memory_bytes"
    }
}

package struct CorpusFacts: Decodable, Sendable {
    /// `synthetic` or `directory`.
    package var source: String
    /// The directory measured (only for `directory`: a synthetic corpus lives in a removed temporary folder).
    package var path: String?
    package var seed: UInt64?
    package var requestedBytes: Int?
    package var files: Int
    package var bytes: Int
    /// Image files by format (from their first bytes).
    package var images: [String: Int]
    /// Files that could not be opened or read: counted, left out of every stage.
    package var unreadableFiles: Int
    /// Regular files beyond the sample's budget, not measured.
    package var notSampledFiles: Int
    package var fileSystem: String

    enum CodingKeys: String, CodingKey {
        case source, path, seed, files, bytes, images
        case requestedBytes = "requested_bytes"
        case unreadableFiles = "unreadable_files"
        case notSampledFiles = "not_sampled_files"
        case fileSystem = "file_system"
    }
}

package struct ListFacts: Decodable, Sendable {
    /// Whether the lists were generated for the run (random entries, removed afterwards).
    package var generated: Bool
    package var names: [String]
    package var totalEntries: Int
    /// Entries by algorithm, over the compiled lists.
    package var entries: [String: Int]
    /// The PDQ match radius the lookups used.
    package var pdqRadius: Int?

    enum CodingKeys: String, CodingKey {
        case generated, names, entries
        case pdqRadius = "pdq_radius"
        case totalEntries = "total_entries"
    }
}

/// One stage at one job count.
package struct StageResult: Decodable, Sendable {
    /// e.g. `read`, `digest.sha256`, `image.jpeg.pdq`, `lookup.pdq`, `scan`.
    package var stage: String
    package var jobs: Int
    package var seconds: Double
    /// CPU seconds of the whole process during the stage: cpu / (seconds x jobs) near 1 means the jobs had their cores.
    package var cpuSeconds: Double
    /// Figure name (`mb_per_second`, `files_per_second`, `images_per_second`, `megapixels_per_second`,
    /// `queries_per_second`) to value, totals over all jobs.
    package var figures: [String: Double]
    /// Units that failed (e.g. images that did not decode), left out of the figures.
    package var failures: Int

    enum CodingKeys: String, CodingKey {
        case stage, jobs, seconds, figures, failures
        case cpuSeconds = "cpu_seconds"
    }
}

/// Ratios new / old against an earlier `--json` result.
package struct Comparison: Decodable, Sendable {
    package struct Ratio: Decodable, Sendable {
        package var stage: String
        package var jobs: Int
        package var figure: String
        package var old: Double
        package var new: Double
        package var ratio: Double
    }

    package var file: String
    package var oldHashscanVersion: String?
    package var oldCPUModel: String?
    package var oldCores: Int?
    package var oldDate: String?
    package var ratios: [Ratio]

    enum CodingKeys: String, CodingKey {
        case file, ratios
        case oldHashscanVersion = "old_hashscan_version"
        case oldCPUModel = "old_cpu_model"
        case oldCores = "old_cores"
        case oldDate = "old_date"
    }
}

extension BenchReport {
    /// The `--json` object, one line; keys sorted at every level (as this output always had them), figures with
    /// every digit they have; the optional facts are left out when absent.
    package var json: [UInt8] {
        var json = JSONLineBuilder()
        json.beginObject()
        if let comparison {
            json.key("comparison")
            json.beginObject()
            json.field("file", comparison.file)
            json.field("old_cores", ifPresent: comparison.oldCores)
            json.field("old_cpu_model", ifPresent: comparison.oldCPUModel)
            json.field("old_date", ifPresent: comparison.oldDate)
            json.field("old_hashscan_version", ifPresent: comparison.oldHashscanVersion)
            json.key("ratios")
            json.beginArray()
            for ratio in comparison.ratios {
                json.beginObject()
                json.field("figure", ratio.figure)
                json.field("jobs", ratio.jobs)
                json.field("new", ratio.new, decimals: nil)
                json.field("old", ratio.old, decimals: nil)
                json.field("ratio", ratio.ratio, decimals: nil)
                json.field("stage", ratio.stage)
                json.endObject()
            }
            json.endArray()
            json.endObject()
        }
        json.key("corpus")
        json.beginObject()
        json.field("bytes", corpus.bytes)
        json.field("file_system", corpus.fileSystem)
        json.field("files", corpus.files)
        json.key("images")
        Self.sorted(corpus.images, to: &json) { $0.number($1) }
        json.field("not_sampled_files", corpus.notSampledFiles)
        json.field("path", ifPresent: corpus.path)
        json.field("requested_bytes", ifPresent: corpus.requestedBytes)
        json.field("seed", ifPresent: corpus.seed)
        json.field("source", corpus.source)
        json.field("unreadable_files", corpus.unreadableFiles)
        json.endObject()
        json.field("date", date)
        json.field("hashscan_version", hashscanVersion)
        json.key("jobs")
        json.beginArray()
        for count in jobs { json.number(count) }
        json.endArray()
        json.key("libraries")
        Self.sorted(libraries, to: &json) { $0.string($1) }
        json.key("lists")
        json.beginObject()
        json.key("entries")
        Self.sorted(lists.entries, to: &json) { $0.number($1) }
        json.field("generated", lists.generated)
        json.key("names")
        json.strings(lists.names)
        json.field("pdq_radius", ifPresent: lists.pdqRadius)
        json.field("total_entries", lists.totalEntries)
        json.endObject()
        json.key("machine")
        json.beginObject()
        json.field("cores", machine.cores)
        json.key("cpu_flags")
        Self.sorted(machine.cpuFlags, to: &json) { $0.bool($1) }
        json.field("cpu_model", machine.cpuModel)
        json.field("memory_bytes", machine.memoryBytes)
        json.field("os", machine.os)
        json.endObject()
        json.field("schema", schema)
        json.field("seconds_per_stage", secondsPerStage, decimals: nil)
        json.key("stages")
        json.beginArray()
        for stage in stages {
            json.beginObject()
            json.field("cpu_seconds", stage.cpuSeconds, decimals: nil)
            json.field("failures", stage.failures)
            json.key("figures")
            Self.sorted(stage.figures, to: &json) { $0.double($1, decimals: nil) }
            json.field("jobs", stage.jobs)
            json.field("seconds", stage.seconds, decimals: nil)
            json.field("stage", stage.stage)
            json.endObject()
        }
        json.endArray()
        json.field("type", type)
        json.endObject()
        json.finishLine()
        return json.bytes
    }

    /// A name-to-value object, names sorted.
    private static func sorted<Value>(_ values: [String: Value], to json: inout JSONLineBuilder,
                                      _ write: (inout JSONLineBuilder, Value) -> Void) {
        json.beginObject()
        for name in values.keys.sorted() {
            json.dynamicKey(name)
            write(&json, values[name]!)
        }
        json.endObject()
    }
}
