import Foundation
import HashScanCore

/// Turns a run's inputs into work items: the one place each kind of source is expanded, for `scan`
/// (`ScanRunner`) and `enqueue` (the PostgreSQL queue) alike. Paths are walked by `TreeWalker`; a list of paths on
/// standard input and a manifest's entries are walked the same way, a manifest's locator and fields riding along
/// in each item's `FileContext`. A new source of paths is one more case here (docs/architecture.md).
package struct SourceExpander {
    private var walker: TreeWalker
    private let push: (WorkItem) -> Bool

    /// - Parameter push: takes each item; returns false to stop (the output closed, a signal, a failed batch).
    package init(followSymlinks: Bool, push: @escaping (WorkItem) -> Bool) {
        self.push = push
        walker = TreeWalker(followSymlinks: followSymlinks, emit: push)
    }

    /// Symbolic links met while walking and not followed.
    package var skippedSymlinks: Int { walker.skippedSymlinks }

    /// Expands one input; false when `push` stopped taking items. A manifest that cannot be read throws (the
    /// caller decides: `scan` records it as an error record, `enqueue` refuses the batch). `standardInputContent`
    /// is not a source of paths: the caller hashes the stream itself.
    /// - Parameters:
    ///   - shouldStop, onIdle: for paths on standard input, polled while the writer is idle.
    package mutating func expand(_ input: ScanInput, shouldStop: @escaping () -> Bool = { false },
                                 onIdle: @escaping () -> Void = {}) throws -> Bool {
        switch input {
        case .path(let path):
            return walker.walk(root: path)
        case .pathsFromStandardInput(let separator):
            let reader = PathListReader(descriptor: STDIN_FILENO, separator: separator, shouldStop: shouldStop, onIdle: onIdle)
            return reader.forEach { path in walker.walk(root: path) }
        case .manifest(let manifest):
            return try ManifestReader(path: manifest).forEach { entry in
                switch entry {
                case .file(let path, let context):
                    walker.context = context
                    defer { walker.context = nil }
                    return walker.walk(root: path)
                case .malformed(let line, let reason):
                    return push(.failed(RawPath("\(manifest):\(line)"), ScanError(.invalidManifest, reason), context: nil))
                }
            }
        case .standardInputContent:
            return true
        }
    }
}
