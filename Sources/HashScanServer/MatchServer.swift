import Dispatch
import Foundation
import HashScanCore
import HashScanLists
import HashScanPipeline
import Hummingbird
import HummingbirdCore
import Synchronization

/// The HTTP match service (docs/api.md): routes, authentication, limits, hashing off the event loops, verdicts,
/// the audit log, metrics and list reloads. Request bodies live in memory only for the request: never written,
/// never logged.
package final class MatchServer: Sendable {
    package let configuration: ServerConfiguration
    package let store: MatcherStore
    package let authenticator: Authenticator
    let metrics = ServerMetrics()
    package let pool: HashingPool
    /// Batches of precomputed hashes are matched here, first come first served, off the cooperative pool (see
    /// `matchHashes`). Separate from `pool`, so a flood of uploads never delays or refuses a lookup.
    let lookupPool: HashingPool
    let deadlines = RequestDeadlines()
    let audit: AuditLog?
    let probes: ProbeDetector
    private let keysLoader: (@Sendable () throws -> [APIKey])?
    private let connections: ConnectionWrapper?
    private let reloadSteps: [ReloadStep]
    private let log: @Sendable (String) -> Void
    private let accepting = Mutex(true)

    /// Wraps each connection's HTTP/1 channel (in TLS, for instance).
    package typealias ConnectionWrapper = @Sendable (HTTP1Channel) -> any ServerChildChannel
    /// Something else a reload reads again (the TLS certificate): a message when it failed and the old one stays.
    package typealias ReloadStep = @Sendable () -> String?

    /// - Parameters:
    ///   - keysLoader: reads the keys file again on reload (nil: the keys never change).
    ///   - connections: wraps every connection (nil: plain HTTP).
    ///   - reloadSteps: run on every reload, before the keys and lists.
    ///   - log: operational messages (listening, reloads); never request content.
    package init(configuration: ServerConfiguration, store: MatcherStore, authenticator: Authenticator,
                 keysLoader: (@Sendable () throws -> [APIKey])? = nil, connections: ConnectionWrapper? = nil,
                 reloadSteps: [ReloadStep] = [], log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        self.configuration = configuration
        self.store = store
        self.authenticator = authenticator
        self.keysLoader = keysLoader
        self.connections = connections
        self.reloadSteps = reloadSteps
        self.log = log
        probes = ProbeDetector(policy: configuration.probes)
        audit = try configuration.auditPath.map { path throws(AuditLog.OpenError) in try AuditLog(path: path) }
        pool = HashingPool(workers: configuration.workers, maxQueued: configuration.maxQueuedJobs, imageOptions: configuration.image)
        lookupPool = HashingPool(workers: ScanOptions.coreCount, maxQueued: configuration.maxQueuedBatches, imageOptions: configuration.image)
    }

    deinit {
        pool.shutdown()
        lookupPool.shutdown()
    }

    // MARK: Running

    /// Serves until cancelled (or, with `handleSignals`, until SIGTERM/SIGINT; SIGHUP then reloads the lists and keys).
    /// `onListening` gets the bound host and port (useful with port 0).
    package func run(handleSignals: Bool = false, onListening: @escaping @Sendable (String, Int) -> Void = { _, _ in }) async throws {
        let router = makeRouter()
        let responder = ServiceResponder(inner: router.buildResponder(), metrics: metrics, routes: Self.routeTable(router),
                                         timeout: configuration.requestTimeout, deadlines: deadlines)
        let host = configuration.host
        let port = configuration.port
        let decoder = HTTP1Channel.Configuration.DecoderConfiguration(
            maxHeaderFieldSize: configuration.maxHeaderBytes, maxHeaderListSize: configuration.maxHeaderBytes,
            maxHeaderFieldCount: configuration.maxHeaderFields)
        let http = HTTP1Channel.Configuration(idleTimeout: .milliseconds(Int64(configuration.idleTimeout * 1000)),
                                              httpDecoderConfiguration: decoder)
        let server: HTTPServerBuilder
        if let connections {
            server = HTTPServerBuilder { responder in connections(HTTP1Channel(responder: responder, configuration: http)) }
        } else {
            server = .http1(configuration: http)
        }
        let app = Application(
            responder: responder,
            server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: "hashscan",
                                 availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections)),
            onServerRunning: { channel in onListening(host, channel.localAddress?.port ?? port) }
        )
        var hangup: (any DispatchSourceSignal)? = nil
        if handleSignals {
            signal(SIGHUP, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: DispatchQueue(label: "hashscan-serve-reload"))
            source.setEventHandler { [self] in _ = reload(reason: "SIGHUP") }
            source.resume()
            hangup = source
        }
        let watcher = configuration.watchPaths.isEmpty ? nil : Task { [self] in await watchLists() }
        defer {
            hangup?.cancel()
            watcher?.cancel()
            accepting.withLock { $0 = false }
            pool.shutdown()
            lookupPool.shutdown()
        }
        if handleSignals { try await app.runService() } else { try await app.run() }
    }

    /// Loads the keys (when a loader was given) and the lists again; the old ones stay on any failure.
    @discardableResult
    package func reload(reason: String) -> Result<LoadedLists, any Error> {
        for step in reloadSteps {
            if let failure = step() { log(failure) }
        }
        if let keysLoader {
            do {
                authenticator.replace(try keysLoader())
            } catch {
                log("keys: reload failed, keeping the previous keys: \(error)")
            }
        }
        let result = store.reload()
        switch result {
        case .success(let loaded):
            metrics.reload(succeeded: true)
            let names = loaded.lists.map { "\($0.name)\($0.version.map { " \($0)" } ?? "") (\($0.entries))" }.joined(separator: ", ")
            log("lists reloaded (\(reason)), generation \(loaded.generation): \(names)")
        case .failure(let error):
            metrics.reload(succeeded: false)
            log("lists: reload failed (\(reason)), keeping generation \(store.current.generation): \(error)")
        }
        return result
    }

    /// Polls the watched list files and reloads when one changed (size, mtime or inode).
    private func watchLists() async {
        var last = fingerprint()
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(Int64(configuration.watchInterval * 1000)))
            let now = fingerprint()
            if now != last {
                last = now
                await offloaded { [self] in _ = reload(reason: "list file changed") }
            }
        }
    }

    private func fingerprint() -> [String] {
        configuration.watchPaths.map { path in
            var info = stat()
            guard stat(path, &info) == 0 else { return "\(path):missing" }
            return "\(path):\(info.st_ino):\(info.st_size):\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
        }
    }

    // MARK: Routes

    /// Every route the service answers. docs/openapi.yaml documents exactly these (a test checks it).
    package func makeRouter() -> Router<ServiceContext> {
        let router = Router(context: ServiceContext.self)
        router.get("/healthz") { _, _ in Self.json(.ok, APIEncoder.status("ok")) }
        router.get("/readyz") { [self] _, _ in
            let loaded = store.current
            guard accepting.withLock({ $0 }) else { return Self.json(.serviceUnavailable, APIEncoder.status("stopping")) }
            return Self.json(.ok, APIEncoder.status("ready", generation: loaded.generation, lists: loaded.lists.count))
        }
        router.get("/metrics") { [self] request, context in
            _ = try authorize(request, context, .admin)
            let load = pool.load
            let text = metrics.render(lists: store.current, queued: load.queued, running: load.running)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/v1/lists") { [self] request, context in
            _ = try authorize(request, context, .match)
            return Self.json(.ok, APIEncoder.lists(store.current))
        }
        router.post("/v1/hash") { [self] request, context in try await hash(request, context) }
        router.post("/v1/match") { [self] request, context in try await matchUpload(request, context) }
        router.post("/v1/match/hashes") { [self] request, context in try await matchHashes(request, context) }
        router.post("/v1/admin/reload") { [self] request, context in
            _ = try authorize(request, context, .admin)
            let result = await offloaded { [self] in reload(reason: "admin request") }
            switch result {
            case .success(let loaded): return Self.json(.ok, APIEncoder.lists(loaded))
            case .failure(let error): throw APIError(.internalServerError, "reload_failed", "\(error); the previous lists stay in use")
            }
        }
        return router
    }

    /// Path → methods, from the router itself.
    package static func routeTable(_ router: Router<ServiceContext>) -> [String: Set<HTTPRequest.Method>] {
        router.routes.reduce(into: [:]) { $0[$1.path.description, default: []].insert($1.method) }
    }

    private func authorize(_ request: Request, _ context: ServiceContext, _ scope: Scope) throws(APIError) -> APIKey {
        try authenticator.authorize(request.headers[.authorization], scope: scope, client: context.clientAddress)
    }

    /// `POST /v1/hash`: the hashes of the body (`?algorithms=` or the configured default).
    private func hash(_ request: Request, _ context: ServiceContext) async throws -> Response {
        _ = try authorize(request, context, .hash)
        var algorithms = configuration.defaultHashAlgorithms
        // `?algorithms=` with no name is the default set, as if the parameter were absent; `+` is a space, as forms send it.
        if let query = request.uri.queryParameters["algorithms"],
           case let names = query.replacingOccurrences(of: "+", with: " ").split(separator: ",")
               .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: ","),
           !names.isEmpty {
            do {
                algorithms = Set(try HashAlgorithm.parseList(names))
            } catch {
                throw APIError.badRequest("unknown_algorithm", error.reason)
            }
        }
        let boundary = try MultipartBody.boundary(contentType: request.headers[.contentType] ?? "")
        let body = try await collectBody(request, context)
        let file = try await hashBody(body, multipartBoundary: boundary, algorithms: algorithms, deadline: context.deadline)
        if let imageError = file.imageError {
            metrics.decodeError(code: imageError.code.rawValue)
            throw Self.imageFailure(imageError, hashes: file.hashes)
        }
        return Self.json(.ok, APIEncoder.hashes(file, requestID: context.id))
    }

    /// `POST /v1/match`: hashes the body as a scan would (digests, and the perceptual hashes the lists need) and
    /// answers the verdict.
    private func matchUpload(_ request: Request, _ context: ServiceContext) async throws -> Response {
        let key = try authorize(request, context, .match)
        let boundary = try MultipartBody.boundary(contentType: request.headers[.contentType] ?? "")
        let body = try await collectBody(request, context)
        let lists = store.current
        // Every digest, and every hash the lists hold: the scan's rule (`AnalysisPlan`).
        let algorithms = AnalysisPlan(requested: HashAlgorithm.cryptographic, matcher: lists.matcher, image: configuration.image).algorithms
        let file = try await hashBody(body, multipartBoundary: boundary, algorithms: algorithms, deadline: context.deadline)
        let hits = VerdictMatching.match(file.hashes, matcher: lists.matcher, minimumPDQQuality: configuration.image.minimumPDQQuality,
                                         vpdqQueryPercent: configuration.image.vpdqQueryPercent,
                                         vpdqEntryPercent: configuration.image.vpdqEntryPercent)
        if let imageError = file.imageError {
            metrics.decodeError(code: imageError.code.rawValue)
            // A digest match is never hidden behind a decode failure; otherwise the verdict would be incomplete.
            if hits.isEmpty { throw Self.imageFailure(imageError, hashes: file.hashes) }
        }
        try record(hits, hashes: file.hashes, key: key, requestID: context.id, route: "/v1/match", itemID: nil)
        return Self.json(.ok, APIEncoder.verdict(hits, hashes: file.hashes, size: file.size, image: file.image, video: file.video,
                                                 imageError: file.imageError, requestID: context.id,
                                                 distances: key.scopes.contains(.matchDistance)))
    }

    /// `POST /v1/match/hashes`: verdicts for hashes computed elsewhere, one set or a batch.
    private func matchHashes(_ request: Request, _ context: ServiceContext) async throws -> Response {
        let key = try authorize(request, context, .match)
        let type = request.headers[.contentType]?.lowercased() ?? ""
        guard type.hasPrefix("application/json") else {
            throw APIError(.unsupportedMediaType, "unsupported_media_type", "send the hashes as application/json")
        }
        let body = try await collectBody(request, context)
        let parsed = try HashesRequest.parse(Array(body.readableBytesView), maxBatch: configuration.maxBatch)
        // Rate limits count items: a batch pays for each of its hashes (docs/api.md).
        authenticator.charge(key, items: parsed.items.count)
        let lists = store.current
        let minimum = configuration.image.minimumPDQQuality
        let match = { @Sendable (items: [HashesRequest.Item]) in
            items.map { item in
                (id: item.id, hashes: item.hashes, hits: VerdictMatching.match(item.hashes, matcher: lists.matcher, minimumPDQQuality: minimum))
            }
        }
        // One set is matched right here (a hop to another thread would cost more than it saves). A batch takes a
        // millisecond or more of CPU: on the cooperative threads, concurrent batches were answered out of turn
        // (p50 1.4 ms, p99 33 ms at 4 connections on 2 cores); a FIFO queue in front of dedicated threads
        // serves them in order.
        let items = parsed.items
        let verdicts = items.count == 1 ? match(items) : try await lookupPool.run(deadline: context.deadline) { _ in match(items) }
        for verdict in verdicts {
            try record(verdict.hits, hashes: verdict.hashes, key: key, requestID: context.id, route: "/v1/match/hashes", itemID: verdict.id)
        }
        if parsed.isBatch {
            return Self.json(.ok, APIEncoder.batch(verdicts.map { ($0.id, $0.hits) }, requestID: context.id,
                                                   distances: key.scopes.contains(.matchDistance)))
        }
        return Self.json(.ok, APIEncoder.verdict(verdicts[0].hits, hashes: verdicts[0].hashes, requestID: context.id,
                                                 distances: key.scopes.contains(.matchDistance)))
    }

    /// Counts the verdict, writes its audit line, and raises the probing alerts it completes. With `auditRequired`, a
    /// line that could not be written refuses the answer (503): no verdict leaves the service unaudited.
    private func record(_ hits: [ListHit], hashes: FileHashes, key: APIKey, requestID: String, route: String,
                        itemID: String?) throws(APIError) {
        metrics.verdict(lists: Set(hits.map(\.list)))
        let alerts = hits.isEmpty ? [] : probes.observe(keyID: key.id, hashes: hashes, hits: hits, now: Self.monotonicSeconds())
        for alert in alerts {
            metrics.probeAlert(keyID: alert.keyID)
            log("probing suspected: key \(alert.keyID) sent \(alert.queries) distinct hashes at the edge of \(alert.list) entry "
                + "\(alert.entry) (\(alert.algorithm.rawValue)) in \(Int(alert.seconds)) s")
        }
        guard let audit else { return }
        var lines = [APIEncoder.audit(time: Date(), requestID: requestID, keyID: key.id, route: route, itemID: itemID,
                                      hashes: hashes, hits: hits)]
        lines += alerts.map { APIEncoder.probeAudit(time: Date(), alert: $0) }
        for line in lines where !audit.append(line) {
            let reason = String(cString: strerror(errno))
            metrics.auditFailure()
            log("\(audit.path): cannot append to the audit log: \(reason)")
            if configuration.auditRequired {
                throw APIError(.serviceUnavailable, "audit_unavailable",
                               "the audit log cannot be written, and this service answers no verdict it has not audited")
            }
        }
    }

    static func monotonicSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    // MARK: Bodies and hashing

    /// The whole body, refused with 413 as soon as it is known to exceed the limit: from Content-Length before
    /// reading, or while it streams in.
    /// An expired deadline shuts the input, which ends the body early: the expiry is checked after the last chunk,
    /// so a body cut short is never hashed.
    private func collectBody(_ request: Request, _ context: ServiceContext) async throws -> ByteBuffer {
        let limit = configuration.maxBodyBytes
        let tooLarge = APIError(.contentTooLarge, "body_too_large", "the body is larger than the limit of \(limit) bytes")
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit { throw tooLarge }
        var collected = ByteBuffer()
        for try await chunk in request.body {
            guard collected.readableBytes + chunk.readableBytes <= limit else { throw tooLarge }
            if collected.readableBytes == 0 {
                collected = chunk
            } else {
                var chunk = chunk
                collected.writeBuffer(&chunk)
            }
        }
        if let deadline = context.deadline, deadline.isExpired { throw deadline.error }
        guard collected.readableBytes > 0 else { throw APIError.badRequest("empty_body", "the body is empty") }
        return collected
    }

    /// Hashes the body, or with a multipart boundary the file part in it (found on the worker: it is a scan of the
    /// whole body).
    private func hashBody(_ body: ByteBuffer, multipartBoundary: String?, algorithms: Set<HashAlgorithm>,
                          deadline: RequestDeadlines.Ticket?) async throws -> HashedFile {
        let result = try await pool.run(deadline: deadline) { hasher -> Result<HashedFile?, APIError> in
            body.withUnsafeReadableBytes { bytes in
                guard let multipartBoundary else { return .success(try? hasher.hash(bytes, algorithms: algorithms)) }
                do throws(APIError) {
                    let range = try MultipartBody.fileRange(in: bytes, boundary: multipartBoundary)
                    guard !range.isEmpty else { throw .badRequest("empty_body", "the uploaded file is empty") }
                    return .success(try? hasher.hash(UnsafeRawBufferPointer(rebasing: bytes[range]), algorithms: algorithms))
                } catch {
                    return .failure(error)
                }
            }
        }
        let file = try result.get()
        guard let file else { throw APIError(.internalServerError, "internal", "a digest is unavailable in this OpenSSL build") }
        return file
    }

    /// 422 with the decoder's code (`corrupt_image`, `unsupported_format`, `too_large`) and the digests computed.
    private static func imageFailure(_ error: ScanError, hashes: FileHashes) -> APIError {
        var failure = APIError(.unprocessableContent, error.code.rawValue, error.message)
        failure.hashes = APIEncoder.hashesObject(hashes)
        return failure
    }

    static func json(_ status: HTTPResponse.Status, _ bytes: [UInt8]) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// Runs blocking work (list loading) on a Dispatch thread, not the cooperative pool.
func offloaded<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: work()) }
    }
}
