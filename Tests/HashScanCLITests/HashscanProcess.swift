import Foundation
import Testing

/// Runs the built `hashscan` binary in a child process and captures stdout, stderr and the exit status separately.
struct HashscanProcess {
    struct Outcome {
        let status: Int32
        let stdout: Data
        let stderr: String
        fileprivate let parsed = ParsedRecords()

        /// Each stdout line parsed as a JSON object. Any non-empty line that is not one fails the test (once per
        /// outcome, quoting the line): a command whose stdout is not JSON Lines (`serve keygen`'s key, `lists info`
        /// and `bench` reports, `status` without `--json`) is read through `stdout`, never through `records`.
        var records: [[String: Any]] { parsed.records(of: stdout) }

        func records(ofType type: String) -> [[String: Any]] { records.filter { $0["type"] as? String == type } }
        var summary: [String: Any]? { records(ofType: "summary").last }
    }

    /// The binary SwiftPM built next to this test bundle.
    static var binary: URL {
        if let override = ProcessInfo.processInfo.environment["HASHSCAN_BIN"] { return URL(fileURLWithPath: override) }
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for directory in [here, here.deletingLastPathComponent()] {
            let candidate = directory.appendingPathComponent("hashscan")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/hashscan")
    }

    /// Runs with a deadline, so a scan that hangs (e.g. on a FIFO) fails the test instead of stalling CI. Five minutes:
    /// a debug build decoding every frame of a video on a loaded 2-core machine took over two.
    /// `environment` adds to (or overrides) this process's variables.
    static func run(_ arguments: [String], in directory: URL, stdin: Data? = nil, timeout: TimeInterval = 300,
                    environment: [String: String] = [:]) throws -> Outcome {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let output = Pipe(), errors = Pipe(), input = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input
        try process.run()
        let collected = Collected()
        let readers = DispatchGroup()
        for (pipe, isOutput) in [(output, true), (errors, false)] {
            readers.enter()
            DispatchQueue.global().async {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                collected.store(data, isOutput: isOutput)
                readers.leave()
            }
        }
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        let timedOut = process.isRunning
        if timedOut { process.terminate() }
        process.waitUntilExit()
        readers.wait()
        #expect(!timedOut, "hashscan \(arguments.joined(separator: " ")) did not finish within \(timeout) s")
        return Outcome(status: process.terminationStatus, stdout: collected.output, stderr: String(decoding: collected.errors, as: UTF8.self))
    }

    /// `Outcome.records`, parsed (and checked) once however often a test reads them.
    fileprivate final class ParsedRecords: @unchecked Sendable {
        private let lock = NSLock()
        private var cached: [[String: Any]]? = nil
        func records(of stdout: Data) -> [[String: Any]] {
            lock.lock()
            defer { lock.unlock() }
            if let cached { return cached }
            let parsed = jsonObjectLines(stdout, source: "hashscan's stdout")
            cached = parsed
            return parsed
        }
    }

    private final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var output = Data()
        private(set) var errors = Data()
        func store(_ data: Data, isOutput: Bool) {
            lock.lock()
            if isOutput { output = data } else { errors = data }
            lock.unlock()
        }
    }
}

/// A fresh temporary directory per test, removed afterwards.
final class TemporaryTree {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("hashscan-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    @discardableResult
    func write(_ relativePath: String, _ contents: Data) throws -> URL {
        let file = url.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: file)
        return file
    }

    func write(_ relativePath: String, _ text: String) throws { try write(relativePath, Data(text.utf8)) }
}

/// Deterministic pseudo-random bytes (SplitMix64), so generated files are the same on every machine.
func seededBytes(count: Int, seed: UInt64) -> Data {
    var generator = SeededGenerator(seed: seed)
    var data = Data(capacity: count)
    while data.count < count {
        withUnsafeBytes(of: generator.next().littleEndian) { data.append(contentsOf: $0.prefix(count - data.count)) }
    }
    return data
}

/// The JSON objects of `data`, one a line (JSON Lines, as hashscan writes its records). Any non-empty line that
/// is not a JSON object fails the test with its number and its text (cut to 200 characters): output that is not
/// JSON Lines can never pass for output with fewer records.
func jsonObjectLines(_ data: Data, source: String, sourceLocation: SourceLocation = #_sourceLocation) -> [[String: Any]] {
    var objects: [[String: Any]] = []
    let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
    for (index, line) in lines.enumerated() where !line.isEmpty {
        if let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] {
            objects.append(object)
        } else {
            let shown = line.count > 200 ? "\(line.prefix(200))… (\(line.count) characters)" : String(line)
            Issue.record("\(source), line \(index + 1), is not a JSON object: \(shown)", sourceLocation: sourceLocation)
        }
    }
    return objects
}

/// SplitMix64 as a `RandomNumberGenerator`, for a test's random choices (kill points, ...): from a seed the test
/// prints (see `testSeed`), so a failure can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The seed of `test`'s random choices: HASHSCAN_TEST_SEED when it is set (to replay a failed run), otherwise a
/// fresh one. Printed either way, so the log of a failure says how to replay it.
func testSeed(_ test: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> UInt64 {
    let seed: UInt64
    if let text = ProcessInfo.processInfo.environment["HASHSCAN_TEST_SEED"] {
        seed = try #require(UInt64(text), "HASHSCAN_TEST_SEED=\(text) is not an unsigned 64-bit integer", sourceLocation: sourceLocation)
    } else {
        var fresh = SystemRandomNumberGenerator()
        seed = fresh.next()
    }
    print("\(test): seed \(seed) (replay: HASHSCAN_TEST_SEED=\(seed) swift test --filter \(test))")
    return seed
}

/// Runs a coreutils digest tool and returns the hex digest of each file, in order. A missing or failing tool
/// fails the test saying so (the tests compare against GNU coreutils' md5sum, sha1sum and sha256sum).
func coreutilsDigests(_ tool: String, files: [URL], sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool, "--"] + files.map(\.path)
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0,
                 "\(tool) exited with \(process.terminationStatus)\(process.terminationStatus == 127 ? " (not installed: the tests need GNU coreutils)" : "")",
                 sourceLocation: sourceLocation)
    let digests = String(decoding: data, as: UTF8.self).split(separator: "\n").map { String($0.prefix { $0 != " " }) }
    try #require(digests.count == files.count && digests.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isHexDigit) },
                 "\(tool) printed no digest for every file: \(String(decoding: data, as: UTF8.self).prefix(300))",
                 sourceLocation: sourceLocation)
    return digests
}
