/// The VICS data model and category profile named by a file's OData context URL.
struct VICSProfile: Equatable {
    /// `1.1`, `1.2`, `1.3`, `2.0`, or nil when the URL names none.
    var modelVersion: String?
    /// `US`, `UK`, `CUSTOM`, `Default` for 2.0; nil for 1.x (which has no profile segment).
    var profile: String?

    /// Whether category numbers follow the US scheme (0 non-pertinent ... 4 comparison): 2.0 `US` and
    /// `Default`, and the 1.x ICMEC Project VIC models, which that scheme descends from.
    var usesUSNumbering: Bool {
        if let profile { return profile.uppercased() == "US" || profile.uppercased() == "DEFAULT" }
        return modelVersion?.hasPrefix("1.") == true
    }

    /// Parses `http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Cases` or
    /// `http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Cases`.
    init(context: String) {
        let parts = context.split(separator: "/")
        modelVersion = nil
        profile = nil
        for (index, part) in parts.enumerated() {
            guard let range = part.range(of: ".xml") else { continue }
            let version = part[..<range.lowerBound]
            if !version.isEmpty, version.allSatisfy({ $0.isNumber || $0 == "." }) { modelVersion = String(version) }
            if index + 1 < parts.count, !parts[index + 1].hasPrefix("$") {
                let candidate = parts[index + 1].prefix { $0 != "#" }
                if !candidate.isEmpty { profile = String(candidate) }
            }
            break
        }
    }

    var description: String {
        "VICS data model \(modelVersion ?? "?")" + (profile.map { ", \($0) profile" } ?? "")
    }
}
