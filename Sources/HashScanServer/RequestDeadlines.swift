import Dispatch
import Synchronization

/// Request deadlines without a timer per request. A task group racing each request against a sleeping task cost
/// two task spawns, a timer and thread hops per request (about as much as the hash lookup itself); here a request
/// registers a ticket in a table and one sweep, a few times a second, expires the tickets past their deadline.
/// Expiring a ticket stops what the request waits on: the body upload (the connection's input is shut, so the
/// body ends early) and its hashing job (the job's waiter is resumed with the 408 error).
package final class RequestDeadlines: Sendable {
    package static let timeoutCode = "request_timeout"

    /// One request's deadline.
    package final class Ticket: Sendable {
        let deadline: UInt64
        let seconds: Double
        private let stopInput: (@Sendable () -> Void)?
        private struct State {
            var expired = false
            var onExpire: (@Sendable () -> Void)? = nil
        }
        private let state = Mutex(State())

        init(deadline: UInt64, seconds: Double, stopInput: (@Sendable () -> Void)?) {
            self.deadline = deadline
            self.seconds = seconds
            self.stopInput = stopInput
        }

        package var isExpired: Bool { state.withLock { $0.expired } }

        /// The 408 answer for this request.
        package var error: APIError {
            APIError(.requestTimeout, RequestDeadlines.timeoutCode, "the request was not answered within \(seconds) s")
        }

        /// Runs `action` when the deadline passes (at once if it has passed). One action at a time: the latest.
        package func whenExpired(_ action: @escaping @Sendable () -> Void) {
            let runNow = state.withLock { state -> Bool in
                if state.expired { return true }
                state.onExpire = action
                return false
            }
            if runNow { action() }
        }

        /// Forgets the action (its wait is over).
        package func clearAction() { state.withLock { $0.onExpire = nil } }

        fileprivate func expire() {
            let action = state.withLock { state -> (@Sendable () -> Void)? in
                guard !state.expired else { return nil }
                state.expired = true
                defer { state.onExpire = nil }
                return state.onExpire
            }
            // The body stops arriving: a waiting read ends, and the handler sees the ticket expired.
            stopInput?()
            action?()
        }
    }

    private let active = Mutex<[ObjectIdentifier: Ticket]>([:])
    /// Dispatch sources are thread-safe; the type just does not say so.
    nonisolated(unsafe) private let timer: any DispatchSourceTimer

    /// - Parameter resolution: seconds between sweeps (a deadline fires up to this late).
    package init(resolution: Double = 0.1) {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "hashscan-serve-deadlines"))
        self.timer = timer
        timer.schedule(deadline: .now() + resolution, repeating: resolution, leeway: .milliseconds(Int(resolution * 250)))
        timer.setEventHandler { [weak self] in self?.sweep() }
        timer.resume()
    }

    deinit { timer.cancel() }

    /// - Parameter stopInput: shuts the connection's input (a body read then ends).
    package func begin(seconds: Double, stopInput: (@Sendable () -> Void)?) -> Ticket {
        let ticket = Ticket(deadline: DispatchTime.now().uptimeNanoseconds &+ UInt64(seconds * 1e9), seconds: seconds, stopInput: stopInput)
        active.withLock { $0[ObjectIdentifier(ticket)] = ticket }
        return ticket
    }

    package func end(_ ticket: Ticket) {
        _ = active.withLock { $0.removeValue(forKey: ObjectIdentifier(ticket)) }
    }

    private func sweep() {
        let now = DispatchTime.now().uptimeNanoseconds
        let expired = active.withLock { active -> [Ticket] in
            let due = active.values.filter { $0.deadline <= now }
            for ticket in due { active.removeValue(forKey: ObjectIdentifier(ticket)) }
            return due
        }
        for ticket in expired { ticket.expire() }
    }
}
