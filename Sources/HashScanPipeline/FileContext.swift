/// What a manifest says about a file, carried into every record for it so a takedown or blocking system
/// can act without joining tables: the locator (URL, object key, upload id) and any other fields.
public struct FileContext: Sendable, Equatable {
    public var locator: String?
    /// Other manifest fields, by name, each as a JSON value (a CSV field becomes a JSON string).
    public var extras: [(name: String, json: String)]

    public init(locator: String? = nil, extras: [(name: String, json: String)] = []) {
        self.locator = locator
        self.extras = extras
    }

    public static func == (lhs: FileContext, rhs: FileContext) -> Bool {
        lhs.locator == rhs.locator && lhs.extras.map(\.name) == rhs.extras.map(\.name) && lhs.extras.map(\.json) == rhs.extras.map(\.json)
    }
}
