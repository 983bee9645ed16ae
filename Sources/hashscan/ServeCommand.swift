import ArgumentParser
import Foundation
import HashScanCore
import HashScanHashing
import HashScanLists
import HashScanPipeline
import HashScanServer
import HashScanServerTLS
import Synchronization

/// `hashscan serve`: the HTTP match service (docs/api.md).
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve match verdicts over HTTP for uploads and precomputed hashes (docs/api.md).",
        discussion: """
            Answers POST /v1/match (the body is the file), POST /v1/match/hashes, POST /v1/hash, GET /v1/lists, \
            /healthz, /readyz and /metrics. SIGHUP (or POST /v1/admin/reload) reloads the lists and the keys file; \
            requests in flight finish on the lists they started with. SIGTERM/SIGINT stop it gracefully.
            """,
        subcommands: [ServeKeygenCommand.self]
    )

    @Option(name: .long, help: ArgumentHelp("A reference list file (repeatable).", valueName: "file"))
    var list: [String] = []

    @Option(name: .long, help: ArgumentHelp("Address to listen on, HOST:PORT (port 0 picks a free port, reported on stderr).", valueName: "host:port"))
    var listen: String = "127.0.0.1:8080"

    @Option(name: .long, help: ArgumentHelp("The API keys file: JSON Lines {id, sha256, scopes, rate_per_second} (docs/api.md).", valueName: "file"))
    var keys: String?

    @Option(name: .long, help: ArgumentHelp("Append one JSON line per verdict (time, request id, key id, hashes, matches) to this file.", valueName: "file"))
    var audit: String?

    @Option(name: .long, help: ArgumentHelp("Serve HTTPS with this PEM certificate chain (with --tls-key; both read again on SIGHUP).", valueName: "file"))
    var tlsCertificate: String?

    @Option(name: .long, help: ArgumentHelp("The PEM private key of --tls-certificate.", valueName: "file"))
    var tlsKey: String?

    @Flag(name: .long, help: "Answer no verdict that could not be written to the --audit log: 503 audit_unavailable instead.")
    var auditRequired = false

    @Option(name: .long, help: "Open connections at once; more wait to be accepted until one closes.")
    var maxConnections: Int = 1_024

    @Option(name: .long, help: ArgumentHelp("Seconds a connection may wait without a complete request head (before, between and during heads).", valueName: "seconds"))
    var idleTimeout: Double = 30

    @Option(name: .long, help: "Largest request head (request line and header fields) in bytes; at most 100 header fields.")
    var maxHeaderBytes: Int = 16 << 10

    @Option(name: .long, help: "Largest request body in bytes (413 beyond it, counted while the body streams in).")
    var maxBodyBytes: Int = 32 << 20

    @Option(name: .long, help: "Most items in one /v1/match/hashes batch.")
    var maxBatch: Int = 1_000

    @Option(name: .long, help: ArgumentHelp("Requests a second allowed from one client address without a valid key (then 429).", valueName: "n"))
    var unauthenticatedRate: Double = 10

    @Option(name: .long, help: ArgumentHelp(
        "Distinct hashes one key may send at the edge of one list entry's match radius before a probing alert (metric and audit event; 0: off).",
        valueName: "n"))
    var probeQueries: Int = 16

    @Option(name: .long, help: ArgumentHelp("The window those hashes are counted in.", valueName: "seconds"))
    var probeWindow: Double = 600

    @Option(name: .long, help: "Threads that hash and decode uploads (default: the number of cores).")
    var workers: Int?

    @Option(name: .long, help: "Uploads waiting for a worker before the service answers 503.")
    var maxQueued: Int = 64

    @Option(name: .long, help: "/v1/match/hashes batches waiting for a lookup thread before the service answers 503 (one set of hashes never waits).")
    var maxQueuedBatches: Int = 256

    @Option(name: .long, help: "Seconds to answer a request, body upload included (408 beyond it).")
    var requestTimeout: Double = 30

    @Option(name: .long, help: ArgumentHelp("Poll the list files every N seconds and reload when one changed (0: only on SIGHUP).", valueName: "seconds"))
    var watchLists: Double = 0

    /// On by default for the service, unlike `scan`: in an upload path the latency tail matters more than the
    /// seconds and memory the copy costs at start and on each reload (docs/performance.md, issue 6).
    @Flag(name: .long, inversion: .prefixedNo,
          help: "Copy compiled lists' PDQ index tables into (huge-page) memory at start and on reload (--no-resident-lists: read them in place from the mapped files).")
    var residentLists = true

    @OptionGroup(title: "Source lists") var importing: ImportFlags
    @OptionGroup(title: "Images") var images: ImageOptions

    func validate() throws {
        guard maxBodyBytes > 0, maxBatch > 0, maxQueued > 0, maxQueuedBatches > 0, unauthenticatedRate > 0 else { throw ValidationError("limits must be positive") }
        if let workers, workers < 1 || workers > 1024 { throw ValidationError("--workers must be between 1 and 1024") }
        guard requestTimeout > 0 else { throw ValidationError("--request-timeout must be positive") }
        guard maxConnections > 0, idleTimeout > 0, maxHeaderBytes >= 1_024 else {
            throw ValidationError("--max-connections and --idle-timeout must be positive, --max-header-bytes at least 1024")
        }
        if (tlsCertificate == nil) != (tlsKey == nil) { throw ValidationError("--tls-certificate and --tls-key go together") }
        if auditRequired && audit == nil { throw ValidationError("--audit-required needs --audit FILE") }
        guard probeQueries >= 0, probeWindow > 0 else { throw ValidationError("--probe-queries must be 0 or more, --probe-window positive") }
        guard watchLists >= 0 else { throw ValidationError("--watch-lists must be 0 or more seconds") }
        guard parseListen(listen) != nil else { throw ValidationError("--listen takes HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080") }
    }

    mutating func run() throws {
        guard !list.isEmpty else { throw ValidationError("name at least one --list") }
        guard let (host, port) = parseListen(listen) else { throw ValidationError("--listen takes HOST:PORT") }
        guard let keysPath = keys else { throw ValidationError("name the API keys file with --keys FILE (make keys with 'hashscan serve keygen')") }
        let initialKeys: [APIKey]
        do {
            initialKeys = try KeysFile.load(path: keysPath)
        } catch {
            printError("\(keysPath): \(error)")
            throw ExitCode(FileManager.default.isReadableFile(atPath: keysPath) ? ExitStatus.badInput : ExitStatus.cannotOpenInput)
        }

        let paths = list
        let importOptions = try importing.options(strict: true)
        let residency: CompiledList.Residency = residentLists ? .resident : .mapped
        let store: MatcherStore
        do {
            store = try MatcherStore(paths: paths, options: importOptions, residency: residency, log: { printError($0) })
        } catch let failure as ListLoader.Failure {
            throw listFailureExit(failure)
        }

        var scanOptions = ScanOptions(algorithms: [])
        images.apply(to: &scanOptions, algorithms: [])
        var configuration = ServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.maxBodyBytes = maxBodyBytes
        configuration.auditRequired = auditRequired
        configuration.maxConnections = maxConnections
        configuration.idleTimeout = idleTimeout
        configuration.maxHeaderBytes = maxHeaderBytes
        configuration.probes.queries = probeQueries
        configuration.probes.window = probeWindow
        configuration.maxBatch = maxBatch
        configuration.workers = workers ?? ScanOptions.coreCount
        configuration.maxQueuedJobs = maxQueued
        configuration.maxQueuedBatches = maxQueuedBatches
        configuration.requestTimeout = requestTimeout
        configuration.image = scanOptions.image
        // A video decode never outlives its request: the worker is free again when the client has its 408.
        configuration.image.videoLimits.maxSeconds = min(configuration.image.videoLimits.maxSeconds, requestTimeout)
        configuration.auditPath = audit
        if watchLists > 0 {
            configuration.watchPaths = paths
            configuration.watchInterval = watchLists
        }

        var tls: ReloadableTLS? = nil
        if let tlsCertificate, let tlsKey {
            do {
                tls = try ReloadableTLS(certificatePath: tlsCertificate, keyPath: tlsKey)
            } catch {
                printError("\(error)")
                throw ExitCode(ExitStatus.cannotOpenInput)
            }
        }
        var connections: MatchServer.ConnectionWrapper? = nil
        var reloadSteps: [MatchServer.ReloadStep] = []
        if let tls {
            connections = { channel in tls.wrap(channel) }
            reloadSteps = [{ Self.reloadCertificate(tls) }]
        }
        let server: MatchServer
        do {
            server = try MatchServer(
                configuration: configuration, store: store,
                authenticator: Authenticator(keys: initialKeys, unauthenticatedRate: unauthenticatedRate),
                keysLoader: { try KeysFile.load(path: keysPath) }, connections: connections, reloadSteps: reloadSteps,
                log: { printError($0) })
        } catch {
            printError("\(error)")
            throw ExitCode(ExitStatus.cannotOpenInput)
        }
        let loaded = store.current
        printError("loaded \(loaded.lists.count) lists: " + loaded.lists.map { "\($0.name) (\($0.entries) entries)" }.joined(separator: ", "))

        signal(SIGPIPE, SIG_IGN)
        let scheme = tls == nil ? "http" : "https"
        let failure = ServeFailure()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                try await server.run(handleSignals: true) { host, port in
                    let shown = host.contains(":") ? "[\(host)]" : host
                    printError("listening on \(scheme)://\(shown):\(port)")
                }
            } catch {
                failure.set("cannot serve on \(host):\(port): \(error)")
            }
            done.signal()
        }
        done.wait()
        if let message = failure.message {
            printError(message)
            throw ExitCode(ExitStatus.software)
        }
    }

    /// The certificate and key read again; a message when they could not be (the previous ones stay).
    static func reloadCertificate(_ tls: ReloadableTLS) -> String? {
        do {
            try tls.reload()
            return nil
        } catch {
            return "tls: reload failed, keeping the previous certificate: \(error)"
        }
    }
}

/// Why the server stopped with an error, handed from its task to the command.
private final class ServeFailure: Sendable {
    private let value = Mutex<String?>(nil)
    func set(_ message: String) { value.withLock { $0 = message } }
    var message: String? { value.withLock { $0 } }
}

/// `HOST:PORT`, or `[IPv6]:PORT`.
func parseListen(_ text: String) -> (String, Int)? {
    guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
    var host = String(text[..<colon])
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    return host.isEmpty ? nil : (host, port)
}

/// `hashscan serve keygen`: makes a key, prints it once on stdout, and appends only its SHA-256 to the keys file.
struct ServeKeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make an API key: print it once, and append its SHA-256 (never the key) to the keys file."
    )

    @Option(name: .long, help: "The key's id, as it appears in the audit log.")
    var id: String

    @Option(name: .long, help: "Comma-separated scopes: hash, match, match:distance (verdicts with distances: trusted callers only), admin.")
    var scopes: String = "match"

    @Option(name: .long, help: "Items per second allowed for this key (a batch counts each item; 429 beyond it).")
    var rate: Double = 1_000

    @Flag(name: .long, help: "No rate limit for this key (a trusted internal caller).")
    var noRateLimit = false

    /// `--keys FILE` is the parent's option (`serve keygen --keys FILE`, the file `serve --keys` reads): ArgumentParser
    /// gives a parent's options to the parent wherever they stand, so keygen reads it from there.
    @ParentCommand var serve: ServeCommand

    @Option(name: .customLong("keys-file"), help: ArgumentHelp("An alias of --keys: the keys file to append to (created if missing).", valueName: "file"))
    var keysFile: String?

    mutating func run() throws {
        guard let keys = keysFile ?? serve.keys else {
            throw ValidationError("name the keys file to append to with --keys FILE (created if missing)")
        }
        var scopeSet = Set<Scope>()
        for name in scopes.split(separator: ",") {
            guard let scope = Scope(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("unknown scope '\(name)' (\(Scope.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            scopeSet.insert(scope)
        }
        guard !scopeSet.isEmpty else { throw ValidationError("--scopes names no scope") }
        guard rate > 0 else { throw ValidationError("--rate must be positive") }
        guard !id.isEmpty else { throw ValidationError("--id must not be empty") }
        if FileManager.default.fileExists(atPath: keys), let existing = try? KeysFile.load(path: keys), existing.contains(where: { $0.id == id }) {
            throw ValidationError("\(keys) already has a key with id '\(id)'")
        }
        var generator = SystemRandomNumberGenerator()
        let secret = "hsk_" + Hex.encode((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        let digester = try MultiDigester(algorithms: [.sha256])
        let sha256 = Array(secret.utf8).withUnsafeBytes { digester.digests(of: $0)[.sha256]!.bytes }
        let line = KeysFile.line(for: APIKey(id: id, sha256: sha256, scopes: scopeSet, ratePerSecond: noRateLimit ? nil : rate)) + "\n"
        let descriptor = open(keys, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            printError("\(keys): cannot write: \(String(cString: strerror(errno)))")
            throw ExitCode(ExitStatus.cannotCreateOutput)
        }
        defer { close(descriptor) }
        let written = Array(line.utf8).withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.utf8.count, fsync(descriptor) == 0 else {
            printError("\(keys): cannot write: \(String(cString: strerror(errno)))")
            throw ExitCode(ExitStatus.ioError)
        }
        print(secret)
    }
}
