/// A format read line by line. The driver strips a UTF-8 BOM on line 1 and the `\r` of CRLF line ends,
/// rejects lines that are not UTF-8, and numbers lines from 1.
protocol LineRecordParser {
    mutating func parse(line: Substring, number: Int, into collector: inout EntryCollector) throws(ListParseError)
    /// Called after the last line (a CSV record may still be open).
    mutating func finish(lastLine: Int, into collector: inout EntryCollector) throws(ListParseError)
}

extension LineRecordParser {
    mutating func finish(lastLine: Int, into collector: inout EntryCollector) throws(ListParseError) {}

    /// Feeds every line of `reader` to the parser.
    mutating func run(_ reader: ByteChunkReader, into collector: inout EntryCollector) throws(ListParseError) {
        var number = 0
        while var bytes = try reader.nextLine() {
            number += 1
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            if number == 1, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
            guard let text = String(validating: bytes, as: UTF8.self) else {
                try collector.problem(line: number, "line is not valid UTF-8")
                continue
            }
            try parse(line: Substring(text), number: number, into: &collector)
        }
        try finish(lastLine: number, into: &collector)
    }
}
