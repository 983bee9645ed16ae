/// A source that cannot be read further (broken JSON/XML structure, an unterminated CSV quote):
/// recorded as a problem at `line`, and the import keeps what came before it.
struct SyntaxFailure: Error {
    var line: Int
    var reason: String
}
