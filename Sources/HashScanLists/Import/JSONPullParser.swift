import HashScanCore

/// An incremental JSON tokenizer over a `ByteChunkReader`: it yields one `JSONEvent` at a time and checks the
/// grammar (commas, colons, nesting) as it goes, so a document of any size is read with memory for one
/// token plus the caller's current record.
final class JSONPullParser {
    private enum Container { case object, array }
    private enum State {
        case value  // a value is required
        case firstKeyOrEnd  // just after `{`
        case key  // after `,` in an object
        case colon
        case firstValueOrEnd  // just after `[`
        case commaOrEnd
        case done
    }

    static let maxDepth = 256
    static let maxStringBytes = 16 * 1024 * 1024

    private let reader: ByteChunkReader
    private var stack: [Container] = []
    private var state: State = .value
    private var scratch: [UInt8] = []
    private var skipping = false
    /// 1-based line of the byte being read, for problem reports.
    private(set) var line = 1

    init(reader: ByteChunkReader) throws(ListParseError) {
        self.reader = reader
        if try reader.peek() == 0xEF {
            // UTF-8 byte-order mark: VICS exports from Windows tools often carry one.
            let bom = try reader.prefix(3)
            guard bom == [0xEF, 0xBB, 0xBF] else { throw ListParseError(file: reader.file, problems: [.init(line: 1, reason: "not UTF-8 JSON")]) }
        }
    }

    /// Nesting depth: 0 at top level, 1 inside the outer object...
    var depth: Int { stack.count }

    /// The next event, or nil once the single top-level value is complete.
    func next() throws -> JSONEvent? {
        guard state != .done else {
            try skipWhitespace()
            if try reader.peek() != nil { throw SyntaxFailure(line: line, reason: "data after the end of the JSON document") }
            return nil
        }
        try skipWhitespace()
        guard let byte = try reader.next() else {
            throw SyntaxFailure(line: line, reason: "the JSON document ends early (truncated file?)")
        }
        switch state {
        case .firstKeyOrEnd, .key:
            if byte == UInt8(ascii: "}") && state == .firstKeyOrEnd { return close(.object) }
            guard byte == UInt8(ascii: "\"") else { throw unexpected(byte, "an object key") }
            state = .colon
            return .key(try readString())
        case .colon:
            guard byte == UInt8(ascii: ":") else { throw unexpected(byte, "':'") }
            state = .value
            return try next()
        case .commaOrEnd:
            switch (byte, stack.last) {
            case (UInt8(ascii: ","), .object?):
                state = .key
                return try next()
            case (UInt8(ascii: ","), .array?):
                state = .value
                return try next()
            case (UInt8(ascii: "}"), .object?): return close(.object)
            case (UInt8(ascii: "]"), .array?): return close(.array)
            default: throw unexpected(byte, "',' or the end of the \(stack.last == .object ? "object" : "array")")
            }
        case .firstValueOrEnd:
            if byte == UInt8(ascii: "]") { return close(.array) }
            return try value(startingWith: byte)
        case .value:
            return try value(startingWith: byte)
        case .done:
            return nil
        }
    }

    /// Skips the value that the next event starts (after a `.key`, or an array element), however large.
    func skipValue() throws {
        let startDepth = depth
        let wasSkipping = skipping
        skipping = true
        defer { skipping = wasSkipping }
        guard let first = try next() else { throw SyntaxFailure(line: line, reason: "a value was expected") }
        switch first {
        case .objectStart, .arrayStart:
            while depth > startDepth { _ = try next() }
        case .objectEnd, .arrayEnd, .key:
            throw SyntaxFailure(line: line, reason: "a value was expected")
        default: break
        }
    }

    /// Reads the next value into a tree. `keep` filters object members by key at the first level (a skipped
    /// member is never materialised); nested levels are kept whole.
    func readValue(keep: ((String) -> Bool)? = nil) throws -> JSONValue {
        guard let first = try next() else { throw SyntaxFailure(line: line, reason: "a value was expected") }
        return try value(from: first, keep: keep)
    }

    /// Reads the members of an object whose `.objectStart` was just returned.
    func readObjectBody(keep: ((String) -> Bool)? = nil) throws -> JSONValue {
        try value(from: .objectStart, keep: keep)
    }

    private func value(from event: JSONEvent, keep: ((String) -> Bool)?) throws -> JSONValue {
        switch event {
        case .string(let text): return .string(text)
        case .number(let text): return .number(text)
        case .bool(let flag): return .bool(flag)
        case .null: return .null
        case .arrayStart:
            var items: [JSONValue] = []
            while true {
                guard let event = try next() else { throw SyntaxFailure(line: line, reason: "unterminated array") }
                if event == .arrayEnd { return .array(items) }
                items.append(try value(from: event, keep: nil))
            }
        case .objectStart:
            var members: [(key: String, value: JSONValue)] = []
            while true {
                guard let event = try next() else { throw SyntaxFailure(line: line, reason: "unterminated object") }
                if event == .objectEnd { return .object(members) }
                guard case .key(let key) = event else { throw SyntaxFailure(line: line, reason: "an object key was expected") }
                if let keep, !keep(key) {
                    try skipValue()
                } else {
                    members.append((key, try readValue()))
                }
            }
        case .objectEnd, .arrayEnd, .key:
            throw SyntaxFailure(line: line, reason: "a value was expected")
        }
    }

    private func value(startingWith byte: UInt8) throws -> JSONEvent {
        switch byte {
        case UInt8(ascii: "{"):
            try open(.object)
            state = .firstKeyOrEnd
            return .objectStart
        case UInt8(ascii: "["):
            try open(.array)
            state = .firstValueOrEnd
            return .arrayStart
        case UInt8(ascii: "\""):
            let text = try readString()
            afterValue()
            return .string(text)
        case UInt8(ascii: "t"):
            try expectLiteral("rue")
            afterValue()
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("alse")
            afterValue()
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("ull")
            afterValue()
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let text = try readNumber(first: byte)
            afterValue()
            return .number(text)
        default:
            throw unexpected(byte, "a value")
        }
    }

    private func open(_ container: Container) throws {
        guard stack.count < Self.maxDepth else { throw SyntaxFailure(line: line, reason: "JSON nested deeper than \(Self.maxDepth) levels") }
        stack.append(container)
    }

    private func close(_ container: Container) -> JSONEvent {
        stack.removeLast()
        afterValue()
        return container == .object ? .objectEnd : .arrayEnd
    }

    private func afterValue() {
        state = stack.isEmpty ? .done : .commaOrEnd
    }

    private func skipWhitespace() throws {
        while let byte = try reader.peek() {
            switch byte {
            case UInt8(ascii: "\n"): line += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"): break
            default: return
            }
            _ = try reader.next()
        }
    }

    private func expectLiteral(_ rest: StaticString) throws {
        let bytes = UnsafeBufferPointer(start: rest.utf8Start, count: rest.utf8CodeUnitCount)
        for expected in bytes {
            guard try reader.next() == expected else { throw SyntaxFailure(line: line, reason: "invalid literal") }
        }
    }

    private func readNumber(first: UInt8) throws -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(first)
        while let byte = try reader.peek() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"),
                UInt8(ascii: "+"), UInt8(ascii: "-"):
                scratch.append(byte)
                _ = try reader.next()
            default:
                return try validatedNumber()
            }
        }
        return try validatedNumber()
    }

    /// JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    private func validatedNumber() throws -> String {
        var index = 0
        func digits() -> Int {
            let start = index
            while index < scratch.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(scratch[index]) { index += 1 }
            return index - start
        }
        if scratch[index] == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        let integerDigits = digits()
        var valid = integerDigits > 0 && !(integerDigits > 1 && scratch[integerStart] == UInt8(ascii: "0"))
        if valid, index < scratch.count, scratch[index] == UInt8(ascii: ".") {
            index += 1
            valid = digits() > 0
        }
        if valid, index < scratch.count, scratch[index] == UInt8(ascii: "e") || scratch[index] == UInt8(ascii: "E") {
            index += 1
            if index < scratch.count, scratch[index] == UInt8(ascii: "+") || scratch[index] == UInt8(ascii: "-") { index += 1 }
            valid = digits() > 0
        }
        guard valid, index == scratch.count else { throw SyntaxFailure(line: line, reason: "invalid number") }
        return String(decoding: scratch, as: UTF8.self)
    }

    /// Reads a string whose opening quote was consumed, decoding escapes (including surrogate pairs).
    /// While skipping, strings are checked for structure only: not kept, not decoded.
    private func readString() throws -> String {
        scratch.removeAll(keepingCapacity: true)
        while true {
            guard let stop = try reader.scanStringRun(into: &scratch, keep: !skipping) else {
                throw SyntaxFailure(line: line, reason: "unterminated string")
            }
            _ = try reader.next()
            switch stop {
            case UInt8(ascii: "\""):
                if skipping { return "" }
                guard let text = String(validating: scratch, as: UTF8.self) else {
                    throw SyntaxFailure(line: line, reason: "a string is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                try readEscape()
            default:
                throw SyntaxFailure(line: line, reason: "a control character inside a string")
            }
            if scratch.count > Self.maxStringBytes {
                throw SyntaxFailure(line: line, reason: "a string longer than \(Self.maxStringBytes) bytes")
            }
        }
    }

    private func readEscape() throws {
        guard let byte = try reader.next() else { throw SyntaxFailure(line: line, reason: "unterminated string") }
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(byte)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var code = try readHex4()
            if (0xD800..<0xDC00).contains(code) {
                guard try reader.next() == UInt8(ascii: "\\"), try reader.next() == UInt8(ascii: "u") else {
                    throw SyntaxFailure(line: line, reason: "an unpaired UTF-16 surrogate escape")
                }
                let low = try readHex4()
                guard (0xDC00..<0xE000).contains(low) else { throw SyntaxFailure(line: line, reason: "an unpaired UTF-16 surrogate escape") }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(code) else { throw SyntaxFailure(line: line, reason: "an invalid \\u escape") }
            scratch.append(contentsOf: UTF8.encode(scalar)!)
        default:
            throw SyntaxFailure(line: line, reason: "an invalid escape '\\\(Character(Unicode.Scalar(byte)))'")
        }
    }

    private func readHex4() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = try reader.next(), let nibble = Hex.nibble(byte) else {
                throw SyntaxFailure(line: line, reason: "an invalid \\u escape")
            }
            value = value << 4 | UInt32(nibble)
        }
        return value
    }

    private func unexpected(_ byte: UInt8, _ expected: String) -> SyntaxFailure {
        let shown = byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
        return SyntaxFailure(line: line, reason: "\(shown) where \(expected) was expected")
    }
}
