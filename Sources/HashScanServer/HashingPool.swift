import Foundation
import HashScanPipeline
import Synchronization

/// Dedicated threads that hash and decode uploads, each with its own `BufferHasher` (decoder handles and buffers
/// are per thread). CPU-bound work never runs on the event loops or the cooperative pool, and a bounded queue
/// turns a flood of large uploads into quick 503s instead of unbounded memory and latency.
package final class HashingPool: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var head = 0
    private var stopped = false
    private var running = 0
    private let maxQueued: Int
    package let workers: Int

    private struct Job {
        let isAbandoned: @Sendable () -> Bool
        let run: (BufferHasher) -> Void
    }

    package init(workers: Int, maxQueued: Int, imageOptions: ImageHashingOptions) {
        self.workers = max(1, workers)
        self.maxQueued = max(1, maxQueued)
        for index in 0..<self.workers {
            let thread = Thread { [self] in
                let hasher = BufferHasher(imageOptions: imageOptions)
                while let job = next() {
                    if !job.isAbandoned() { job.run(hasher) }
                    finished()
                }
            }
            thread.name = "hashscan-serve-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Jobs waiting and running, for metrics.
    package var load: (queued: Int, running: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (jobs.count - head, running)
    }

    /// Runs `work` on a worker thread. Throws 503 `busy` when the queue is full, the deadline's 408 when it passes
    /// first, and `CancellationError` when the calling task is cancelled (a job not yet started is then skipped).
    package func run<T: Sendable>(deadline: RequestDeadlines.Ticket? = nil, _ work: @escaping @Sendable (BufferHasher) -> T) async throws -> T {
        let slot = OneShot<T>()
        if let deadline {
            deadline.whenExpired { slot.finish(.failure(deadline.error)) }
        }
        defer { deadline?.clearAction() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard slot.install(continuation) else { return }
                let job = Job(isAbandoned: { slot.isFinished }, run: { hasher in slot.finish(.success(work(hasher))) })
                if !enqueue(job) {
                    var busy = APIError(.serviceUnavailable, "busy", "all hashing workers are busy; retry shortly")
                    busy.headers[.retryAfter] = "1"
                    slot.finish(.failure(busy))
                }
            }
        } onCancel: {
            slot.finish(.failure(CancellationError()))
        }
    }

    /// Stops the threads once the queue is empty.
    package func shutdown() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    private func enqueue(_ job: Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped, jobs.count - head < maxQueued else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    private func next() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        while jobs.count == head && !stopped { condition.wait() }
        guard jobs.count > head else { return nil }
        let job = jobs[head]
        head += 1
        if head > 64 && head * 2 > jobs.count {
            jobs.removeFirst(head)
            head = 0
        }
        running += 1
        return job
    }

    private func finished() {
        condition.lock()
        running -= 1
        condition.unlock()
    }
}

/// A continuation resumed exactly once, by the worker or by cancellation, whichever comes first.
private final class OneShot<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var finished = false
    }

    private let state = Mutex(State())

    var isFinished: Bool { state.withLock { $0.finished } }

    /// Stores the continuation; false (having resumed it) when the slot was already finished by cancellation.
    func install(_ continuation: CheckedContinuation<T, any Error>) -> Bool {
        let alreadyFinished = state.withLock { state in
            if state.finished { return true }
            state.continuation = continuation
            return false
        }
        if alreadyFinished { continuation.resume(throwing: CancellationError()) }
        return !alreadyFinished
    }

    func finish(_ result: Result<T, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<T, any Error>? in
            if state.finished { return nil }
            state.finished = true
            defer { state.continuation = nil }
            return state.continuation
        }
        continuation?.resume(with: result)
    }
}
