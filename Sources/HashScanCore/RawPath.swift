/// A file path as the bytes the file system gave us; names need not be UTF-8.
public struct RawPath: Hashable, Sendable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }
    public init(_ string: String) { self.bytes = Array(string.utf8) }

    /// Whether the bytes are valid UTF-8 (then `string` is lossless).
    public var isValidUTF8: Bool {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// The path as text, with U+FFFD for bytes that are not UTF-8.
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    public var description: String { string }

    /// Appends a name below this path with a single separator.
    public func appending(_ name: some Collection<UInt8>) -> RawPath {
        var result = bytes
        if result.last != UInt8(ascii: "/") { result.append(UInt8(ascii: "/")) }
        result.append(contentsOf: name)
        return RawPath(bytes: result)
    }
}
