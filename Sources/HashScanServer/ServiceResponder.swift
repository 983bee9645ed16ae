import Foundation
import Hummingbird

/// Wraps the router: every request gets a request id header, a deadline, a JSON error for unknown paths or methods,
/// and is counted in the metrics by route and status.
struct ServiceResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == ServiceContext {
    typealias Context = ServiceContext

    let inner: Inner
    let metrics: ServerMetrics
    /// Route path → methods, as registered.
    let routes: [String: Set<HTTPRequest.Method>]
    let timeout: Double

    func respond(to request: Request, context: ServiceContext) async throws -> Response {
        let started = ContinuousClock.now
        let path = request.uri.path
        let route = routes[path] != nil ? path : "unmatched"
        var response: Response
        do {
            guard let methods = routes[path] else {
                throw APIError(.notFound, "not_found", "no such endpoint: \(path)")
            }
            guard methods.contains(request.method) else {
                var error = APIError(.methodNotAllowed, "method_not_allowed", "\(path) accepts \(methods.map(\.rawValue).sorted().joined(separator: ", "))")
                error.headers[.allow] = methods.map(\.rawValue).sorted().joined(separator: ", ")
                throw error
            }
            response = try await withDeadline(seconds: timeout) { [inner] in
                try await inner.respond(to: request, context: context)
            }
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch {
            response = try APIError(.internalServerError, "internal", "the request could not be answered").response(from: request, context: context)
        }
        response.headers[.init("X-Request-Id")!] = context.id
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        metrics.record(route: route, status: response.status.code, seconds: seconds)
        return response
    }
}

/// Runs `operation`, answering 408 `request_timeout` if it has not finished within `seconds` (it is cancelled).
func withDeadline<T: Sendable>(seconds: Double, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            throw APIError(.requestTimeout, "request_timeout", "the request was not answered within \(seconds) s")
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
