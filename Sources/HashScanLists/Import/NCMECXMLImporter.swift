/// Runs `NCMECQueryResultReader` over `XMLPullParser`, from the file in chunks or from memory: no document tree is
/// built, no DTD is read and no entity is ever resolved. A syntax error is a problem at its line, and the entries
/// read before it are kept.
enum NCMECXMLImporter {
    static func run(
        path: String?, bytes: [UInt8]?, collector: EntryCollector
    ) throws(ListParseError) -> (collector: EntryCollector, version: String?) {
        let reader: ByteChunkReader
        if let bytes {
            reader = ByteChunkReader(bytes: bytes, file: collector.file)
        } else if let path {
            reader = try ByteChunkReader(path: path)
        } else {
            throw ListParseError(file: collector.file, problems: [.init(line: 0, reason: "cannot open")])
        }
        let parser = try XMLPullParser(reader: reader)
        let handler = NCMECQueryResultReader(collector: collector)
        do {
            while let event = try parser.next() {
                switch event {
                case .start(let name, let attributes): try handler.start(name, attributes: attributes, line: parser.eventLine)
                case .text(let text): handler.characters(text)
                case .end(let name): try handler.end(name)
                }
            }
        } catch let failure as SyntaxFailure {
            var collector = handler.collector
            try collector.problem(line: failure.line, failure.reason)
            return (collector, handler.maxTimestamp)
        } catch let error as ListParseError {
            throw error
        } catch {
            var collector = handler.collector
            try collector.problem(line: parser.line, "\(error)")
            return (collector, handler.maxTimestamp)
        }
        return (handler.collector, handler.maxTimestamp)
    }
}
