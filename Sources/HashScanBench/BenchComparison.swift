import Foundation

/// An earlier `--json` result, read loosely (only what ratios need), so results of older or newer schema
/// versions still compare.
package struct BenchBaseline: Sendable {
    struct Figure: Sendable, Hashable {
        let stage: String
        let jobs: Int
        let figure: String
    }

    let path: String
    let values: [Figure: Double]
    let hashscanVersion: String?
    let cpuModel: String?
    let cores: Int?
    let date: String?

    /// Reads and checks the file: `cannotOpen` when it cannot be read, `malformed` when it is not a bench result.
    package init(path: String) throws(BenchError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
            throw BenchError(.cannotOpen, "\(path): cannot read: \(reason)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw BenchError(.malformed, "\(path): not a JSON object (expected the output of hashscan bench --json)")
        }
        guard object["type"] as? String == "bench", let stages = object["stages"] as? [[String: Any]] else {
            throw BenchError(.malformed, "\(path): not a hashscan bench result (no \"type\":\"bench\" with \"stages\")")
        }
        var values: [Figure: Double] = [:]
        for (index, stage) in stages.enumerated() {
            guard let name = stage["stage"] as? String, let jobs = stage["jobs"] as? Int,
                  let figures = stage["figures"] as? [String: Any] else {
                throw BenchError(.malformed, "\(path): stage \(index + 1) lacks a stage name, jobs or figures")
            }
            for (figure, value) in figures {
                guard let number = value as? Double, number.isFinite else {
                    throw BenchError(.malformed, "\(path): stage \(name) figure \(figure) is not a number")
                }
                values[Figure(stage: name, jobs: jobs, figure: figure)] = number
            }
        }
        self.path = path
        self.values = values
        hashscanVersion = object["hashscan_version"] as? String
        let machine = object["machine"] as? [String: Any]
        cpuModel = machine?["cpu_model"] as? String
        cores = machine?["cores"] as? Int
        date = object["date"] as? String
    }

    /// new / old for every figure both results have, in the new result's order.
    package func compare(_ report: BenchReport) -> Comparison {
        var ratios: [Comparison.Ratio] = []
        for stage in report.stages {
            for figure in BenchTable.figureOrder(stage.figures.keys) {
                guard let new = stage.figures[figure], let old = values[Figure(stage: stage.stage, jobs: stage.jobs, figure: figure)] else { continue }
                ratios.append(Comparison.Ratio(stage: stage.stage, jobs: stage.jobs, figure: figure, old: old, new: new,
                                               ratio: old > 0 ? new / old : 0))
            }
        }
        return Comparison(file: path, oldHashscanVersion: hashscanVersion, oldCPUModel: cpuModel, oldCores: cores, oldDate: date, ratios: ratios)
    }
}
