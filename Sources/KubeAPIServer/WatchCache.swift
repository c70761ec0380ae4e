import KubeTypes
import NIOCore
import StateStore
import Synchronization

/// One change to an object of a resource, decoded once and shared by every watcher.
struct ObjectEvent: Sendable {
    enum Kind: String, Sendable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
    }

    var kind: Kind
    var revision: Int64
    var key: String
    /// The new state; for deletions the last state, stamped with the deletion's revision.
    var object: JSON
    /// The state before the change (nil for additions), so filtered watchers can tell when an
    /// object starts or stops matching their selectors.
    var previous: JSON?
    /// The event's JSON lines, rendered once and shared by every watcher that wants plain objects.
    var rendered = RenderedLines()
}

/// Watch lines of one event by type (`ADDED`, `MODIFIED`, `DELETED`): serialising is most of the
/// cost of a watch, and a hundred watchers of one resource would otherwise each pay it.
final class RenderedLines: Sendable {
    private let lines = Mutex<[String: ByteBuffer]>([:])

    func line(_ type: String, render: () -> ByteBuffer) -> ByteBuffer {
        if let cached = lines.withLock({ $0[type] }) { return cached }
        let line = render()
        lines.withLock { $0[type] = line }
        return line
    }
}

/// Fans one StateStore watch per resource out to every Kubernetes watcher of that resource, and
/// keeps a window of recent events so watchers can resume from a resourceVersion. A watcher asking
/// for a revision older than the window gets 410 Expired and re-lists, as with kube-apiserver.
actor WatchCache {
    let prefix: String
    private let store: any StateStore
    private let capacity: Int
    /// Every event after this revision is in `buffer` (until eviction moves it forward).
    private var horizon: Int64 = 0
    private var buffer: [ObjectEvent] = []
    private var bufferStart = 0
    /// Each watcher with the revision it resumes after: live events at or below it are ones the
    /// watcher's list already contained (the store's watch may lag behind a list).
    private var subscribers: [UInt64: (continuation: AsyncStream<ObjectEvent>.Continuation, after: Int64)] = [:]
    private var nextSubscriber: UInt64 = 0
    private var pump: Task<Void, Never>?
    private var started = false

    init(prefix: String, store: any StateStore, capacity: Int = 20_000) {
        self.prefix = prefix
        self.store = store
        self.capacity = capacity
    }

    /// Starts following the store from its current revision.
    func start() async throws {
        guard !started else { return }
        started = true
        horizon = try await store.currentRevision()
        let stream = store.watch(prefix: prefix, fromRevision: horizon + 1)
        pump = Task { [weak self] in
            do {
                for try await event in stream {
                    await self?.ingest(event)
                }
            } catch {
                await self?.failAll()
            }
        }
    }

    func stop() {
        pump?.cancel()
        failAll()
    }

    /// Events after `revision`: first those still buffered, then live ones. Throws `expired` when
    /// events after `revision` have already left the window.
    func subscribe(after revision: Int64) throws -> (AsyncStream<ObjectEvent>, UInt64) {
        guard revision >= horizon else { throw WatchCacheError.expired(requested: revision, oldest: horizon) }
        let (stream, continuation) = AsyncStream.makeStream(of: ObjectEvent.self, bufferingPolicy: .unbounded)
        for event in buffer[bufferStart...] where event.revision > revision {
            continuation.yield(event)
        }
        let id = nextSubscriber
        nextSubscriber += 1
        subscribers[id] = (continuation, revision)
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return (stream, id)
    }

    func unsubscribe(_ id: UInt64) {
        subscribers.removeValue(forKey: id)?.continuation.finish()
    }

    /// Drops events older than a compaction point: resuming before it is no longer possible.
    func forget(before revision: Int64) {
        guard revision - 1 > horizon else { return }
        horizon = revision - 1
        while bufferStart < buffer.count, buffer[bufferStart].revision <= horizon { bufferStart += 1 }
        buffer.removeFirst(bufferStart)
        bufferStart = 0
    }

    /// Highest revision seen, for bookmarks.
    var latestRevision: Int64 { buffer.last?.revision ?? horizon }

    private func ingest(_ event: WatchEvent) {
        guard let decoded = Self.decode(event) else { return }
        buffer.append(decoded)
        if buffer.count - bufferStart > capacity {
            horizon = buffer[bufferStart].revision
            bufferStart += 1
            if bufferStart > capacity / 2 {
                buffer.removeFirst(bufferStart)
                bufferStart = 0
            }
        }
        for subscriber in subscribers.values where decoded.revision > subscriber.after {
            subscriber.continuation.yield(decoded)
        }
    }

    private func failAll() {
        for subscriber in subscribers.values { subscriber.continuation.finish() }
        subscribers.removeAll()
    }

    static func decode(_ event: WatchEvent) -> ObjectEvent? {
        switch event {
        case .put(let keyValue, let previous):
            guard let object = try? ObjectStorage.decode(keyValue) else { return nil }
            let old = previous.flatMap { try? ObjectStorage.decode($0) }
            return ObjectEvent(
                kind: old == nil ? .added : .modified, revision: keyValue.modRevision, key: keyValue.key,
                object: object, previous: old)
        case .delete(let key, let previous, let revision):
            guard let previous, var object = try? ObjectStorage.decode(previous) else { return nil }
            let old = object
            object[path: ["metadata", "resourceVersion"]] = .string(String(revision))
            return ObjectEvent(kind: .deleted, revision: revision, key: key, object: object, previous: old)
        }
    }
}

enum WatchCacheError: Error {
    case expired(requested: Int64, oldest: Int64)
}
