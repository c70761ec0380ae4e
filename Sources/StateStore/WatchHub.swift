import Foundation

/// A value guarded by a lock, for the few places where state is shared with non-async callbacks
/// (stream termination handlers, database queues) and an actor hop is not possible.
package final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    package init(_ value: Value) { self.value = value }

    package func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// Fans events out to watch streams.
///
/// A watch starts *pending*: it exists (so that its consumer can cancel it) but receives nothing.
/// The driver then, in the same serialised step that publishes writes (the memory actor, the
/// SQLite writer queue), reads the history from the watch's start revision and calls `activate`.
/// Because publishing and activation never interleave, replay and live events meet without a gap
/// or a duplicate. The buffer per watcher is unbounded: a consumer that never reads grows memory.
package final class WatchHub: Sendable {
    package typealias Stream = AsyncThrowingStream<WatchEvent, any Error>

    private struct Watcher {
        let prefix: [UInt8]
        let continuation: Stream.Continuation
        var active = false
        /// The watch's start: a write committed after the watch was activated but numbered
        /// before its start (a watch from a future revision) is not the watcher's.
        var fromRevision: Int64 = 0
    }

    private struct State {
        var watchers: [UInt64: Watcher] = [:]
        var nextID: UInt64 = 0
        var closed = false
    }

    private let state = LockedBox(State())

    package init() {}

    /// Creates a pending watch. If the hub is closed the stream fails at once with `closed`.
    package func reserve(prefix: String) -> (id: UInt64, stream: Stream) {
        let (stream, continuation) = Stream.makeStream()
        let id: UInt64? = state.withLock { state in
            guard !state.closed else { return nil }
            state.nextID += 1
            state.watchers[state.nextID] = Watcher(prefix: Array(prefix.utf8), continuation: continuation)
            return state.nextID
        }
        guard let id else {
            continuation.finish(throwing: StoreError.closed)
            return (0, stream)
        }
        continuation.onTermination = { [weak self] _ in self?.remove(id) }
        return (id, stream)
    }

    /// Delivers `replay` (already filtered to revisions at or after the watch's start) and switches
    /// the watch to live events. Does nothing if the consumer already went away.
    package func activate(_ id: UInt64, fromRevision: Int64, replay: [WatchEvent]) {
        state.withLock { state in
            guard var watcher = state.watchers[id] else { return }
            for event in replay where KeyBytes(event.key).hasPrefix(watcher.prefix) {
                watcher.continuation.yield(event)
            }
            watcher.active = true
            watcher.fromRevision = fromRevision
            state.watchers[id] = watcher
        }
    }

    /// Ends one watch with an error (for example `compacted`).
    package func fail(_ id: UInt64, _ error: any Error) {
        let continuation = state.withLock { $0.watchers.removeValue(forKey: id)?.continuation }
        // Finished outside the lock: finishing runs `onTermination`, which takes the lock again.
        continuation?.finish(throwing: error)
    }

    /// Sends committed events, in revision order, to every active watch whose prefix they match.
    package func publish(_ events: [WatchEvent]) {
        guard !events.isEmpty else { return }
        state.withLock { state in
            for watcher in state.watchers.values where watcher.active {
                for event in events
                where event.revision >= watcher.fromRevision && KeyBytes(event.key).hasPrefix(watcher.prefix) {
                    watcher.continuation.yield(event)
                }
            }
        }
    }

    /// Ends every watch with `closed` and refuses new ones.
    package func close() {
        let continuations = state.withLock { state in
            state.closed = true
            defer { state.watchers.removeAll() }
            return state.watchers.values.map(\.continuation)
        }
        for continuation in continuations { continuation.finish(throwing: StoreError.closed) }
    }

    /// Number of open watches (for tests and metrics).
    package var count: Int { state.withLock { $0.watchers.count } }

    private func remove(_ id: UInt64) {
        _ = state.withLock { $0.watchers.removeValue(forKey: id) }
    }
}
