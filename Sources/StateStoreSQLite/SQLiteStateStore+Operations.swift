import Foundation
import GRDB
import StateStore

extension SQLiteStateStore {
    // MARK: Reads

    public func get(_ key: String) async throws -> KeyValue? {
        try StoreValidation.key(key)
        return try await read { db in try SQLiteSchema.keyValue(db, key) }
    }

    public func list(prefix: String, limit: Int?, startKey: String?, revision: Int64?) async throws -> ListPage {
        try StoreValidation.limit(limit)
        let range = KeyRange(prefix: prefix, startKey: startKey)
        return try await read { db in
            let window = try SQLiteSchema.window(db)
            let at = revision ?? window.current
            try window.checkReadable(at: at)
            if at == window.current {
                // Fetch one extra row to learn whether another page follows.
                let items = try SQLiteSchema.keyValues(db, in: range, limit: limit.map { $0 + 1 })
                return Snapshot.page(ofSorted: items, limit: limit, revision: at)
            }
            // A past revision: start from the present and undo the history after `at`.
            var state: [KeyBytes: KeyValue] = [:]
            for kv in try SQLiteSchema.keyValues(db, in: range, limit: nil) { state[KeyBytes(kv.key)] = kv }
            Snapshot.rewind(&state, undoing: try SQLiteSchema.eventsToUndo(db, after: at, in: range))
            return Snapshot.page(of: state, in: range, limit: limit, revision: at)
        }
    }

    public func currentRevision() async throws -> Int64 {
        try await read { db in try SQLiteSchema.window(db).current }
    }

    // MARK: Writes

    @discardableResult
    public func create(_ key: String, value: Data, lease: Int64?) async throws -> KeyValue {
        try StoreValidation.key(key)
        let now = self.now()
        return try await write { db, next in
            if let lease {
                let live = self.timers.withLock { $0.isLive(lease, at: now) }
                guard live, try SQLiteSchema.leaseExists(db, lease) else { throw StoreError.leaseNotFound(lease) }
            }
            let event = try WritePlan.create(
                key, value: value, lease: lease, current: try SQLiteSchema.keyValue(db, key), revision: next)
            return try (Self.newValue(event), [event])
        }
    }

    @discardableResult
    public func update(_ key: String, value: Data, expectedModRevision: Int64?) async throws -> KeyValue {
        try StoreValidation.key(key)
        return try await write { db, next in
            let event = try WritePlan.update(
                key, value: value, expectedModRevision: expectedModRevision,
                current: try SQLiteSchema.keyValue(db, key), revision: next)
            return try (Self.newValue(event), [event])
        }
    }

    @discardableResult
    public func delete(_ key: String, expectedModRevision: Int64?) async throws -> KeyValue {
        try StoreValidation.key(key)
        return try await write { db, next in
            let current = try SQLiteSchema.keyValue(db, key)
            let event = try WritePlan.delete(
                key, expectedModRevision: expectedModRevision, current: current, revision: next)
            guard let current else { throw StoreError.notFound(key) }
            return (current, [event])
        }
    }

    public func compact(before revision: Int64) async throws {
        try await write { db, _ in
            if let point = try SQLiteSchema.window(db).compactionPoint(before: revision) {
                try SQLiteSchema.setCompactedAt(db, point)
            }
            return ((), [])
        }
    }

    // MARK: Watch

    public func watch(prefix: String, fromRevision: Int64) -> AsyncThrowingStream<WatchEvent, any Error> {
        let (id, stream) = hub.reserve(prefix: prefix)
        Task { await self.activateWatch(id, prefix: prefix, fromRevision: fromRevision) }
        return stream
    }

    /// Reads the replay on the writer queue, which is also where commits are published: no write
    /// can land between the history read and the switch to live events.
    private func activateWatch(_ id: UInt64, prefix: String, fromRevision: Int64) async {
        do {
            try await onWriter { db in
                try SQLiteSchema.window(db).checkWatchable(from: fromRevision)
                let replay = try SQLiteSchema.events(db, from: fromRevision, in: KeyRange(prefix: prefix))
                self.hub.activate(id, fromRevision: fromRevision, replay: replay)
            }
        } catch {
            hub.fail(id, error)
        }
    }

    static func newValue(_ event: WatchEvent) throws -> KeyValue {
        guard case .put(let kv, _) = event else { throw StoreError.backend("write produced no value") }
        return kv
    }
}
