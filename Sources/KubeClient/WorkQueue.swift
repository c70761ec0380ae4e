import Synchronization

/// A controller's work queue: workers `await next()`, handlers `add` from anywhere without
/// suspending, failed items come back after `WorkQueueState`'s backoff on the injected clock.
public final class WorkQueue<Item: Hashable & Sendable>: Sendable {
    private struct Shared: Sendable {
        var state: WorkQueueState<Item>
        var waiters: [CheckedContinuation<Item?, Never>] = []
        var shutDown = false
        /// One timer per delayed item (see `WorkQueueState.delay`).
        var timers: [Item: Task<Void, Never>] = [:]
    }

    private let shared: Mutex<Shared>
    private let clock: any Clock<Duration>
    /// Time since the queue was made, on `clock`: delayed items' deadlines.
    private let elapsed: @Sendable () -> Duration

    public init(
        baseDelay: Duration = .milliseconds(5), maxDelay: Duration = .seconds(1000),
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        shared = Mutex(Shared(state: WorkQueueState(baseDelay: baseDelay, maxDelay: maxDelay)))
        self.clock = clock
        elapsed = Self.elapsedTime(on: clock)
    }

    private static func elapsedTime<C: Clock<Duration>>(on clock: C) -> @Sendable () -> Duration {
        let start = clock.now
        return { start.duration(to: clock.now) }
    }

    public func add(_ item: Item) {
        let handoff = shared.withLock { shared -> (CheckedContinuation<Item?, Never>, Item)? in
            guard !shared.shutDown, shared.state.add(item), !shared.waiters.isEmpty,
                let next = shared.state.next()
            else { return nil }
            return (shared.waiters.removeFirst(), next)
        }
        if let (waiter, next) = handoff { waiter.resume(returning: next) }
    }

    /// Adds the item once `delay` has passed on the queue's clock. An item waits once: if it is
    /// already due sooner this does nothing, if later its wait is shortened to this one.
    public func add(_ item: Item, after delay: Duration) {
        guard delay > .zero else { return add(item) }
        let clock = self.clock
        let deadline = elapsed() + delay
        shared.withLock { shared in
            guard !shared.shutDown, shared.state.delay(item, until: deadline) else { return }
            shared.timers[item]?.cancel()
            shared.timers[item] = Task { [weak self] in
                try? await clock.sleep(for: delay)
                guard let self, !Task.isCancelled else { return }
                let due = self.shared.withLock { shared in
                    guard shared.state.delayElapsed(item, deadline: deadline) else { return false }
                    shared.timers.removeValue(forKey: item)
                    return true
                }
                if due { self.add(item) }
            }
        }
    }

    /// Retries a failed item after its backoff.
    public func retry(_ item: Item) {
        let delay = shared.withLock { $0.state.failureDelay(item) }
        add(item, after: delay)
    }

    public func forget(_ item: Item) {
        shared.withLock { $0.state.forget(item) }
    }

    public func failureCount(_ item: Item) -> Int {
        shared.withLock { $0.state.failureCount(item) }
    }

    /// The next item, marked as processing until `done`; nil once the queue is shut down.
    public func next() async -> Item? {
        await withCheckedContinuation { continuation in
            let immediate = shared.withLock { shared -> Item?? in
                if shared.shutDown { return .some(nil) }
                if let item = shared.state.next() { return .some(item) }
                shared.waiters.append(continuation)
                return nil
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
    }

    public func done(_ item: Item) {
        let handoff = shared.withLock { shared -> (CheckedContinuation<Item?, Never>, Item)? in
            guard shared.state.done(item), !shared.waiters.isEmpty, let next = shared.state.next() else { return nil }
            return (shared.waiters.removeFirst(), next)
        }
        if let (waiter, next) = handoff { waiter.resume(returning: next) }
    }

    public var count: Int { shared.withLock { $0.state.count } }

    /// Wakes every waiting worker with nil and cancels pending delayed adds.
    public func shutdown() {
        let (waiters, timers) = shared.withLock { shared in
            shared.shutDown = true
            defer {
                shared.waiters.removeAll()
                shared.timers.removeAll()
            }
            return (shared.waiters, Array(shared.timers.values))
        }
        for waiter in waiters { waiter.resume(returning: nil) }
        for timer in timers { timer.cancel() }
    }
}
