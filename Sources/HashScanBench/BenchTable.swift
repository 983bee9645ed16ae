import Foundation

/// The readable form of a report: facts first, then one row per stage and figure, one column per job count.
package enum BenchTable {
    package static func render(_ report: BenchReport) -> String {
        var out = "hashscan \(report.hashscanVersion) bench, \(report.date)\n"
        let m = report.machine
        let flags = m.cpuFlags.keys.sorted().map { m.cpuFlags[$0]! ? $0 : "no \($0)" }.joined(separator: ", ")
        out += "machine    \(m.cpuModel) (\(flags)); \(m.cores) cores; \(bytes(m.memoryBytes, binary: true)); \(m.os)\n"
        let l = report.libraries
        out += "libraries  \(["openssl", "libjpeg_turbo", "libpng", "libwebp"].map { "\($0.replacingOccurrences(of: "_", with: "-")) \(l[$0] ?? "?")" }.joined(separator: "; "))\n"
        let c = report.corpus
        let images = c.images.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        var corpus = c.source == "synthetic"
            ? "synthetic, \(bytes(c.requestedBytes ?? 0)) requested from seed \(c.seed ?? 0) (removed afterwards)"
            : "\(c.path ?? "?") (read only)"
        corpus += ": \(group(c.files)) files, \(bytes(c.bytes)); images: \(images.isEmpty ? "none" : images); on \(c.fileSystem)"
        if c.unreadableFiles > 0 { corpus += "; \(group(c.unreadableFiles)) unreadable (left out)" }
        if c.notSampledFiles > 0 { corpus += "; \(group(c.notSampledFiles)) more not sampled" }
        out += "corpus     \(corpus)\n"
        let s = report.lists
        let entries = s.entries.sorted { $0.key < $1.key }.map { "\(group($0.value)) \($0.key)" }.joined(separator: " + ")
        out += "lists      \(s.generated ? "generated (random, removed afterwards)" : s.names.joined(separator: ", ")): "
            + "\(entries.isEmpty ? "\(group(s.totalEntries)) entries" : entries)\(s.pdqRadius.map { "; PDQ radius \($0)" } ?? "")\n"
        out += "timing     \(String(format: "%g", report.secondsPerStage)) s per stage and job count; figures are totals over the jobs; "
            + "cores busy = CPU seconds per second\n\n"

        let jobs = report.jobs
        var rows: [[String]] = [["stage", "figure"] + jobs.map { "\($0) job\($0 == 1 ? "" : "s")" } + (jobs.count > 1 ? ["\(jobs.last!) vs 1"] : [])]
        var names: [String] = []
        for stage in report.stages where !names.contains(stage.stage) { names.append(stage.stage) }
        for name in names {
            let results = report.stages.filter { $0.stage == name }
            let figures = figureOrder(Set(results.flatMap(\.figures.keys)))
            for (index, figure) in figures.enumerated() {
                var row = [index == 0 ? label(name, report) : "", figureLabel(figure)]
                var values: [Double?] = []
                for count in jobs {
                    let value = results.first { $0.jobs == count }?.figures[figure]
                    values.append(value)
                    row.append(value.map(number) ?? "-")
                }
                if jobs.count > 1 {
                    if let first = values.first ?? nil, let last = values.last ?? nil, first > 0 {
                        row.append(String(format: "%.2fx", last / first))
                    } else {
                        row.append("-")
                    }
                }
                rows.append(row)
            }
            // CPU the process used per wall second: well under the job count means neighbours had the cores.
            rows.append(["", "cores busy"] + jobs.map { count in
                results.first { $0.jobs == count }.map { String(format: "%.2f", $0.seconds > 0 ? $0.cpuSeconds / $0.seconds : 0) } ?? "-"
            } + (jobs.count > 1 ? [""] : []))
            let failures = results.map(\.failures).max() ?? 0
            if failures > 0 { rows.append(["", "(\(group(failures)) failed, left out)"] + Array(repeating: "", count: rows[0].count - 2)) }
        }
        out += layout(rows, rightAlignedFrom: 2)

        if let comparison = report.comparison {
            out += "\ncompared with \(comparison.file)"
            let old = [comparison.oldHashscanVersion.map { "hashscan \($0)" }, comparison.oldCPUModel,
                       comparison.oldCores.map { "\($0) cores" }, comparison.oldDate].compactMap { $0 }
            out += old.isEmpty ? ":\n" : " (\(old.joined(separator: ", "))):\n"
            var table: [[String]] = [["stage", "figure", "jobs", "old", "new", "new/old"]]
            for ratio in comparison.ratios {
                table.append([label(ratio.stage, report), figureLabel(ratio.figure), "\(ratio.jobs)", number(ratio.old), number(ratio.new),
                              String(format: "%.2f", ratio.ratio)])
            }
            out += table.count > 1 ? layout(table, rightAlignedFrom: 2) : "no figure in common\n"
        }
        return out
    }

    static let figures = ["mb_per_second", "files_per_second", "images_per_second", "megapixels_per_second", "queries_per_second"]

    static func figureOrder<S: Sequence<String>>(_ names: S) -> [String] {
        let present = Set(names)
        return figures.filter(present.contains) + present.subtracting(figures).sorted()
    }

    static func figureLabel(_ figure: String) -> String {
        switch figure {
        case "mb_per_second": "MB/s"
        case "files_per_second": "files/s"
        case "images_per_second": "images/s"
        case "megapixels_per_second": "MP/s"
        case "queries_per_second": "queries/s"
        default: figure
        }
    }

    static func label(_ stage: String, _ report: BenchReport) -> String {
        let parts = stage.split(separator: ".").map(String.init)
        switch (parts.first ?? "", parts.count) {
        case ("read", _): return report.corpus.fileSystem == "tmpfs" ? "read (tmpfs: in memory)" : "read (caches dropped)"
        case ("digest", 2):
            return ["md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256", "trio": "MD5+SHA-1+SHA-256, one pass"][parts[1]] ?? parts[1]
        case ("image", 3):
            return parts[1] + ["decode": " decode", "pdq": " decode + PDQ", "phash": " decode + pHash"][parts[2], default: " " + parts[2]]
        case ("lookup", 2):
            if parts[1] == "pdq" { return "PDQ lookups" + (report.lists.pdqRadius.map { ", radius \($0)" } ?? "") }
            return parts[1] == "sha256" ? "SHA-256 lookups" : parts[1] + " lookups"
        case ("scan", _): return "scan pipeline"
        default: return stage
        }
    }

    /// Three significant figures or whole units, with thousands separators.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        if value >= 100 { return group(Int(value.rounded())) }
        return String(format: value >= 10 ? "%.1f" : "%.2f", value)
    }

    static func group(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return value < 0 ? "-" + out : out
    }

    static func bytes(_ count: Int, binary: Bool = false) -> String {
        let units = binary ? ["B", "KiB", "MiB", "GiB", "TiB"] : ["B", "kB", "MB", "GB", "TB"]
        let step = binary ? 1024.0 : 1000.0
        var value = Double(count)
        var unit = 0
        while value >= step && unit < units.count - 1 { value /= step; unit += 1 }
        return unit == 0 ? "\(count) B" : String(format: value >= 100 ? "%.0f" : "%.1f", value) + " " + units[unit]
    }

    private static func layout(_ rows: [[String]], rightAlignedFrom: Int) -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                return i >= rightAlignedFrom ? pad + cell : cell + pad
            }.joined(separator: "  ").replacingOccurrences(of: " +$", with: "", options: .regularExpression)
        }.joined(separator: "\n") + "\n"
    }
}
