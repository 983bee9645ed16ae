import Foundation
import HashScanCore

/// One reference list as loaded: its matcher and what may be said about it (never its entries).
package struct LoadedList: Sendable {
    package var matcher: any HashMatcher
    package var name: String
    package var version: String?
    package var entries: Int

    package init(matcher: any HashMatcher, name: String, version: String?, entries: Int) {
        self.matcher = matcher
        self.name = name
        self.version = version
        self.entries = entries
    }
}

/// The lists a request is matched against: an immutable snapshot, swapped whole on reload.
package struct LoadedLists: Sendable {
    package let lists: [LoadedList]
    package let matcher: CombinedMatcher
    package let loadedAt: Date
    /// 1 for the lists loaded at start, then one more per successful reload.
    package let generation: Int

    package init(_ lists: [LoadedList], loadedAt: Date = Date(), generation: Int = 1) {
        self.lists = lists
        matcher = CombinedMatcher(lists.map(\.matcher))
        self.loadedAt = loadedAt
        self.generation = generation
    }
}
