/// A list that cannot be used: every problem found, each with its `file:line: reason`.
public struct ListParseError: Error, Sendable, CustomStringConvertible {
    public struct Problem: Sendable, Equatable {
        public let line: Int
        public let reason: String
    }

    public let file: String
    public let problems: [Problem]
    /// True when more problems existed than are kept.
    public let truncated: Bool

    public init(file: String, problems: [Problem], truncated: Bool = false) {
        self.file = file
        self.problems = problems
        self.truncated = truncated
    }

    public var description: String {
        var lines = problems.map { "\(file):\($0.line): \($0.reason)" }
        if truncated { lines.append("\(file): more malformed lines follow") }
        return lines.joined(separator: "\n")
    }
}
