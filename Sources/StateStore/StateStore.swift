import Foundation

/// A page of a prefix listing, read from one consistent snapshot.
public typealias ListPage = (items: [KeyValue], revision: Int64, more: Bool)

/// The one storage protocol of Mesokube (ARCHITECTURE.md §3 rule 4): a revisioned key-value store
/// modelled on etcd v3, so that the SQLite, memory and etcd drivers are interchangeable.
///
/// - Every successful write transaction advances one global revision counter by exactly one; the
///   store starts at revision 0. Reads never advance it.
/// - Each key records the revision that created it, the revision that last changed it and a
///   per-key version, which callers use for compare-and-swap (`expectedModRevision`).
/// - The history of changes is kept until `compact(before:)`, so that lists can be paged at one
///   revision and watches can resume from a revision.
/// - Keys are compared and prefix-matched byte-wise on their UTF-8 form. The empty key is invalid;
///   the empty prefix means "every key".
public protocol StateStore: Sendable {
    /// The key's current value, or nil.
    func get(_ key: String) async throws -> KeyValue?

    /// Keys starting with `prefix`, in byte order, beginning at `startKey` (inclusive) when given,
    /// at most `limit` of them, as of `revision` (nil: the current one). `more` tells whether keys
    /// remain after the page; continue with `startKey: StoreKeys.successor(of: items.last!.key)` and
    /// the returned `revision` to page through one consistent snapshot.
    /// Throws `compacted` for a revision older than the compaction point, `futureRevision` for one
    /// not reached yet.
    func list(prefix: String, limit: Int?, startKey: String?, revision: Int64?) async throws -> ListPage

    /// Creates a key that must not exist (`keyExists` otherwise), optionally attached to a lease.
    @discardableResult
    func create(_ key: String, value: Data, lease: Int64?) async throws -> KeyValue

    /// Writes a key. With `expectedModRevision == nil` it is an unconditional put that creates or
    /// replaces. With a revision, the key must exist (`notFound`) and have that `modRevision`
    /// (`revisionMismatch`). An existing key keeps its lease.
    @discardableResult
    func update(_ key: String, value: Data, expectedModRevision: Int64?) async throws -> KeyValue

    /// Deletes a key (`notFound` if absent), optionally only if its `modRevision` matches.
    /// Returns the value as it was before the delete.
    @discardableResult
    func delete(_ key: String, expectedModRevision: Int64?) async throws -> KeyValue

    /// Revision of the last write.
    func currentRevision() async throws -> Int64

    /// Events for keys under `prefix` with revision >= `fromRevision`: first replayed from history,
    /// then live, in revision order, without gaps or duplicates. The stream fails with `compacted`
    /// if `fromRevision` is older than the compaction point, and with `closed` when the store
    /// closes. Ending the consumer (cancel, or dropping the iterator) stops the watch.
    func watch(prefix: String, fromRevision: Int64) -> AsyncThrowingStream<WatchEvent, any Error>

    /// Discards history of revisions older than `revision` (clamped to the next revision; the etcd driver stops at the current one, which etcd keeps readable). Current
    /// values are never affected. Compacting to an older point than before does nothing.
    func compact(before revision: Int64) async throws

    /// Grants a lease that lives for `ttl` unless kept alive; returns its id.
    func grantLease(ttl: Duration) async throws -> Int64
    /// Restarts the lease's TTL; `leaseNotFound` if it expired or was revoked.
    func keepAlive(lease: Int64) async throws
    /// Revokes a lease now, deleting its keys (with delete events, all at one revision).
    func revokeLease(_ lease: Int64) async throws

    /// Closes the store: later calls throw `closed` and open watches end with `closed`.
    func close() async
}

extension StateStore {
    /// The first page (or all, when `limit` is nil) of keys under `prefix` at the current revision.
    public func list(prefix: String, limit: Int? = nil, startKey: String? = nil) async throws -> ListPage {
        try await list(prefix: prefix, limit: limit, startKey: startKey, revision: nil)
    }

    /// Every key under `prefix` at one consistent revision, fetched in pages of `pageSize`.
    public func listAll(prefix: String, pageSize: Int = 500) async throws -> (items: [KeyValue], revision: Int64) {
        var page = try await list(prefix: prefix, limit: pageSize, startKey: nil, revision: nil)
        var items = page.items
        let revision = page.revision
        while page.more, let last = page.items.last {
            page = try await list(
                prefix: prefix, limit: pageSize, startKey: StoreKeys.successor(of: last.key), revision: revision)
            items += page.items
        }
        return (items, revision)
    }

    /// Discards history except the last `revisions` revisions. Nothing compacts on its own: the
    /// owner of a store calls this periodically (as the Kubernetes API server does with etcd), or
    /// history grows without bound.
    public func compact(keepingLast revisions: Int64) async throws {
        let current = try await currentRevision()
        try await compact(before: current - max(0, revisions) + 1)
    }

    /// Creates a key without a lease.
    @discardableResult
    public func create(_ key: String, value: Data) async throws -> KeyValue {
        try await create(key, value: value, lease: nil)
    }

    /// Unconditional put: creates or replaces.
    @discardableResult
    public func update(_ key: String, value: Data) async throws -> KeyValue {
        try await update(key, value: value, expectedModRevision: nil)
    }

    /// Unconditional delete.
    @discardableResult
    public func delete(_ key: String) async throws -> KeyValue {
        try await delete(key, expectedModRevision: nil)
    }
}

/// Helpers about the key space shared by all drivers.
public enum StoreKeys {
    /// The smallest key greater than `key`: the `startKey` that continues a listing after `key`.
    public static func successor(of key: String) -> String {
        key + "\u{0}"
    }
}
