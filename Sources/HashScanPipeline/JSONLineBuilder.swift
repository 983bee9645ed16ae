/// Builds one JSON object as UTF-8 bytes, keys in the order written; small and allocation-light
/// because it runs once per file. The record layouts are specified in docs/output-format.md.
package struct JSONLineBuilder {
    package private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = []

    package init() { bytes.reserveCapacity(512) }

    package mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); needsComma.append(false) }
    package mutating func endObject() { bytes.append(UInt8(ascii: "}")); needsComma.removeLast() }
    package mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")); needsComma.append(false) }
    package mutating func endArray() { bytes.append(UInt8(ascii: "]")); needsComma.removeLast() }

    package mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        // The value that follows must not get a comma of its own.
        needsComma[needsComma.count - 1] = false
    }

    /// A key that is not known at compile time (it is escaped).
    package mutating func dynamicKey(_ name: String) {
        separate()
        appendEscaped(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma[needsComma.count - 1] = false
    }

    /// A value that is already valid JSON (taken from a manifest), written as is.
    package mutating func rawJSON(_ text: String) {
        separate()
        bytes.append(contentsOf: text.utf8)
    }

    package mutating func string(_ value: String) {
        separate()
        appendEscaped(value)
    }

    package mutating func number<T: BinaryInteger>(_ value: T) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
    }

    /// A number rounded to `decimals` places, or with every digit it has (the shortest text that reads back as the
    /// same Double) when `decimals` is nil. JSON has no infinity or NaN: those are written as 0.
    package mutating func double(_ value: Double, decimals: Int? = 3) {
        separate()
        var rounded = value
        if let decimals {
            var scale = 1.0
            for _ in 0..<decimals { scale *= 10 }
            rounded = (value * scale).rounded() / scale
        }
        bytes.append(contentsOf: (rounded.isFinite ? "\(rounded)" : "0").utf8)
    }

    package mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    package mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
    }

    package mutating func field(_ name: StaticString, _ value: String) { key(name); string(value) }
    package mutating func field<T: BinaryInteger>(_ name: StaticString, _ value: T) { key(name); number(value) }
    package mutating func field(_ name: StaticString, _ value: Bool) { key(name); bool(value) }
    package mutating func field(_ name: StaticString, _ value: Double, decimals: Int? = 3) { key(name); double(value, decimals: decimals) }

    /// A field left out when the value is nil (the documented `name?` fields).
    package mutating func field(_ name: StaticString, ifPresent value: String?) {
        if let value { field(name, value) }
    }
    package mutating func field<T: BinaryInteger>(_ name: StaticString, ifPresent value: T?) {
        if let value { field(name, value) }
    }

    /// An array of strings.
    package mutating func strings<S: Sequence<String>>(_ values: S) {
        beginArray()
        for value in values { string(value) }
        endArray()
    }

    /// Ends the record with a newline.
    package mutating func finishLine() { bytes.append(UInt8(ascii: "\n")) }

    private mutating func separate() {
        guard !needsComma.isEmpty else { return }
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }

    private mutating func appendEscaped(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20, 0x7F:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                          hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
