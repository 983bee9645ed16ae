/// One step of `JSONPullParser`. Numbers stay text: the importers need them as ids and categories, not floats.
enum JSONEvent: Equatable {
    case objectStart
    case objectEnd
    case arrayStart
    case arrayEnd
    case key(String)
    case string(String)
    case number(String)
    case bool(Bool)
    case null
}
