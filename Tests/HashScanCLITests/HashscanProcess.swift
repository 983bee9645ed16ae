import Foundation
import Testing

/// Runs the built `hashscan` binary in a child process and captures stdout, stderr and the exit status separately.
struct HashscanProcess {
    struct Outcome {
        let status: Int32
        let stdout: Data
        let stderr: String

        /// Each stdout line parsed as a JSON object.
        var records: [[String: Any]] {
            String(decoding: stdout, as: UTF8.self).split(separator: "\n").compactMap { line in
                try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            }
        }

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

    /// Runs with a deadline, so a scan that hangs (e.g. on a FIFO) fails the test instead of stalling CI.
    /// `environment` adds to (or overrides) this process's variables.
    static func run(_ arguments: [String], in directory: URL, stdin: Data? = nil, timeout: TimeInterval = 120,
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
    var state = seed
    var data = Data(capacity: count)
    while data.count < count {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        withUnsafeBytes(of: z.littleEndian) { data.append(contentsOf: $0.prefix(count - data.count)) }
    }
    return data
}

/// Runs a coreutils digest tool and returns the hex digest of each file, in order.
func coreutilsDigests(_ tool: String, files: [URL]) throws -> [String] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool, "--"] + files.map(\.path)
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(tool) failed")
    return String(decoding: data, as: UTF8.self).split(separator: "\n").map { String($0.prefix { $0 != " " }) }
}
