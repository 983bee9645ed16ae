/// Imports a list file in any supported format into canonical `ListEntry` values.
///
/// Every import either throws or returns everything it found wrong: non-strict mode skips malformed records
/// and lists them in `ImportedList.problems` (with counts of everything left out); strict mode throws
/// `ListParseError` instead. Files that cannot be read at all (unreadable, unknown format, a CSV header
/// without a hash column) throw in both modes.
public enum ListImporter {
    /// The format of the file at `path` judged from its first bytes, or nil when it is none hashscan reads.
    public static func detectFormat(atPath path: String) throws(ListParseError) -> ListFormat? {
        let reader = try ByteChunkReader(path: path)
        return ListFormatDetector.detect(prefix: try reader.prefix(ListFormatDetector.sniffLength))
    }

    /// Imports the list file at `path`.
    public static func importList(atPath path: String, options: ListImportOptions = ListImportOptions()) throws(ListParseError) -> ImportedList {
        let format: ListFormat
        if let chosen = options.format {
            format = chosen
        } else {
            guard let detected = try detectFormat(atPath: path) else { throw unknownFormat(path) }
            format = detected
        }
        return try run(format: format, file: path, options: options, open: { () throws(ListParseError) in try ByteChunkReader(path: path) }, path: path, bytes: nil)
    }

    /// Imports a list already in memory; `file` names it in problems and gives the default list name.
    public static func importList(bytes: [UInt8], file: String, options: ListImportOptions = ListImportOptions()) throws(ListParseError) -> ImportedList {
        let format: ListFormat
        if let chosen = options.format {
            format = chosen
        } else {
            guard let detected = ListFormatDetector.detect(prefix: bytes) else { throw unknownFormat(file) }
            format = detected
        }
        return try run(format: format, file: file, options: options, open: { ByteChunkReader(bytes: bytes, file: file) }, path: nil, bytes: bytes)
    }

    /// The default list name: the file name without its directory and last extension.
    static func defaultName(_ file: String) -> String {
        let base = file.split(separator: "/").last.map(String.init) ?? file
        guard let dot = base.lastIndex(of: "."), dot != base.startIndex else { return base }
        return String(base[..<dot])
    }

    private static func run(
        format: ListFormat, file: String, options: ListImportOptions,
        open: () throws(ListParseError) -> ByteChunkReader, path: String?, bytes: [UInt8]?
    ) throws(ListParseError) -> ImportedList {
        var collector = EntryCollector(file: file, options: options)
        var version: String?
        /// Every line-based format: its parser over the file's lines.
        func lines(_ parser: some LineRecordParser) throws(ListParseError) {
            var parser = parser
            try parser.run(try open(), into: &collector)
        }
        switch format {
        case .plain: try lines(PlainLineParser())
        case .csv: try lines(CSVListParser())
        case .hashdeep: try lines(HashdeepLineParser())
        case .md5sum: try lines(ChecksumLineParser())
        case .threatExchangePDQ: try lines(ThreatExchangeSignalLineParser(minimumQuality: options.minimumPDQQuality))
        case .pdqHasherOutput: try lines(PDQHasherLineParser(minimumQuality: options.minimumPDQQuality))
        case .vpdqFrames: try lines(VPDQFramesLineParser(entryID: options.name ?? defaultName(file), minimumQuality: options.minimumPDQQuality))
        case .hashscanRecords: try lines(HashscanRecordsLineParser(minimumQuality: options.minimumPDQQuality))
        case .threatExchangeDataset: try lines(ThreatExchangeDatasetParser(minimumQuality: options.minimumPDQQuality))
        case .vicsJSON:
            var importer = VICSJSONImporter(policy: options.vicsCategories)
            try importer.run(try open(), into: &collector)
        case .ncmecXML:
            (collector, version) = try NCMECXMLImporter.run(path: path, bytes: bytes, collector: collector)
        case .nsrl:
            guard let path else {
                throw ListParseError(file: file, problems: [.init(line: 0, reason: "an NSRL database is read from a file, not from memory")])
            }
            version = try NSRLImporter.run(path: path, algorithms: options.nsrlAlgorithms, into: &collector)
        }
        return try collector.finish(name: options.name ?? defaultName(file), version: version, format: format)
    }

    private static func unknownFormat(_ file: String) -> ListParseError {
        let names = ListFormat.allCases.map(\.rawValue).joined(separator: ", ")
        return ListParseError(file: file, problems: [.init(
            line: 0, reason: "cannot tell the list format from its content; name it explicitly (\(names))"
        )])
    }
}
