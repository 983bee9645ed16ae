#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file inside a `multipart/form-data` upload (RFC 7578), as the byte range of its content in the body: the
/// part named `file`, or else the only part with a filename. Other fields (a caption, a form token) are ignored;
/// their values are never read into a string, let alone logged.
package enum MultipartBody {
    /// The boundary from a `multipart/form-data` content type; nil when the type is not multipart at all.
    package static func boundary(contentType: String) throws(APIError) -> String? {
        let parameters = contentType.split(separator: ";").map { $0.trimmingASCIIWhitespace }
        guard let type = parameters.first, type.lowercased().hasPrefix("multipart/") else { return nil }
        guard type.lowercased() == "multipart/form-data" else {
            throw APIError(.unsupportedMediaType, "unsupported_media_type", "of multipart bodies only multipart/form-data is accepted")
        }
        for parameter in parameters.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingASCIIWhitespace }
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            var value = Substring(pair[1])
            if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
            // RFC 2046: 1 to 70 characters; a longer one is refused rather than searched for.
            guard (1...70).contains(value.utf8.count), value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
                throw .badRequest("malformed_multipart", "the multipart boundary must be 1 to 70 printable characters")
            }
            return String(value)
        }
        throw .badRequest("malformed_multipart", "multipart/form-data without a boundary parameter")
    }

    /// The content range of the uploaded file.
    package static func fileRange(in body: UnsafeRawBufferPointer, boundary: String) throws(APIError) -> Range<Int> {
        let delimiter = Array("--\(boundary)".utf8)
        guard body.count >= delimiter.count, var position = find(delimiter, in: body, from: 0) else {
            throw .badRequest("malformed_multipart", "the body holds no multipart boundary")
        }
        // The first delimiter starts the body or a line; later ones are "\r\n--boundary".
        guard position == 0 || (position >= 2 && body[position - 2] == 0x0D && body[position - 1] == 0x0A) else {
            throw .badRequest("malformed_multipart", "the first multipart boundary does not start a line")
        }
        let separator = [0x0D, 0x0A] + delimiter
        var named: Range<Int>? = nil
        var withFilename: [Range<Int>] = []
        var parts = 0
        while true {
            position += delimiter.count
            // "--" after a delimiter closes the body.
            if position + 1 < body.count, body[position] == 0x2D, body[position + 1] == 0x2D { break }
            guard let lineEnd = find([0x0D, 0x0A], in: body, from: position) else {
                throw .badRequest("malformed_multipart", "a multipart boundary line does not end")
            }
            guard let headersEnd = find([0x0D, 0x0A, 0x0D, 0x0A], in: body, from: lineEnd) else {
                throw .badRequest("malformed_multipart", "a multipart part has no end of headers")
            }
            let headers = UnsafeRawBufferPointer(rebasing: body[(lineEnd + 2)..<(headersEnd + 2)])
            let contentStart = headersEnd + 4
            guard let next = find(separator, in: body, from: contentStart) else {
                throw .badRequest("malformed_multipart", "a multipart part is not closed by a boundary (truncated body?)")
            }
            let content = contentStart..<max(contentStart, next)
            parts += 1
            guard parts <= 1_000 else { throw .badRequest("malformed_multipart", "more than 1,000 multipart parts") }
            let disposition = Self.disposition(headers)
            if disposition.name == "file" {
                guard named == nil else { throw .badRequest("ambiguous_multipart", "two multipart parts are named 'file'") }
                named = content
            } else if disposition.hasFilename {
                withFilename.append(content)
            }
            position = next + 2
        }
        if let named { return named }
        guard withFilename.count == 1 else {
            throw .badRequest(withFilename.isEmpty ? "no_file_part" : "ambiguous_multipart",
                              withFilename.isEmpty ? "no multipart part named 'file' or with a filename"
                                                   : "\(withFilename.count) multipart parts carry a filename; name the one to match 'file'")
        }
        return withFilename[0]
    }

    /// The `name` of a part's Content-Disposition and whether it has a `filename` (headers are ASCII; a header
    /// line over 8 KiB is not looked at).
    private static func disposition(_ headers: UnsafeRawBufferPointer) -> (name: String?, hasFilename: Bool) {
        var name: String? = nil, hasFilename = false
        for line in headers.split(separator: 0x0A) where line.count < 8192 {
            let text = String(decoding: line, as: UTF8.self)
            guard text.lowercased().hasPrefix("content-disposition:") else { continue }
            for parameter in text.split(separator: ";").dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingASCIIWhitespace }
                guard pair.count == 2 else { continue }
                var value = Substring(pair[1])
                if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
                switch pair[0].lowercased() {
                case "name": name = String(value)
                case "filename", "filename*": hasFilename = true
                default: break
                }
            }
        }
        return (name, hasFilename)
    }

    /// The first occurrence of `needle` at or after `start` (memchr for its first byte, then a compare).
    private static func find(_ needle: [UInt8], in haystack: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let first = needle.first, start >= 0, let base = haystack.baseAddress else { return nil }
        var position = start
        while haystack.count - position >= needle.count {
            guard let hit = memchr(base + position, Int32(first), haystack.count - position - needle.count + 1) else { return nil }
            let offset = base.distance(to: UnsafeRawPointer(hit))
            if needle.withUnsafeBytes({ memcmp(base + offset, $0.baseAddress!, needle.count) }) == 0 { return offset }
            position = offset + 1
        }
        return nil
    }
}
