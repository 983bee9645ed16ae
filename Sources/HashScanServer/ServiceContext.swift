import Hummingbird

/// The per-request context: Hummingbird's core storage (logger, request id, parameters), nothing more.
package struct ServiceContext: RequestContext, Sendable {
    package var coreContext: CoreRequestContextStorage

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
