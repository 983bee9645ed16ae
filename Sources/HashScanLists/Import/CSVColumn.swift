import HashScanCore

/// What a CSV header name stands for. Names are matched case-insensitively, ignoring `-`, `_` and spaces.
enum CSVColumn: Equatable {
    case hash(HashAlgorithm)
    case entryID
    /// A file name, used as the entry id when no id column exists (NSRL RDS v2 `FileName`).
    case fileName
    case category
    case labels
    case added
    case updated
    case deleted
    case ignored(String)

    init(header: String) {
        let key = header.trimmingASCIIWhitespace.lowercased().filter { $0 != "-" && $0 != "_" && $0 != " " }
        if let algorithm = ImportDigest.algorithm(named: key) {
            self = .hash(algorithm)
            return
        }
        switch key {
        case "id", "entryid", "entry", "hashid", "mediaid": self = .entryID
        case "filename", "file", "name", "path": self = .fileName
        case "category", "classification", "grade": self = .category
        case "labels", "label", "tags": self = .labels
        case "added", "dateadded", "addedon", "created", "createdat": self = .added
        case "updated", "dateupdated", "updatedon", "lastupdated", "modified", "updatedat": self = .updated
        case "deleted", "isdeleted", "tombstone", "removed": self = .deleted
        default: self = .ignored(String(header.trimmingASCIIWhitespace))
        }
    }
}
