import Foundation

/// The in-memory driver, for tests and simulations: the whole protocol with nothing durable.
///
/// Time comes from an injected monotonic clock so that lease expiry is deterministic. Expired
/// leases are revoked (their keys deleted, with delete events) at the start of every operation and
/// whenever `expireLeases()` is called; there is no background timer, so a watcher learns of an
/// expiry only when the store is next used. Drive `expireLeases()` from a timer if that matters.
public actor MemoryStateStore: StateStore {
    private struct Lease {
        let ttl: Duration
        var deadline: Duration
        var keys: Set<KeyBytes> = []
    }

    private let now: @Sendable () -> Duration
    private let hub = WatchHub()
    private var entries: [KeyBytes: KeyValue] = [:]
    private var window = RevisionWindow(compactedAt: 0, current: 0)
    /// Every event with revision >= `window.compactedAt`, oldest first.
    private var history: [WatchEvent] = []
    private var leases: [Int64: Lease] = [:]
    private var lastLeaseID: Int64 = 0
    private var closed = false

    /// A store whose lease clock is the system's continuous clock.
    public init() {
        self.init(clock: ContinuousClock())
    }

    /// A store whose lease clock is `clock` (a manual clock in tests).
    public init<C: Clock<Duration>>(clock: C) {
        let start = clock.now
        self.init(now: { start.duration(to: clock.now) })
    }

    /// A store whose lease clock is `now`: monotonic time since any fixed origin.
    public init(now: @escaping @Sendable () -> Duration) {
        self.now = now
    }

    // MARK: Reads

    public func get(_ key: String) throws -> KeyValue? {
        try begin()
        try StoreValidation.key(key)
        return entries[KeyBytes(key)]
    }

    public func list(prefix: String, limit: Int?, startKey: String?, revision: Int64?) throws -> ListPage {
        try begin()
        try StoreValidation.limit(limit)
        let range = KeyRange(prefix: prefix, startKey: startKey)
        let at = revision ?? window.current
        try window.checkReadable(at: at)
        guard at < window.current else {
            return Snapshot.page(of: entries, in: range, limit: limit, revision: at)
        }
        var state = entries.filter { range.contains($0.key.bytes) }
        let undo = history[firstIndex(atOrAfter: at + 1)...].reversed().filter { range.contains(Array($0.key.utf8)) }
        Snapshot.rewind(&state, undoing: undo)
        return Snapshot.page(of: state, in: range, limit: limit, revision: at)
    }

    public func currentRevision() throws -> Int64 {
        try begin()
        return window.current
    }

    // MARK: Writes

    @discardableResult
    public func create(_ key: String, value: Data, lease: Int64?) throws -> KeyValue {
        try begin()
        if let lease, leases[lease] == nil { throw StoreError.leaseNotFound(lease) }
        let event = try WritePlan.create(
            key, value: value, lease: lease, current: entries[KeyBytes(key)], revision: window.current + 1)
        commit([event])
        return try putValue(event)
    }

    @discardableResult
    public func update(_ key: String, value: Data, expectedModRevision: Int64?) throws -> KeyValue {
        try begin()
        let event = try WritePlan.update(
            key, value: value, expectedModRevision: expectedModRevision, current: entries[KeyBytes(key)],
            revision: window.current + 1)
        commit([event])
        return try putValue(event)
    }

    @discardableResult
    public func delete(_ key: String, expectedModRevision: Int64?) throws -> KeyValue {
        try begin()
        let event = try WritePlan.delete(
            key, expectedModRevision: expectedModRevision, current: entries[KeyBytes(key)],
            revision: window.current + 1)
        commit([event])
        guard let previous = event.previous else { throw StoreError.notFound(key) }
        return previous
    }

    public func compact(before revision: Int64) throws {
        try begin()
        guard let point = window.compactionPoint(before: revision) else { return }
        history.removeSubrange(..<firstIndex(atOrAfter: point))
        window.compactedAt = point
    }

    // MARK: Watch

    public nonisolated func watch(prefix: String, fromRevision: Int64) -> AsyncThrowingStream<WatchEvent, any Error> {
        let (id, stream) = hub.reserve(prefix: prefix)
        // Replay is read inside the actor, which also publishes writes: no event slips between.
        Task { await self.activateWatch(id, fromRevision: fromRevision) }
        return stream
    }

    private func activateWatch(_ id: UInt64, fromRevision: Int64) {
        do {
            try begin()
            try window.checkWatchable(from: fromRevision)
        } catch {
            hub.fail(id, error)
            return
        }
        hub.activate(id, fromRevision: fromRevision, replay: Array(history[firstIndex(atOrAfter: fromRevision)...]))
    }

    // MARK: Leases

    public func grantLease(ttl: Duration) throws -> Int64 {
        try begin()
        try StoreValidation.ttl(ttl)
        lastLeaseID += 1
        leases[lastLeaseID] = Lease(ttl: ttl, deadline: now() + ttl)
        return lastLeaseID
    }

    public func keepAlive(lease: Int64) throws {
        try begin()
        guard var entry = leases[lease] else { throw StoreError.leaseNotFound(lease) }
        entry.deadline = now() + entry.ttl
        leases[lease] = entry
    }

    public func revokeLease(_ lease: Int64) throws {
        try begin()
        guard leases[lease] != nil else { throw StoreError.leaseNotFound(lease) }
        revoke([lease])
    }

    /// Revokes every lease whose TTL has run out by the injected clock.
    public func expireLeases() {
        guard !closed else { return }
        let time = now()
        let expired = leases.filter { $0.value.deadline <= time }.keys.sorted()
        if !expired.isEmpty { revoke(expired) }
    }

    public func close() {
        closed = true
        hub.close()
    }

    // MARK: Internals

    /// Every operation starts here: refuse after close, and never show a key of an expired lease.
    private func begin() throws {
        if closed { throw StoreError.closed }
        expireLeases()
    }

    /// Deletes the keys of `ids` in one write (one revision, like etcd) and forgets the leases.
    private func revoke(_ ids: [Int64]) {
        let keys = ids.flatMap { leases.removeValue(forKey: $0)?.keys ?? [] }.sorted()
        guard !keys.isEmpty else { return }
        let revision = window.current + 1
        let events = keys.compactMap { key in
            entries[key].map { WatchEvent.delete(key: key.string, previous: $0, revision: revision) }
        }
        commit(events)
    }

    /// Applies events of one new revision to the entries, the lease key sets and the history.
    private func commit(_ events: [WatchEvent]) {
        guard let revision = events.first?.revision else { return }
        for event in events {
            let key = KeyBytes(event.key)
            switch event {
            case .put(let kv, _):
                entries[key] = kv
                if let lease = kv.lease { leases[lease]?.keys.insert(key) }
            case .delete(_, let previous, _):
                entries.removeValue(forKey: key)
                if let lease = previous?.lease { leases[lease]?.keys.remove(key) }
            }
        }
        window.current = revision
        history += events
        hub.publish(events)
    }

    private func putValue(_ event: WatchEvent) throws -> KeyValue {
        guard case .put(let kv, _) = event else { throw StoreError.backend("write produced no value") }
        return kv
    }

    /// Index of the first history event with revision >= `revision` (history is sorted).
    private func firstIndex(atOrAfter revision: Int64) -> Int {
        var low = history.startIndex
        var high = history.endIndex
        while low < high {
            let mid = (low + high) / 2
            if history[mid].revision < revision { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
