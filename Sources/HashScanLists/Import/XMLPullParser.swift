/// One thing an XML document says, in order.
enum XMLEvent: Equatable {
    /// A start tag, with its element's and attributes' local names (prefixes dropped; `xmlns` declarations left out).
    case start(name: String, attributes: [String: String])
    case end(name: String)
    /// Character data (entities and character references decoded, CDATA included), possibly in several pieces.
    case text(String)
}

/// A streaming XML reader for list files (NCMEC hash-sharing exports), written here because Foundation's
/// `XMLParser` on Linux crashes on hostile input: it force-unwraps an element name that is not UTF-8 and calls
/// `strlen` on the missing data of a processing instruction such as `<?x?>` (both found by the `list-ncmec` fuzz
/// target). It reads what such files use: elements, attributes, character data, the five predefined entities and
/// character references, CDATA, comments and processing instructions (skipped). A DOCTYPE is refused, so no
/// entity can be declared, expanded or fetched. Well-formedness is checked (matching tags, one root, quoted
/// attributes, UTF-8 throughout) and every token is bounded; memory is one token plus the open-element stack.
final class XMLPullParser {
    static let maxDepth = 256
    static let maxNameBytes = 1_024
    static let maxAttributes = 256
    static let maxTokenBytes = 16 * 1024 * 1024

    private let reader: ByteChunkReader
    private var open: [String] = []
    private var rootSeen = false
    private var pendingEnd: String?
    private var scratch: [UInt8] = []
    /// 1-based line of the byte being read.
    private(set) var line = 1
    /// The line where the last event began.
    private(set) var eventLine = 1

    init(reader: ByteChunkReader) throws(ListParseError) {
        self.reader = reader
        if try reader.peek() == 0xEF {
            guard try reader.prefix(3) == [0xEF, 0xBB, 0xBF] else {
                throw ListParseError(file: reader.file, problems: [.init(line: 1, reason: "not UTF-8 XML")])
            }
        }
    }

    /// Open elements: 1 inside the root.
    var depth: Int { open.count }

    /// The next event, or nil once the root element has closed and only comments, processing instructions and
    /// white space follow.
    func next() throws -> XMLEvent? {
        if let name = pendingEnd {
            pendingEnd = nil
            return .end(name: name)
        }
        while true {
            eventLine = line
            guard let byte = try reader.peek() else {
                if !open.isEmpty { throw failure("the document ends inside <\(open.last!)> (truncated file?)") }
                if !rootSeen { throw failure("no root element") }
                return nil
            }
            if byte != UInt8(ascii: "<") {
                let text = try readText()
                if open.isEmpty {
                    guard text.utf8.allSatisfy(Self.isWhitespace) else {
                        throw failure("text outside the root element")
                    }
                    continue
                }
                if text.isEmpty { continue }
                return .text(text)
            }
            _ = try consume()
            switch try reader.peek() {
            case UInt8(ascii: "?"):
                try skip(past: "?>", what: "processing instruction")
            case UInt8(ascii: "!"):
                _ = try consume()
                if try accept("--") {
                    try skip(past: "-->", what: "comment")
                } else if try accept("[CDATA[") {
                    guard !open.isEmpty else { throw failure("CDATA outside the root element") }
                    let text = try readCDATA()
                    if !text.isEmpty { return .text(text) }
                } else if try accept("DOCTYPE") {
                    throw failure("a DOCTYPE is not read (list files have none, and entity declarations are refused)")
                } else {
                    throw failure("'<!' starts neither a comment nor CDATA")
                }
            case UInt8(ascii: "/"):
                _ = try consume()
                let name = try readName()
                try skipWhitespace()
                guard try consume() == UInt8(ascii: ">") else { throw failure("'>' expected after </\(name)") }
                guard let expected = open.popLast() else { throw failure("</\(name)> closes no element") }
                guard expected == name else { throw failure("</\(name)> closes <\(expected)>") }
                return .end(name: Self.local(name))
            default:
                return try readStartTag()
            }
        }
    }

    // MARK: Tokens

    private func readStartTag() throws -> XMLEvent {
        let name = try readName()
        if open.isEmpty {
            guard !rootSeen else { throw failure("a second root element <\(name)>") }
            rootSeen = true
        }
        var attributes: [String: String] = [:]
        var seen: Set<String> = []
        while true {
            let spaced = try skipWhitespace()
            switch try reader.peek() {
            case UInt8(ascii: ">"):
                _ = try consume()
                try push(name)
                return .start(name: Self.local(name), attributes: attributes)
            case UInt8(ascii: "/"):
                _ = try consume()
                guard try consume() == UInt8(ascii: ">") else { throw failure("'>' expected after '/' in <\(name)>") }
                pendingEnd = Self.local(name)
                return .start(name: Self.local(name), attributes: attributes)
            case nil:
                throw failure("the document ends inside the tag <\(name)")
            default:
                guard spaced else { throw failure("white space expected between attributes of <\(name)>") }
                let attribute = try readName()
                try skipWhitespace()
                guard try consume() == UInt8(ascii: "=") else { throw failure("'=' expected after attribute \(attribute)") }
                try skipWhitespace()
                let value = try readAttributeValue()
                guard seen.insert(attribute).inserted else { throw failure("attribute \(attribute) given twice") }
                guard seen.count <= Self.maxAttributes else { throw failure("more than \(Self.maxAttributes) attributes") }
                if attribute != "xmlns" && !attribute.hasPrefix("xmlns:") { attributes[Self.local(attribute)] = value }
            }
        }
    }

    private func push(_ name: String) throws {
        guard open.count < Self.maxDepth else { throw failure("elements nested deeper than \(Self.maxDepth)") }
        open.append(name)
    }

    /// A name: up to white space or a delimiter; UTF-8, not empty, bounded.
    private func readName() throws -> String {
        scratch.removeAll(keepingCapacity: true)
        while let byte = try reader.peek() {
            if Self.isWhitespace(byte) || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=") {
                break
            }
            guard byte != UInt8(ascii: "<") && byte != UInt8(ascii: "&") && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "'") else {
                throw failure("'\(Character(Unicode.Scalar(byte)))' in a name")
            }
            scratch.append(try consume()!)
            guard scratch.count <= Self.maxNameBytes else { throw failure("a name longer than \(Self.maxNameBytes) bytes") }
        }
        guard let first = scratch.first else { throw failure("a name expected") }
        guard !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first), first != UInt8(ascii: "-"), first != UInt8(ascii: ".") else {
            throw failure("a name cannot start with '\(Character(Unicode.Scalar(first)))'")
        }
        guard let name = String(validating: scratch, as: UTF8.self) else { throw failure("a name that is not UTF-8") }
        return name
    }

    /// Character data up to the next '<', entities decoded.
    private func readText() throws -> String {
        var decoded: [UInt8] = []
        while true {
            guard let stop = try reader.scanRun(into: &decoded, keep: true, until: { $0 == 0x3C || $0 == 0x26 || $0 == 0x0A }) else { break }
            if stop == 0x3C { break }
            _ = try consume()
            if stop == 0x26 { decoded += try readReference() } else { decoded.append(stop) }
            guard decoded.count <= Self.maxTokenBytes else { throw failure("character data longer than \(Self.maxTokenBytes) bytes") }
        }
        guard let text = String(validating: decoded, as: UTF8.self) else { throw failure("text that is not UTF-8") }
        return text
    }

    private func readAttributeValue() throws -> String {
        guard let quote = try consume(), quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
            throw failure("an attribute value must be quoted")
        }
        var decoded: [UInt8] = []
        while true {
            guard let byte = try consume() else { throw failure("the document ends inside an attribute value") }
            if byte == quote { break }
            switch byte {
            case UInt8(ascii: "<"): throw failure("'<' in an attribute value")
            case UInt8(ascii: "&"): decoded += try readReference()
            default: decoded.append(byte)
            }
            guard decoded.count <= Self.maxTokenBytes else { throw failure("an attribute value longer than \(Self.maxTokenBytes) bytes") }
        }
        guard let value = String(validating: decoded, as: UTF8.self) else { throw failure("an attribute value that is not UTF-8") }
        return value
    }

    /// After '&': a predefined entity or a character reference, as UTF-8.
    private func readReference() throws -> [UInt8] {
        var name: [UInt8] = []
        while let byte = try consume(), byte != UInt8(ascii: ";") {
            name.append(byte)
            guard name.count <= 12 else { throw failure("'&' starts no entity or character reference") }
        }
        switch String(decoding: name, as: UTF8.self) {
        case "lt": return [UInt8(ascii: "<")]
        case "gt": return [UInt8(ascii: ">")]
        case "amp": return [UInt8(ascii: "&")]
        case "apos": return [UInt8(ascii: "'")]
        case "quot": return [UInt8(ascii: "\"")]
        case let reference where reference.hasPrefix("#"):
            let digits = reference.dropFirst()
            let value = digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
            guard let value, value != 0, let scalar = Unicode.Scalar(value) else {
                throw failure("&\(reference); is not a character")
            }
            return Array(String(Character(scalar)).utf8)
        case let other:
            throw failure("unknown entity &\(other.prefix(12));")
        }
    }

    private func readCDATA() throws -> String {
        var bytes: [UInt8] = []
        while true {
            guard let byte = try consume() else { throw failure("the document ends inside CDATA") }
            bytes.append(byte)
            if bytes.count >= 3 && bytes[bytes.count - 3] == 0x5D && bytes[bytes.count - 2] == 0x5D && byte == 0x3E {
                bytes.removeLast(3)
                break
            }
            guard bytes.count <= Self.maxTokenBytes else { throw failure("CDATA longer than \(Self.maxTokenBytes) bytes") }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw failure("CDATA that is not UTF-8") }
        return text
    }

    // MARK: Bytes

    @discardableResult
    private func consume() throws(ListParseError) -> UInt8? {
        let byte = try reader.next()
        if byte == 0x0A { line += 1 }
        return byte
    }

    /// Consumes `literal` if the input goes on with it; false (having consumed nothing) if its first byte differs.
    private func accept(_ literal: StaticString) throws -> Bool {
        let bytes = literal.withUTF8Buffer { Array($0) }
        guard try reader.peek() == bytes[0] else { return false }
        for expected in bytes {
            guard try consume() == expected else { throw failure("'\(literal)' expected") }
        }
        return true
    }

    private func skip(past terminator: StaticString, what: String) throws {
        let end = terminator.withUTF8Buffer { Array($0) }
        var recent: [UInt8] = []
        var skipped = 0
        while true {
            guard let byte = try consume() else { throw failure("the document ends inside a \(what)") }
            recent.append(byte)
            if recent.count > end.count { recent.removeFirst() }
            if recent == end { return }
            skipped += 1
            guard skipped <= Self.maxTokenBytes else { throw failure("a \(what) longer than \(Self.maxTokenBytes) bytes") }
        }
    }

    @discardableResult
    private func skipWhitespace() throws -> Bool {
        var skipped = false
        while let byte = try reader.peek(), Self.isWhitespace(byte) {
            _ = try consume()
            skipped = true
        }
        return skipped
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func local(_ name: String) -> String {
        guard let colon = name.lastIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }

    private func failure(_ reason: String) -> SyntaxFailure {
        SyntaxFailure(line: line, reason: "XML error: \(reason)")
    }
}
