import Foundation

/// One key as stored at some revision, shaped like an etcd v3 `mvccpb.KeyValue` so that the SQLite,
/// memory and etcd drivers all hand out the same thing.
public struct KeyValue: Sendable, Hashable {
    /// The key. Keys are ordered and prefix-matched by their UTF-8 bytes, never by Unicode rules.
    public var key: String
    public var value: Data
    /// Global revision of the write that created this incarnation of the key.
    public var createRevision: Int64
    /// Global revision of the last write to this key; the token for compare-and-swap updates.
    public var modRevision: Int64
    /// Number of writes since creation: 1 right after `create`, reset when the key is deleted.
    public var version: Int64
    /// Lease the key is attached to; the key is deleted when that lease expires or is revoked.
    public var lease: Int64?

    public init(
        key: String, value: Data, createRevision: Int64, modRevision: Int64, version: Int64, lease: Int64?
    ) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.version = version
        self.lease = lease
    }
}

/// A change seen by a watcher. Each event carries the global revision of the write that caused it;
/// several deletes caused by one lease expiry share one revision, like etcd.
public enum WatchEvent: Sendable, Hashable {
    /// A key was created (`previous == nil`) or replaced.
    case put(KeyValue, previous: KeyValue?)
    /// A key was deleted at `revision`.
    case delete(key: String, previous: KeyValue?, revision: Int64)

    public var revision: Int64 {
        switch self {
        case .put(let kv, _): kv.modRevision
        case .delete(_, _, let revision): revision
        }
    }

    public var key: String {
        switch self {
        case .put(let kv, _): kv.key
        case .delete(let key, _, _): key
        }
    }

    /// The key's value before this event, if it existed.
    public var previous: KeyValue? {
        switch self {
        case .put(_, let previous), .delete(_, let previous, _): previous
        }
    }
}

/// Why a store operation failed.
public enum StoreError: Error, Sendable, Hashable {
    /// `create` of a key that already exists.
    case keyExists(String)
    /// The key does not exist (update with an expected revision, delete).
    case notFound(String)
    /// Compare-and-swap failed: the key's `modRevision` is `actual`, not `expected`.
    case revisionMismatch(key: String, expected: Int64, actual: Int64)
    /// The requested revision's history was discarded by `compact(before:)`; re-list and watch anew.
    case compacted(requested: Int64, compactedAt: Int64)
    /// A read at a revision the store has not reached yet.
    case futureRevision(requested: Int64, current: Int64)
    case leaseNotFound(Int64)
    /// Bad input, such as an empty key, a non-positive TTL or a non-positive page size.
    case invalidArgument(String)
    /// The store was closed.
    case closed
    /// The backend failed (I/O, corruption, ...); the text is the backend's own message.
    case backend(String)
}

extension StoreError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .keyExists(let key): "key already exists: \(key)"
        case .notFound(let key): "key not found: \(key)"
        case .revisionMismatch(let key, let expected, let actual):
            "revision mismatch on \(key): expected \(expected), actual \(actual)"
        case .compacted(let requested, let compactedAt):
            "revision \(requested) has been compacted (history starts at \(compactedAt))"
        case .futureRevision(let requested, let current):
            "revision \(requested) is in the future (current revision \(current))"
        case .leaseNotFound(let id): "lease not found: \(id)"
        case .invalidArgument(let why): "invalid argument: \(why)"
        case .closed: "state store is closed"
        case .backend(let message): "state store backend error: \(message)"
        }
    }
}
