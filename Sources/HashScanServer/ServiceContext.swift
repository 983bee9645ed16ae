import Hummingbird

/// The per-request context: Hummingbird's core storage (logger, request id, parameters) and the request's deadline.
package struct ServiceContext: RequestContext, Sendable {
    package var coreContext: CoreRequestContextStorage
    /// Shuts the connection's input, so a body still uploading ends (what an expired deadline does).
    let stopInput: @Sendable () -> Void
    /// Set by `ServiceResponder` for every request it routes.
    var deadline: RequestDeadlines.Ticket?
    /// The peer's IP address, for the limit on requests without a valid key.
    let clientAddress: String

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        let channel = source.channel
        clientAddress = channel.remoteAddress?.ipAddress ?? "unknown"
        stopInput = { channel.close(mode: .input, promise: nil) }
    }
}
