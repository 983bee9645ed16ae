#if canImport(FoundationXML)
import Foundation
import FoundationXML
#else
import Foundation
#endif

/// Runs `NCMECQueryResultReader` over a file stream (Foundation's `XMLParser` reads an `InputStream` in
/// chunks; no document tree is built). External entities are never resolved.
enum NCMECXMLImporter {
    static func run(
        path: String?, bytes: [UInt8]?, collector: EntryCollector
    ) throws(ListParseError) -> (collector: EntryCollector, version: String?) {
        let parser: XMLParser
        if let bytes {
            parser = XMLParser(data: Data(bytes))
        } else if let path, let stream = InputStream(fileAtPath: path) {
            parser = XMLParser(stream: stream)
        } else {
            throw ListParseError(file: collector.file, problems: [.init(line: 0, reason: "cannot open")])
        }
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        let reader = NCMECQueryResultReader(collector: collector)
        parser.delegate = reader
        let succeeded = parser.parse()
        var collector = reader.collector
        switch reader.failure {
        case let error as ListParseError:
            throw error
        case let failure as SyntaxFailure:
            try collector.problem(line: failure.line, failure.reason)
        case let other?:
            try collector.problem(line: parser.lineNumber, "\(other)")
        case nil:
            if !succeeded {
                try collector.problem(line: parser.lineNumber, "XML error: \(parser.parserError.map { "\($0)" } ?? "unknown")")
            }
        }
        return (collector, reader.maxTimestamp)
    }
}
