import Foundation
import StateStore

/// A memory store with hooks, for tests of what a store's timing does to its callers: writes that
/// take `writeDelay` (as etcd's do on a loaded machine), and `onKeepAlive` told of each lease
/// renewal before it is made.
public struct HookedStateStore: StateStore {
    let base = MemoryStateStore()
    let writeDelay: Duration
    let onKeepAlive: @Sendable () -> Void

    public init(writeDelay: Duration = .zero, onKeepAlive: @escaping @Sendable () -> Void = {}) {
        self.writeDelay = writeDelay
        self.onKeepAlive = onKeepAlive
    }

    public func get(_ key: String) async throws -> KeyValue? { try await base.get(key) }

    public func list(prefix: String, limit: Int?, startKey: String?, revision: Int64?) async throws -> ListPage {
        try await base.list(prefix: prefix, limit: limit, startKey: startKey, revision: revision)
    }

    public func create(_ key: String, value: Data, lease: Int64?) async throws -> KeyValue {
        try await Task.sleep(for: writeDelay)
        return try await base.create(key, value: value, lease: lease)
    }

    public func update(_ key: String, value: Data, expectedModRevision: Int64?) async throws -> KeyValue {
        try await Task.sleep(for: writeDelay)
        return try await base.update(key, value: value, expectedModRevision: expectedModRevision)
    }

    public func delete(_ key: String, expectedModRevision: Int64?) async throws -> KeyValue {
        try await Task.sleep(for: writeDelay)
        return try await base.delete(key, expectedModRevision: expectedModRevision)
    }

    public func currentRevision() async throws -> Int64 { try await base.currentRevision() }

    public func watch(prefix: String, fromRevision: Int64) -> AsyncThrowingStream<WatchEvent, any Error> {
        base.watch(prefix: prefix, fromRevision: fromRevision)
    }

    public func compact(before revision: Int64) async throws { try await base.compact(before: revision) }
    public func grantLease(ttl: Duration) async throws -> Int64 { try await base.grantLease(ttl: ttl) }

    public func keepAlive(lease: Int64) async throws {
        onKeepAlive()
        try await base.keepAlive(lease: lease)
    }

    public func revokeLease(_ lease: Int64) async throws { try await base.revokeLease(lease) }
    public func close() async { await base.close() }
}
