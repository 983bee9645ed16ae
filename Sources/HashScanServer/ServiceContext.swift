import Hummingbird

/// The per-request context: Hummingbird's core storage (logger, request id, parameters) and the request's deadline.
package struct ServiceContext: RequestContext, Sendable {
    package var coreContext: CoreRequestContextStorage
    /// Shuts the connection's input, so a body still uploading ends (what an expired deadline does).
    let stopInput: @Sendable () -> Void
    /// Set by `ServiceResponder` for every request it routes.
    var deadline: RequestDeadlines.Ticket?

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        let channel = source.channel
        stopInput = { channel.close(mode: .input, promise: nil) }
    }
}
