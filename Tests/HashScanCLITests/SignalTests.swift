import Foundation
import Testing

@Suite("SIGINT and SIGTERM stop a scan in order")
struct SignalTests {
    /// Starts a scan reading paths from a pipe that stays open, feeds `paths`, waits for `expectedLines`
    /// records, sends `signal`, and returns exit status and records.
    private func interrupted(_ tree: TemporaryTree, paths: [String], expectedLines: Int, signal: Int32) throws -> (Int32, [[String: Any]]) {
        let process = Process()
        process.executableURL = HashscanProcess.binary
        process.arguments = ["scan", "--stdin", "--list", "list.txt", "--state", "state.db", "--all"]
        process.currentDirectoryURL = tree.url
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data(paths.map { $0 + "\n" }.joined().utf8))
        // Read on another thread, so a scan that never writes cannot block the test past its deadline.
        let collector = Collector()
        let reading = DispatchGroup()
        reading.enter()
        DispatchQueue.global().async {
            while true {
                let data = output.fileHandleForReading.availableData
                if data.isEmpty { break }
                collector.append(data)
            }
            reading.leave()
        }
        let deadline = Date().addingTimeInterval(30)
        while collector.lines < expectedLines && Date() < deadline { usleep(10_000) }
        kill(process.processIdentifier, signal)
        let stopDeadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < stopDeadline { usleep(20_000) }
        let stoppedInTime = !process.isRunning
        if !stoppedInTime { process.terminate(); try? input.fileHandleForWriting.close() }
        process.waitUntilExit()
        _ = reading.wait(timeout: .now() + 10)
        let collected = collector.data
        #expect(stoppedInTime, "the scan did not stop on signal \(signal)")
        // A scan stopped by a signal still ends every record it began: a broken line fails the test.
        let records = jsonObjectLines(collected, source: "the stdout of a scan stopped by signal \(signal)")
        return (process.terminationStatus, records)
    }

    @Test("SIGTERM after a match: exit 1, the match is kept, the summary says interrupted")
    func termAfterMatch() throws {
        let tree = try TemporaryTree()
        let file = try tree.write("a.bin", seededBytes(count: 500, seed: 4))
        try tree.write("list.txt", "sha256:\(try coreutilsDigests("sha256sum", files: [file])[0]),HIT\n")
        let (status, records) = try interrupted(tree, paths: ["a.bin"], expectedLines: 1, signal: SIGTERM)
        #expect(status == 1)
        #expect(records.filter { $0["type"] as? String == "match" }.count == 1)
        let summary = try #require(records.last)
        #expect(summary["type"] as? String == "summary")
        #expect(summary["interrupted"] as? Bool == true)
        #expect(summary["complete"] as? Bool == false)
    }

    @Test("SIGINT with nothing matched: exit 130, and the state keeps what was hashed")
    func intWithoutMatch() throws {
        let tree = try TemporaryTree()
        try tree.write("b.bin", seededBytes(count: 700, seed: 5))
        try tree.write("list.txt", "md5:00000000000000000000000000000000\n")
        let (status, records) = try interrupted(tree, paths: ["b.bin"], expectedLines: 1, signal: SIGINT)
        #expect(status == 130)
        #expect(records.last?["interrupted"] as? Bool == true)
        // The resumed run reads nothing already recorded.
        let resumed = try HashscanProcess.run(["scan", "b.bin", "--list", "list.txt", "--state", "state.db", "--incremental"], in: tree.url)
        #expect(resumed.summary?["files_reused"] as? Int == 1)
    }

    private final class Collector: @unchecked Sendable {
        private let lock = NSLock()
        private var buffer = Data()
        func append(_ data: Data) { lock.lock(); buffer.append(data); lock.unlock() }
        var data: Data { lock.lock(); defer { lock.unlock() }; return buffer }
        var lines: Int { data.filter { $0 == UInt8(ascii: "\n") }.count }
    }
}
