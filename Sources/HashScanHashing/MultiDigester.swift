internal import CHashScanOpenSSL
import HashScanCore

/// Computes MD5, SHA-1 and SHA-256 (any subset) of one stream in a single pass through OpenSSL EVP.
///
/// Algorithms are fetched once and contexts reused across messages: per-message set-up then costs
/// a fraction of a microsecond, which matters on millions of small files. Not thread-safe: one per worker.
public final class MultiDigester {
    public let algorithms: [HashAlgorithm]
    private let methods: [OpaquePointer]
    private let contexts: [OpaquePointer]

    public struct SetupError: Error, CustomStringConvertible {
        public let description: String
    }

    /// - Parameter algorithms: cryptographic algorithms only; perceptual ones are rejected.
    public init(algorithms: [HashAlgorithm]) throws(SetupError) {
        var methods: [OpaquePointer] = []
        var contexts: [OpaquePointer] = []
        let wanted = HashAlgorithm.cryptographic.filter(algorithms.contains)
        for algorithm in wanted {
            let name = switch algorithm {
            case .md5: "MD5"
            case .sha1: "SHA1"
            default: "SHA256"
            }
            guard let method = EVP_MD_fetch(nil, name, nil), let context = EVP_MD_CTX_new() else {
                methods.forEach { EVP_MD_free($0) }
                contexts.forEach { EVP_MD_CTX_free($0) }
                throw SetupError(description: "OpenSSL has no \(name) digest available")
            }
            methods.append(method)
            contexts.append(context)
        }
        self.algorithms = wanted
        self.methods = methods
        self.contexts = contexts
        reset()
    }

    deinit {
        contexts.forEach { EVP_MD_CTX_free($0) }
        methods.forEach { EVP_MD_free($0) }
    }

    /// Starts a new message.
    public func reset() {
        for (context, method) in zip(contexts, methods) {
            EVP_DigestInit_ex2(context, method, nil)
        }
    }

    /// Feeds the next chunk to every digest. Chunks of a few hundred KiB stay in cache across the three passes.
    public func update(_ chunk: UnsafeRawBufferPointer) {
        guard let base = chunk.baseAddress, chunk.count > 0 else { return }
        for context in contexts {
            EVP_DigestUpdate(context, base, chunk.count)
        }
    }

    /// Finishes the message and returns its digests; call `reset()` before the next one.
    public func finish() -> [HashAlgorithm: Digest] {
        var result: [HashAlgorithm: Digest] = [:]
        result.reserveCapacity(contexts.count)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Int(EVP_MAX_MD_SIZE)) { output in
            for (algorithm, context) in zip(algorithms, contexts) {
                var length: UInt32 = 0
                EVP_DigestFinal_ex(context, output.baseAddress, &length)
                result[algorithm] = Digest(UnsafeRawBufferPointer(start: output.baseAddress, count: Int(length)))
            }
        }
        return result
    }

    /// Digests of one in-memory buffer.
    public func digests(of bytes: UnsafeRawBufferPointer) -> [HashAlgorithm: Digest] {
        reset()
        update(bytes)
        let result = finish()
        reset()
        return result
    }

    /// The OpenSSL version string this build runs against, for benchmark and bug reports.
    public static var openSSLVersion: String {
        String(cString: OpenSSL_version(numericCast(OPENSSL_VERSION)))
    }
}
