/// A small JSON tree, built only for one record at a time (one VICS Media object, without the fields
/// the importer skips).
indirect enum JSONValue: Equatable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.object(let a), .object(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.array(let a), .array(let b)): a == b
        case (.string(let a), .string(let b)), (.number(let a), .number(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.null, .null): true
        default: false
        }
    }

    /// A member of an object, the key matched case-insensitively (writers differ: `MD5`, `Md5`).
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { Self.sameKey($0.key, key) }?.value
    }

    /// ASCII case-insensitive key comparison without allocating (keys are compared per member per lookup).
    static func sameKey(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        var left = a.utf8.makeIterator()
        var right = b.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return true
            case (let x?, let y?):
                if x != y, x | 0x20 != y | 0x20 || !((0x61...0x7A).contains(x | 0x20)) { return false }
            default: return false
            }
        }
    }

    /// Strings and numbers as text; nil for null and containers.
    var text: String? {
        switch self {
        case .string(let value), .number(let value): value
        case .bool(let value): value ? "true" : "false"
        default: nil
        }
    }

    /// A boolean from `true`, `"true"`, `"True"`, `1` or `"1"` (VICS writers use strings as often as booleans).
    var boolValue: Bool? {
        switch self {
        case .bool(let value): value
        case .string(let value), .number(let value): ImportDigest.bool(value)
        default: nil
        }
    }

    var arrayValue: [JSONValue]? {
        if case .array(let items) = self { items } else { nil }
    }
}
