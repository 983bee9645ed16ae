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
    let deadlines: RequestDeadlines

    func respond(to request: Request, context: ServiceContext) async throws -> Response {
        let started = ContinuousClock.now
        let path = request.uri.path
        let route = routes[path] != nil ? path : "unmatched"
        var response: Response
        var ticket: RequestDeadlines.Ticket? = nil
        defer { if let ticket { deadlines.end(ticket) } }
        do {
            guard let methods = routes[path] else {
                throw APIError(.notFound, "not_found", "no such endpoint: \(path)")
            }
            guard methods.contains(request.method) else {
                var error = APIError(.methodNotAllowed, "method_not_allowed", "\(path) accepts \(methods.map(\.rawValue).sorted().joined(separator: ", "))")
                error.headers[.allow] = methods.map(\.rawValue).sorted().joined(separator: ", ")
                throw error
            }
            let started = deadlines.begin(seconds: timeout, stopInput: context.stopInput)
            ticket = started
            var context = context
            context.deadline = started
            response = try await inner.respond(to: request, context: context)
        } catch where ticket?.isExpired == true {
            // Whatever the handler saw when its wait was cut short (a short body, a cancelled job), the answer is 408.
            response = try ticket!.error.response(from: request, context: context)
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
