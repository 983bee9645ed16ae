import Foundation
import HashScanCore
import HashScanLists
import HashScanServer
import Synchronization
import Testing

/// Keys used by the tests: the secrets are written here; the server only ever sees their SHA-256.
enum TestKeys {
    static let match = "match-key-0001"
    static let hash = "hash-key-0002"
    static let admin = "admin-key-0003"
    static let slow = "slow-key-0004"
    /// Trusted with distances (`match:distance`).
    static let distance = "distance-key-0005"

    static let file = """
        # test keys (SHA-256 of the secrets above, as `printf %s KEY | sha256sum` prints them; GNU coreutils 9.1)
        {"id":"uploader","sha256":"4b62025d77107a64f8ee6fd5463c9dbf8480e7824bbe74d800a92eba56082ff5","scopes":["match"]}
        {"id":"hasher","sha256":"284e40f909b21ea642a54a593b8bb563d5c17c9fe868be34fd970077e10bd567","scopes":["hash"]}

        {"id":"ops","sha256":"261561ff68150a54824d7c4dcaf4133080102ce9d246cfa22eda429706e72810","scopes":["admin","match","hash"]}
        {"id":"slow","sha256":"4efe29e6f942a90d68d9875adac5d1c254fe908cc1b0e85f9158ca74a7e1df85","scopes":["match"],"rate_per_second":2}
        {"id":"analyst","sha256":"bbc8a28e73ed151eb6fc285b457284324ad78421d0418f98c9233eafe539c752","scopes":["match:distance"]}
        """

    static func bearer(_ key: String) -> [String: String] { ["Authorization": "Bearer \(key)"] }
}

/// A match service on a free loopback port in this process, with lists that a test can change and reload.
final class TestServer: Sendable {
    let server: MatchServer
    let port: Int
    private let task: Task<Void, any Error>
    private let lists: Locked<[HashList]>

    /// What a test wires into the server besides its configuration (TLS, reload steps, the log).
    struct Wiring {
        var connections: MatchServer.ConnectionWrapper? = nil
        var reloadSteps: [MatchServer.ReloadStep] = []
        var log: @Sendable (String) -> Void = { _ in }
    }

    static func start(_ lists: [HashList], wiring: Wiring = Wiring(),
                      configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> TestServer {
        let holder = Locked(lists)
        let store = try MatcherStore {
            holder.withLock { $0 }.map { list in
                LoadedList(matcher: InMemoryListMatcher(lists: [list]), name: list.name, version: list.version, entries: list.entries.count)
            }
        }
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.workers = 2
        configure(&configuration)
        let server = try MatchServer(configuration: configuration, store: store,
                                     authenticator: Authenticator(keys: try KeysFile.parse(TestKeys.file)),
                                     connections: wiring.connections, reloadSteps: wiring.reloadSteps, log: wiring.log)
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let task = Task {
            defer { continuation.finish() }
            try await server.run { _, port in continuation.yield(port) }
        }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else {
            _ = await task.result
            throw LoopbackClient.Failure(description: "the server did not start")
        }
        return TestServer(server: server, port: port, task: task, lists: holder)
    }

    private init(server: MatchServer, port: Int, task: Task<Void, any Error>, lists: Locked<[HashList]>) {
        self.server = server
        self.port = port
        self.task = task
        self.lists = lists
    }

    /// Replaces the lists the next reload loads.
    func setLists(_ lists: [HashList]) { self.lists.withLock { $0 = lists } }

    func stop() async {
        task.cancel()
        _ = await task.result
    }

    func send(_ method: String, _ path: String, key: String? = nil, headers: [String: String] = [:], body: [UInt8]? = nil,
              chunked: Bool = false) async throws -> LoopbackClient.Answer {
        var all = headers
        if let key { all["Authorization"] = "Bearer \(key)" }
        return try await LoopbackClient.send(port: port, method, path, headers: all, body: body, chunked: chunked)
    }

    /// POSTs JSON to `/v1/match/hashes`.
    func matchHashes(_ json: String, key: String = TestKeys.match) async throws -> LoopbackClient.Answer {
        try await send("POST", "/v1/match/hashes", key: key, headers: ["Content-Type": "application/json"], body: Array(json.utf8))
    }
}

/// Repository files (the bundled synthetic demo images and list).
enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func bytes(_ relativePath: String) throws -> [UInt8] {
        Array(try Data(contentsOf: root.appendingPathComponent(relativePath)))
    }

    /// The demo list's PDQ of demo/images/scene-a.jpg (hashlists/demo/demo-list.txt, DEMO-0004; scripts/demo checks
    /// it matches at 0). Source: PyPI `pdqhash` 0.2.8 (Meta's C++ pdqhashing core) on Pillow 13.0.0's RGB decode of
    /// the 640x480 file, nearest-neighbour resized to 512x512 as CImg does (output i reads source floor(i * side / 512)),
    /// i.e. the reference `pdq-photo-hasher` convention; quality 100 there. The full-size convention gives a hash 2 bits away.
    static let sceneAPDQ = "bd97a11ba412350f405233ab4ad252e312527263b239ae6f853da555974bef7c"
}

/// A list in memory.
func makeList(_ name: String, version: String? = "2026-11-29", _ entries: [(HashAlgorithm, String, String)]) -> HashList {
    HashList(name: name, version: version, entries: entries.enumerated().map { index, entry in
        ListEntry(algorithm: entry.0, hash: Digest(hex: entry.1)!, entryID: entry.2, line: index + 1, category: "A1")
    })
}

/// Runs a coreutils digest tool (`sha256sum`, `md5sum`, `sha1sum`) on bytes given on standard input.
func coreutilsDigest(_ tool: String, _ bytes: [UInt8]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool]
    let input = Pipe(), output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    input.fileHandleForWriting.write(Data(bytes))
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    // A missing tool fails the test saying so, rather than comparing against an empty string.
    try #require(process.terminationStatus == 0,
                 "\(tool) exited with \(process.terminationStatus)\(process.terminationStatus == 127 ? " (not installed: the tests need GNU coreutils)" : "")")
    let digest = String(String(decoding: data, as: UTF8.self).prefix { $0 != " " })
    try #require(!digest.isEmpty && digest.allSatisfy(\.isHexDigit), "\(tool) printed no digest: \(String(decoding: data, as: UTF8.self))")
    return digest
}

/// A 24-bit BMP of a synthetic scene (gradients and a disc), built here byte by byte: no image file is committed.
func syntheticBMP(width: Int = 160, height: Int = 120, shift: Int = 0) -> [UInt8] {
    let rowBytes = (width * 3 + 3) & ~3
    let pixelBytes = rowBytes * height
    var bytes: [UInt8] = Array("BM".utf8)
    func le32(_ value: Int) { withUnsafeBytes(of: UInt32(value).littleEndian) { bytes.append(contentsOf: $0) } }
    func le16(_ value: Int) { withUnsafeBytes(of: UInt16(value).littleEndian) { bytes.append(contentsOf: $0) } }
    le32(54 + pixelBytes); le32(0); le32(54)
    le32(40); le32(width); le32(height); le16(1); le16(24); le32(0); le32(pixelBytes); le32(2835); le32(2835); le32(0); le32(0)
    for row in 0..<height {
        let y = height - 1 - row  // bottom-up
        var line: [UInt8] = []
        for x in 0..<width {
            let inDisc = (x - 60 - shift) * (x - 60 - shift) + (y - 50) * (y - 50) < 900
            let r = inDisc ? 230 : x * 255 / (width - 1)
            let g = inDisc ? 40 : y * 255 / (height - 1)
            let b = ((x / 20 + y / 15) % 2) * 120 + 60
            line.append(contentsOf: [UInt8(b), UInt8(g), UInt8(r)])
        }
        line.append(contentsOf: [UInt8](repeating: 0, count: rowBytes - width * 3))
        bytes.append(contentsOf: line)
    }
    return bytes
}

/// A value shared between tasks and threads (a `Mutex` in a class, so closures can capture it).
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<T: Sendable>(_ body: (inout Value) -> T) -> T { mutex.withLock { body(&$0) } }
}
