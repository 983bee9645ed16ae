import Foundation

/// A small HTTP/1.1 client over a loopback socket, with full control of what is sent: declared or chunked bodies,
/// and bodies larger than the server accepts (sending stops as soon as the server answers). Runs the blocking
/// socket calls on a Dispatch thread so the server in the same process keeps its threads.
enum LoopbackClient {
    struct Answer: Sendable {
        let status: Int
        let headers: [String: String]
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]) ?? [:] }
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func send(port: Int, _ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8]? = nil,
                     chunked: Bool = false, timeout: Double = 60) async throws -> Answer {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try sendBlocking(port: port, method, path, headers: headers, body: body, chunked: chunked, timeout: timeout) })
            }
        }
    }

    static func sendBlocking(port: Int, _ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8]? = nil,
                             chunked: Bool = false, timeout: Double = 60) throws -> Answer {
        let fd = try connectLoopback(port: port)
        defer { close(fd) }
        var time = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))

        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body {
            head += chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: \(body.count)\r\n"
        }
        head += "\r\n"
        var sending = writeAll(fd, Array(head.utf8))
        if let body, sending {
            var offset = 0
            while offset < body.count && sending {
                // Stop as soon as the server has answered (e.g. 413 part-way through).
                if readable(fd) { sending = false; break }
                let end = min(body.count, offset + 16_384)
                var piece = Array(body[offset..<end])
                if chunked { piece = Array((String(piece.count, radix: 16) + "\r\n").utf8) + piece + Array("\r\n".utf8) }
                sending = writeAll(fd, piece)
                offset = end
            }
            if chunked && sending { _ = writeAll(fd, Array("0\r\n\r\n".utf8)) }
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count > 0 {
                received.append(contentsOf: buffer[0..<count])
                if isComplete(received) { break }
                continue
            }
            if count < 0 && errno == EINTR { continue }
            break
        }
        return try parse(received)
    }

    /// A TCP connection to 127.0.0.1:`port`, as a descriptor the caller closes.
    static func connectLoopback(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw Failure(description: "connect to port \(port): errno \(errno)")
        }
        return fd
    }

    /// Whether a response with a Content-Length has arrived whole (the server may keep the connection open).
    private static func isComplete(_ bytes: [UInt8]) -> Bool {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else { return false }
        let head = String(decoding: bytes[..<end], as: UTF8.self).lowercased()
        guard let line = head.components(separatedBy: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
              let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) else { return false }
        return bytes.count - (end + 4) >= length
    }

    private static func readable(_ fd: Int32) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) > 0
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }

    private static func parse(_ bytes: [UInt8]) throws -> Answer {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else {
            throw Failure(description: "no complete response (\(bytes.count) bytes)")
        }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw Failure(description: "bad status line \(lines[0])") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(bytes[(end + 4)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            var decoded: [UInt8] = []
            var index = 0
            while let lineEnd = (index..<max(index, body.count - 1)).first(where: { body[$0] == 13 && body[$0 + 1] == 10 }),
                  let size = Int(String(decoding: body[index..<lineEnd], as: UTF8.self), radix: 16), size > 0 {
                decoded.append(contentsOf: body[(lineEnd + 2)..<min(body.count, lineEnd + 2 + size)])
                index = lineEnd + 2 + size + 2
            }
            body = decoded
        } else if let length = headers["content-length"].flatMap(Int.init), length <= body.count {
            body = Array(body[0..<length])
        }
        return Answer(status: status, headers: headers, body: body)
    }
}

/// One raw loopback connection, for what a well-behaved client never does: heads that trickle in, heads too large,
/// connections held open doing nothing.
final class RawConnection: Sendable {
    private let fd: Int32

    init(port: Int) throws { fd = try LoopbackClient.connectLoopback(port: port) }

    deinit { close(fd) }

    /// False once the peer has gone (EPIPE, ECONNRESET).
    @discardableResult
    func send(_ text: String) -> Bool { LoopbackClient.writeAll(fd, Array(text.utf8)) }

    enum Reading: Equatable {
        case bytes([UInt8])
        case nothingYet
        case closed
    }

    /// What arrives within `seconds`: bytes, nothing, or the end of the connection. The wait happens on a Dispatch
    /// thread: blocking a cooperative thread could starve the server under test, which answers on that pool.
    func read(within seconds: Double) async -> Reading {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: self.readBlocking(within: seconds)) }
        }
    }

    private func readBlocking(within seconds: Double) -> Reading {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, Int32(seconds * 1000)) > 0 else { return .nothingYet }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = Glibc.read(fd, &buffer, buffer.count)
        return count > 0 ? .bytes(Array(buffer[0..<count])) : .closed
    }
}
