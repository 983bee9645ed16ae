import HashScanPipeline
import Hummingbird

/// A request that cannot be answered, as a value: an HTTP status, a stable `code` and a human message, sent as
/// `{"error":{"code":…,"message":…}}`. Codes are listed in docs/api.md.
package struct APIError: Error, HTTPResponseError, Equatable {
    package let status: HTTPResponse.Status
    package let code: String
    package let message: String
    /// Extra response headers (e.g. `Retry-After`, `WWW-Authenticate`).
    package var headers: HTTPFields = [:]
    /// The hashes computed before the failure (e.g. the digests of an image that could not be decoded).
    package var hashes: [UInt8]? = nil

    package init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    package func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The response body.
    package var body: [UInt8] {
        var json = JSONLineBuilder()
        json.beginObject()
        RecordEncoder.appendError("error", code: code, message: message, to: &json)
        if let hashes {
            json.key("hashes")
            json.rawJSON(String(decoding: hashes, as: UTF8.self))
        }
        json.endObject()
        json.finishLine()
        return json.bytes
    }

    static func badRequest(_ code: String, _ message: String) -> APIError { APIError(.badRequest, code, message) }
}
