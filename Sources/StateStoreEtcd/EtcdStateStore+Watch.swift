import AsyncHTTPClient
import Foundation
import NIOCore
import StateStore

extension EtcdStateStore {
    public func watch(prefix: String, fromRevision: Int64) -> AsyncThrowingStream<WatchEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<WatchEvent, any Error>.makeStream()
        do {
            try checkOpen()
            try StoreValidation.revision(fromRevision)
        } catch {
            continuation.finish(throwing: error)
            return stream
        }
        let range = KeyRange(prefix: prefix)
        let follower = WatchFollower(
            store: self, key: Data(range.lower.isEmpty ? [0] : range.lower), rangeEnd: Data(range.upper ?? [0]),
            continuation: continuation)
        let id = lifecycle.withLock { state -> UInt64 in
            state.nextWatch += 1
            return state.nextWatch
        }
        let task = Task {
            await follower.run(from: fromRevision)
            _ = self.lifecycle.withLock { $0.watches.removeValue(forKey: id) }
        }
        let registered = lifecycle.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.watches[id] = task
            return true
        }
        if !registered { task.cancel() }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}

/// One watch: an etcd watch stream on some member, reopened from the next revision on another
/// member when it breaks, so the consumer sees every revision once, in order, across failures.
struct WatchFollower: Sendable {
    let store: EtcdStateStore
    let key: Data
    let rangeEnd: Data
    let continuation: AsyncThrowingStream<WatchEvent, any Error>.Continuation

    /// Why a stream ended without the watch being over.
    enum Interruption: Error {
        case broken(String)
    }

    func run(from revision: Int64) async {
        var next = revision
        var failingSince: ContinuousClock.Instant?
        var endpoint = store.gateway.preferredEndpoint
        let clock = ContinuousClock()
        while !Task.isCancelled {
            do {
                try await follow(endpoint: endpoint, next: &next, onCreated: { failingSince = nil })
            } catch is CancellationError {
                break
            } catch let error as StoreError {
                continuation.finish(throwing: error)
                return
            } catch {
                if Task.isCancelled { break }
                let since = failingSince ?? clock.now
                failingSince = since
                if since.duration(to: clock.now) > store.options.watchRetryWindow {
                    continuation.finish(throwing: StoreError.backend("etcd watch lost: \(error)"))
                    return
                }
                endpoint += 1
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        let closed = store.lifecycle.withLock { $0.closed }
        continuation.finish(throwing: closed ? StoreError.closed : nil)
    }

    /// Reads one etcd watch stream until it ends; `next` advances past every delivered revision.
    private func follow(endpoint: Int, next: inout Int64, onCreated: () -> Void) async throws {
        let request = WatchCreateRequest(
            create: .init(key: key, rangeEnd: rangeEnd, startRevision: EtcdRevision.toEtcd(next), prevKV: true))
        let response = try await store.gateway.openStream("/v3/watch", request, endpoint: endpoint)
        var lines = WatchLines()
        for try await buffer in response.body {
            for line in lines.append(buffer) {
                let message: StreamedMessage<WatchResponse>
                do {
                    message = try JSONDecoder().decode(StreamedMessage<WatchResponse>.self, from: line)
                } catch {
                    throw StoreError.backend("unreadable etcd watch message: \(error)")
                }
                if let error = message.error { throw Interruption.broken(error.message) }
                guard let result = message.result else { continue }
                if result.compactRevision > 0 {
                    throw StoreError.compacted(
                        requested: next, compactedAt: EtcdRevision.fromEtcd(result.compactRevision))
                }
                if result.canceled { throw Interruption.broken("cancelled: \(result.cancelReason)") }
                if result.created { onCreated() }
                for event in result.events.map(\.storeEvent) where event.revision >= next {
                    continuation.yield(event)
                }
                if let last = result.events.last { next = max(next, EtcdRevision.fromEtcd(last.kv.modRevision) + 1) }
            }
        }
        throw Interruption.broken("the watch stream ended")
    }
}

/// Splits a streamed body into the newline-separated JSON messages the gateway writes.
struct WatchLines {
    private var pending = Data()

    mutating func append(_ buffer: ByteBuffer) -> [Data] {
        pending.append(contentsOf: buffer.readableBytesView)
        var lines: [Data] = []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            let line = pending[pending.startIndex..<newline]
            if !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) { lines.append(Data(line)) }
            pending.removeSubrange(pending.startIndex...newline)
        }
        return lines
    }
}
