/// One analyser's copy of an item's bytes, collected during the read pass up to a limit, so the item is read once;
/// released after use, and a large one's memory given back, so one huge file does not pin memory.
struct ContentBuffer {
    let limit: Int
    private(set) var bytes: [UInt8] = []
    /// Buffers larger than this are freed after use rather than kept for the next item.
    private static let retainLimit = 64 << 20

    init(limit: Int) { self.limit = limit }

    /// Appends a chunk; false, with the bytes released, when the item would pass the limit.
    mutating func append(_ chunk: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count + chunk.count <= limit else {
            release()
            return false
        }
        bytes.append(contentsOf: chunk)
        return true
    }

    mutating func release() {
        if bytes.capacity > Self.retainLimit { bytes = [] } else { bytes.removeAll(keepingCapacity: true) }
    }
}
