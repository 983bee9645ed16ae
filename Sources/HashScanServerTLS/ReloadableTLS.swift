import HummingbirdCore
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// TLS for the match service from a certificate chain and a private key in PEM files, read again on every reload
/// (SIGHUP, `POST /v1/admin/reload`): a renewed certificate takes effect for new connections without a restart,
/// and a reload that cannot read or use the files keeps the certificate in use. TLS 1.2 at least.
package final class ReloadableTLS: Sendable {
    package struct Failure: Error, CustomStringConvertible {
        package let description: String
    }

    package let certificatePath: String
    package let keyPath: String
    private let context: Mutex<NIOSSLContext>

    package init(certificatePath: String, keyPath: String) throws(Failure) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        context = Mutex(try Self.makeContext(certificatePath: certificatePath, keyPath: keyPath))
    }

    /// Reads the files again; on failure the previous certificate stays and the error says why.
    package func reload() throws(Failure) {
        let fresh = try Self.makeContext(certificatePath: certificatePath, keyPath: keyPath)
        context.withLock { $0 = fresh }
    }

    var current: NIOSSLContext { context.withLock { $0 } }

    private static func makeContext(certificatePath: String, keyPath: String) throws(Failure) -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw Failure(description: "\(certificatePath): cannot read a PEM certificate chain: \(error)")
        }
        guard !chain.isEmpty else { throw Failure(description: "\(certificatePath): no certificate in the file") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw Failure(description: "\(keyPath): cannot read a PEM private key: \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) },
                                                                     privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw Failure(description: "\(certificatePath), \(keyPath): the certificate and key cannot be used together: \(error)")
        }
    }

    /// Wraps each connection's HTTP/1 channel in TLS with the certificate current when the connection opens.
    package func wrap(_ base: HTTP1Channel) -> any ServerChildChannel {
        TLSConnection(base: base, tls: self)
    }
}

/// One connection: the TLS handler first, then the HTTP/1 pipeline.
private struct TLSConnection<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let tls: ReloadableTLS

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let context = tls.current
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
        }.flatMap {
            base.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
