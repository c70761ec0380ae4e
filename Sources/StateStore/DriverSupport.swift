import Foundation

// Building blocks shared by the drivers in this package (memory, SQLite), so that they agree on
// key order, validation and write semantics by construction rather than by testing alone.

/// A key as its UTF-8 bytes: the equality and order every driver uses. Swift's own `String`
/// equality follows Unicode canonical equivalence, which SQLite and etcd do not.
package struct KeyBytes: Hashable, Comparable, Sendable {
    package let bytes: [UInt8]

    package init(_ key: String) { bytes = Array(key.utf8) }
    package init(bytes: [UInt8]) { self.bytes = bytes }

    package var string: String { String(decoding: bytes, as: UTF8.self) }

    package static func < (lhs: KeyBytes, rhs: KeyBytes) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    package func hasPrefix(_ prefix: [UInt8]) -> Bool { bytes.starts(with: prefix) }
}

/// The half-open byte range `[lower, upper)` selected by a prefix and an optional start key.
package struct KeyRange: Sendable {
    package let prefix: [UInt8]
    package let lower: [UInt8]
    /// Exclusive end; nil when the range runs to the end of the key space.
    package let upper: [UInt8]?

    package init(prefix: String, startKey: String? = nil) {
        let prefixBytes = Array(prefix.utf8)
        self.prefix = prefixBytes
        let start = startKey.map { Array($0.utf8) } ?? []
        lower = start.lexicographicallyPrecedes(prefixBytes) ? prefixBytes : start
        upper = KeyRange.end(ofPrefix: prefixBytes)
    }

    package func contains(_ key: [UInt8]) -> Bool {
        if key.lexicographicallyPrecedes(lower) { return false }
        if let upper, !key.lexicographicallyPrecedes(upper) { return false }
        return true
    }

    /// The first byte string after every string starting with `prefix`; nil for "no end".
    static func end(ofPrefix prefix: [UInt8]) -> [UInt8]? {
        var end = prefix
        while let last = end.last {
            if last < 0xFF {
                end[end.count - 1] = last + 1
                return end
            }
            end.removeLast()
        }
        return nil
    }
}

/// Input checks every driver applies before touching its backend.
package enum StoreValidation {
    package static func key(_ key: String) throws {
        if key.isEmpty { throw StoreError.invalidArgument("key must not be empty") }
    }

    package static func limit(_ limit: Int?) throws {
        if let limit, limit <= 0 { throw StoreError.invalidArgument("limit must be positive, got \(limit)") }
    }

    package static func ttl(_ ttl: Duration) throws {
        if ttl <= .zero { throw StoreError.invalidArgument("lease TTL must be positive, got \(ttl)") }
    }

    package static func revision(_ revision: Int64) throws {
        if revision < 0 { throw StoreError.invalidArgument("revision must not be negative, got \(revision)") }
    }
}

/// Where history starts and ends, and which reads and watches that allows.
package struct RevisionWindow: Sendable {
    /// History holds every event with revision >= this (etcd's compact revision).
    package var compactedAt: Int64
    package var current: Int64

    package init(compactedAt: Int64, current: Int64) {
        self.compactedAt = compactedAt
        self.current = current
    }

    /// A snapshot read at `revision` needs every event after it.
    package func checkReadable(at revision: Int64) throws {
        try StoreValidation.revision(revision)
        if revision < compactedAt { throw StoreError.compacted(requested: revision, compactedAt: compactedAt) }
        if revision > current { throw StoreError.futureRevision(requested: revision, current: current) }
    }

    /// A watch from `revision` replays every event at or after it; future revisions simply wait.
    package func checkWatchable(from revision: Int64) throws {
        try StoreValidation.revision(revision)
        if revision < compactedAt { throw StoreError.compacted(requested: revision, compactedAt: compactedAt) }
    }

    /// The new compaction point for `compact(before:)`, or nil when nothing would change. Clamped
    /// to `current + 1` so that revisions not written yet are never declared lost.
    package func compactionPoint(before revision: Int64) -> Int64? {
        let point = min(revision, current + 1)
        return point > compactedAt ? point : nil
    }
}

/// The semantics of single-key writes, as pure functions from the key's current value to the
/// event the write produces at `revision` (the new global revision). Drivers then apply the event.
package enum WritePlan {
    package static func create(
        _ key: String, value: Data, lease: Int64?, current: KeyValue?, revision: Int64
    ) throws -> WatchEvent {
        try StoreValidation.key(key)
        if current != nil { throw StoreError.keyExists(key) }
        let kv = KeyValue(
            key: key, value: value, createRevision: revision, modRevision: revision, version: 1, lease: lease)
        return .put(kv, previous: nil)
    }

    package static func update(
        _ key: String, value: Data, expectedModRevision: Int64?, current: KeyValue?, revision: Int64
    ) throws -> WatchEvent {
        try StoreValidation.key(key)
        try check(key, expectedModRevision: expectedModRevision, current: current)
        guard let current else {
            let kv = KeyValue(
                key: key, value: value, createRevision: revision, modRevision: revision, version: 1, lease: nil)
            return .put(kv, previous: nil)
        }
        var kv = current
        kv.value = value
        kv.modRevision = revision
        kv.version += 1
        return .put(kv, previous: current)
    }

    package static func delete(
        _ key: String, expectedModRevision: Int64?, current: KeyValue?, revision: Int64
    ) throws -> WatchEvent {
        try StoreValidation.key(key)
        guard let current else { throw StoreError.notFound(key) }
        try check(key, expectedModRevision: expectedModRevision, current: current)
        return .delete(key: key, previous: current, revision: revision)
    }

    private static func check(_ key: String, expectedModRevision: Int64?, current: KeyValue?) throws {
        guard let expected = expectedModRevision else { return }
        guard let current else { throw StoreError.notFound(key) }
        if current.modRevision != expected {
            throw StoreError.revisionMismatch(key: key, expected: expected, actual: current.modRevision)
        }
    }
}

/// Reconstructing a past snapshot from the present and the history after it.
package enum Snapshot {
    /// Undoes `events` (newest first) on `state`, giving the state before the oldest of them.
    package static func rewind(_ state: inout [KeyBytes: KeyValue], undoing events: [WatchEvent]) {
        for event in events {
            let key = KeyBytes(event.key)
            if let previous = event.previous {
                state[key] = previous
            } else {
                state.removeValue(forKey: key)
            }
        }
    }

    /// The page of `state` inside `range`, sorted by key, cut at `limit`.
    package static func page(
        of state: [KeyBytes: KeyValue], in range: KeyRange, limit: Int?, revision: Int64
    ) -> ListPage {
        let sorted = state.filter { range.contains($0.key.bytes) }.sorted { $0.key < $1.key }.map(\.value)
        return page(ofSorted: sorted, limit: limit, revision: revision)
    }

    /// Cuts an already sorted, already range-filtered list at `limit`.
    package static func page(ofSorted items: [KeyValue], limit: Int?, revision: Int64) -> ListPage {
        guard let limit, items.count > limit else { return (items, revision, false) }
        return (Array(items.prefix(limit)), revision, true)
    }
}
