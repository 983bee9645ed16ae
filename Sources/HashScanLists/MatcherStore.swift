import Foundation
import Synchronization

/// The lists a long-running front end (the HTTP service; next, the ICAP gateway) matches against: loads them,
/// and holds the current snapshot requests match against. A reload builds the new lists off the lock
/// and swaps the reference under it, so requests in flight finish on the lists they started with.
package final class MatcherStore: Sendable {
    /// Loads every list from its source; throws (with a human reason) when any list cannot be loaded.
    package typealias Loader = @Sendable () throws -> [LoadedList]

    private let loader: Loader
    private let state: Mutex<LoadedLists>
    /// One reload at a time (SIGHUP and the admin endpoint may race).
    private let reloading: Mutex<Bool>

    package init(loader: @escaping Loader) throws {
        // Load before any stored property is set: a throw out of a partly initialised class with Mutex
        // (noncopyable) properties crashes the optimiser of Swift 6.3.1 in release builds (CopyPropagation).
        let lists = try loader()
        self.loader = loader
        state = Mutex(LoadedLists(lists))
        reloading = Mutex(false)
    }

    /// The lists at `paths`, loaded by the library's `ListLoader` at start and on every reload. A reload that fails
    /// for any reason (a file missing, unreadable, corrupt or malformed) throws nothing and keeps the old lists;
    /// the failure is the reload's result. Import warnings (skipped records) go to `log`.
    package convenience init(paths: [String], options: ListImportOptions, residency: CompiledList.Residency,
                             log: @escaping @Sendable (String) -> Void) throws {
        try self.init {
            try paths.map { path throws(ListLoader.Failure) in
                let loaded = try ListLoader.open(path, options: options, residency: residency)
                for warning in loaded.warnings { log(warning) }
                return LoadedList(matcher: loaded.matcher, name: loaded.name, version: loaded.version, entries: loaded.entries)
            }
        }
    }

    package var current: LoadedLists { state.withLock { $0 } }

    /// Loads the lists again and swaps them in; on failure the current lists stay and the error is returned.
    @discardableResult
    package func reload() -> Result<LoadedLists, any Error> {
        let started = reloading.withLock { busy in
            if busy { return false }
            busy = true
            return true
        }
        guard started else { return .failure(ReloadInProgress()) }
        defer { reloading.withLock { $0 = false } }
        let lists: [LoadedList]
        do {
            lists = try loader()
        } catch {
            return .failure(error)
        }
        let generation = current.generation + 1
        let loaded = LoadedLists(lists, generation: generation)
        state.withLock { $0 = loaded }
        return .success(loaded)
    }

    package struct ReloadInProgress: Error, CustomStringConvertible {
        package var description: String { "a reload is already in progress" }
    }
}
