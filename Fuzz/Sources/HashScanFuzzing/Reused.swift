import Synchronization

/// One instance of a non-thread-safe worker (a decoder, a hasher) reused across inputs, as a scan worker reuses
/// it, so state left behind by one hostile input meets the next. The lock only matters when the tests replay
/// corpora in parallel; libFuzzer runs one input at a time.
final class Reused<Value>: @unchecked Sendable {
    private let lock = Mutex(())
    private let value: Value

    init(_ value: Value) { self.value = value }

    func with<Result>(_ body: (Value) -> Result) -> Result {
        lock.withLock { _ in body(value) }
    }
}
