/// The input giflib reads through its callback: a borrowed buffer and a cursor.
struct GIFMemorySource {
    var base: UnsafeRawPointer?
    var count = 0
    var offset = 0
}
