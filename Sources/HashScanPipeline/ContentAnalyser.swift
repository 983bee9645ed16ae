import HashScanCore

/// One kind of content the scanner understands beyond its bytes' digests (images today; video next): it sees an
/// item's bytes during the single read pass, then adds what it found — perceptual hashes, facts about the content,
/// or why it could not be analysed — to the item's `HashedFile`. `ReadPass` drives every analyser the same way for
/// files (`FileProcessor`: scan, worker) and for request bodies (`BufferHasher`: the service), so a new content
/// type is one new conforming type, added in `ReadPass.init` (docs/architecture.md). Not thread-safe: one per worker.
package protocol ContentAnalyser: AnyObject {
    /// Whether the item whose first chunk is `head` is this analyser's content (a cheap sniff). Asked once per item.
    /// `rereadable` is the item's open regular file when it has one (scan, worker), which the analyser may read again
    /// with `pread` in `finish` instead of collecting every chunk (videos too large for memory); nil for streams and bodies.
    func wants(head: UnsafeRawBufferPointer, rereadable: Int32?) -> Bool
    /// Every chunk of a wanted item in order, the first included. An error gives the item up for this analyser
    /// (e.g. over its size limit); it becomes the item's note, its digests still count.
    func consume(_ chunk: UnsafeRawBufferPointer) -> ScanError?
    /// The wanted item was read whole and is to be analysed: add to `file`.
    func finish(into file: inout HashedFile)
    /// The item is abandoned (a read error, a size that changed, a known-good file): forget what was collected.
    func discard()
}
