import Foundation

/// Runs `body(worker, workers)` on `workers` dedicated threads at once and waits for all of them. Threads,
/// not tasks: the work is blocking reads and C decoding, as in the scan pipeline.
func runOnThreads(_ workers: Int, _ body: @escaping @Sendable (_ worker: Int, _ workers: Int) -> Void) {
    let group = DispatchGroup()
    for worker in 0..<workers {
        group.enter()
        let thread = Thread {
            body(worker, workers)
            group.leave()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
    group.wait()
}

/// A flag any thread may raise.
final class FailureFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    var isSet: Bool { lock.withLock { raised } }
    func set() { lock.withLock { raised = true } }
}

/// A shared count, for progress.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int { lock.withLock { value += 1; return value } }
}

/// Per-worker results, each slot written by its own worker and read after the join.
final class Slots<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Value]
    init(_ count: Int, _ initial: Value) { values = Array(repeating: initial, count: count) }
    subscript(index: Int) -> Value {
        get { lock.withLock { values[index] } }
        set { lock.withLock { values[index] = newValue } }
    }
    var all: [Value] { lock.withLock { values } }
}
