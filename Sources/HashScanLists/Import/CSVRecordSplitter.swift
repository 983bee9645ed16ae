/// Splits RFC 4180 CSV fed one line at a time: `"` quoting with `""` as an escaped quote, quoted fields
/// spanning line ends (the record then belongs to the line it started on). Unquoted fields are taken as is.
package struct CSVRecordSplitter {
    package enum Outcome {
        /// A complete record, starting at `line`.
        case record([String], line: Int)
        /// The line ended inside a quoted field: feed the next line.
        case pending
        case malformed(String, line: Int)
    }

    private var fields: [String] = []
    private var field = ""
    private var inQuotes = false
    private var startLine = 0

    package init() {}

    package var isPending: Bool { startLine != 0 }
    var pendingLine: Int { startLine }

    package mutating func feed(_ line: Substring, number: Int) -> Outcome {
        if startLine == 0 {
            startLine = number
        } else {
            field.append("\n")  // a line end inside quotes is part of the value
        }
        var afterClosingQuote = false
        var iterator = line.unicodeScalars.makeIterator()
        while let scalar = iterator.next() {
            if inQuotes {
                if scalar == "\"" {
                    inQuotes = false
                    afterClosingQuote = true
                } else {
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case ",":
                fields.append(field)
                field = ""
                afterClosingQuote = false
            case "\"":
                if afterClosingQuote {
                    // `""` inside a quoted field: one literal quote, and the field goes on quoted.
                    field.unicodeScalars.append("\"")
                    inQuotes = true
                    afterClosingQuote = false
                } else if field.isEmpty {
                    inQuotes = true
                } else {
                    return fail("a quote inside an unquoted field (quote the whole field)")
                }
            default:
                if afterClosingQuote { return fail("text after a closing quote (expected ',' or end of line)") }
                field.unicodeScalars.append(scalar)
            }
        }
        if inQuotes { return .pending }
        fields.append(field)
        let record = Outcome.record(fields, line: startLine)
        reset()
        return record
    }

    /// At the end of the input: an open quoted field is an error.
    package mutating func finish() -> Outcome? {
        guard isPending else { return nil }
        return fail("unterminated quoted field")
    }

    private mutating func fail(_ reason: String) -> Outcome {
        let line = startLine
        reset()
        return .malformed(reason, line: line)
    }

    private mutating func reset() {
        fields = []
        field = ""
        inQuotes = false
        startLine = 0
    }
}
