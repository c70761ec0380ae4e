/// The decisions of a controller work queue, as client-go makes them: an item is queued at most
/// once however often it is added; an item being processed is not handed out again until `done`,
/// and if it was added meanwhile it is queued again then; failures back off exponentially per item
/// until `forget`. Pure: the shell (`WorkQueue`) owns waiting and timers.
public struct WorkQueueState<Item: Hashable & Sendable>: Sendable {
    public private(set) var queue: [Item] = []
    private var head = 0
    /// Items waiting to be processed (queued, or added again while processing).
    public private(set) var dirty: Set<Item> = []
    public private(set) var processing: Set<Item> = []
    private var failures: [Item: Int] = [:]
    /// Items waiting out a delay, each once, at its earliest deadline (on the shell's clock).
    public private(set) var delayed: [Item: Duration] = [:]
    public let baseDelay: Duration
    public let maxDelay: Duration

    public init(baseDelay: Duration = .milliseconds(5), maxDelay: Duration = .seconds(1000)) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    public var count: Int { queue.count - head }

    /// Returns true when the item was queued (false: already waiting, or requeued on `done`).
    @discardableResult
    public mutating func add(_ item: Item) -> Bool {
        guard dirty.insert(item).inserted else { return false }
        if processing.contains(item) { return false }
        queue.append(item)
        return true
    }

    /// The next item to process, now marked as processing.
    public mutating func next() -> Item? {
        guard head < queue.count else { return nil }
        let item = queue[head]
        head += 1
        if head > 64 && head * 2 > queue.count {
            queue.removeFirst(head)
            head = 0
        }
        dirty.remove(item)
        processing.insert(item)
        return item
    }

    /// Processing finished; returns true when the item went back into the queue (it was added meanwhile).
    @discardableResult
    public mutating func done(_ item: Item) -> Bool {
        processing.remove(item)
        guard dirty.contains(item) else { return false }
        queue.append(item)
        return true
    }

    /// The wait before retrying a failed item: base × 2^(failures so far), at most `maxDelay`.
    public mutating func failureDelay(_ item: Item) -> Duration {
        let count = failures[item, default: 0]
        failures[item] = count + 1
        let exponent = min(count, 40)
        let delay = baseDelay * Double(1 << exponent)
        return min(delay, maxDelay)
    }

    public func failureCount(_ item: Item) -> Int { failures[item, default: 0] }

    /// A delayed add of `item` due at `deadline`: true when the shell must (re)arm its timer, false
    /// when the item already waits for a deadline no later than this one. As client-go's delaying
    /// queue, an item waits once: a controller that re-arms its periodic pass on every run (as
    /// the node lifecycle controller does) would otherwise gain a timer chain per extra run.
    public mutating func delay(_ item: Item, until deadline: Duration) -> Bool {
        if let waiting = delayed[item], waiting <= deadline { return false }
        delayed[item] = deadline
        return true
    }

    /// The timer for `item` due at `deadline` fired: true when it is still the item's current one
    /// (the item is then no longer delayed and should be added).
    public mutating func delayElapsed(_ item: Item, deadline: Duration) -> Bool {
        guard delayed[item] == deadline else { return false }
        delayed.removeValue(forKey: item)
        return true
    }

    /// The item succeeded: its next failure starts the backoff again.
    public mutating func forget(_ item: Item) {
        failures.removeValue(forKey: item)
    }
}
