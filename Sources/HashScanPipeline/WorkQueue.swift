import Foundation

/// A bounded multi-producer, multi-consumer queue: producers wait when it is full, so memory stays flat.
///
/// Waiters are woken sparingly: a consumer wakes a waiting producer only once the queue has drained to half
/// its capacity, so a walker far ahead of the workers refills in bursts instead of trading a wake-up (two
/// context switches) for every single file.
final class WorkQueue<Element: Sendable>: @unchecked Sendable {
    /// Guards the queue; producers wait on it when the queue is full.
    private let state = NSCondition()
    /// Consumers wait on it when the queue is empty (always taken after `state`, never the other way round).
    private let notEmpty = NSCondition()
    private var items: [Element] = []
    private var head = 0
    private var closed = false
    private let capacity: Int
    private let lowWater: Int
    private var waitingProducers = 0
    private var waitingConsumers = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        lowWater = max(0, capacity / 2)
    }

    private var count: Int { items.count - head }

    /// Adds an item, waiting for room; returns false if the queue was closed (the run is stopping).
    @discardableResult
    func push(_ item: Element) -> Bool {
        state.lock()
        while count >= capacity && !closed {
            waitingProducers += 1
            state.wait()
            waitingProducers -= 1
        }
        guard !closed else { state.unlock(); return false }
        items.append(item)
        let wakeConsumer = waitingConsumers > 0
        state.unlock()
        if wakeConsumer { notEmpty.lock(); notEmpty.signal(); notEmpty.unlock() }
        return true
    }

    /// The next item, or nil once the queue is closed and drained.
    func pop() -> Element? {
        state.lock()
        while count == 0 && !closed {
            waitingConsumers += 1
            // Take the consumers' lock before releasing the queue, so a producer cannot signal in between.
            notEmpty.lock()
            state.unlock()
            notEmpty.wait(until: Date().addingTimeInterval(0.05))
            notEmpty.unlock()
            state.lock()
            waitingConsumers -= 1
        }
        guard count > 0 else { state.unlock(); return nil }
        let item = items[head]
        head += 1
        if head > 1024 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        if waitingProducers > 0 && count <= lowWater { state.broadcast() }
        state.unlock()
        return item
    }

    /// No more items will come; consumers drain what is left.
    func close() {
        state.lock()
        closed = true
        state.broadcast()
        state.unlock()
        notEmpty.lock()
        notEmpty.broadcast()
        notEmpty.unlock()
    }

    /// Stops the run: drops what is queued and releases every waiter.
    func cancel() {
        state.lock()
        closed = true
        items.removeAll()
        head = 0
        state.broadcast()
        state.unlock()
        notEmpty.lock()
        notEmpty.broadcast()
        notEmpty.unlock()
    }
}
