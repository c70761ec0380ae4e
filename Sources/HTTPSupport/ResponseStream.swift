import NIOConcurrencyHelpers
import NIOCore

/// The producer side of a chunked (streamed) response, such as a Mesos scheduler event stream.
///
/// A handler creates a stream, hands it back in `HTTPResponse.Body.stream`, and keeps writing to it
/// from wherever events originate. Chunks written before the server starts sending are buffered.
/// The server tells the producer the instant the client goes away (or the server shuts down) through
/// `onClose`, `waitUntilClosed()` and by failing further writes, so a master can mark a framework
/// disconnected without waiting for the next heartbeat.
public final class ResponseStream: Sendable {
    /// Why a stream ended.
    public enum CloseReason: Sendable, Equatable, CustomStringConvertible {
        /// The producer called `finish()` and the terminating chunk went out.
        case finished
        /// The client closed the connection or the connection broke.
        case clientDisconnected
        /// The server is shutting down.
        case serverShutdown
        /// The client fell more than `maxBufferedBytes` behind; it is treated as gone.
        case bufferOverflow

        public var description: String {
            switch self {
            case .finished: "finished"
            case .clientDisconnected: "client disconnected"
            case .serverShutdown: "server shutdown"
            case .bufferOverflow: "client too slow (buffer overflow)"
            }
        }
    }

    /// Thrown by `write` once the stream is closed or finished.
    public struct ClosedError: Error, Sendable, Equatable, CustomStringConvertible {
        public let reason: CloseReason?
        public var description: String {
            self.reason.map { "response stream closed: \($0)" } ?? "response stream already finished"
        }
    }

    /// What the server's writer gets from `next()`.
    enum Pull: Sendable {
        case chunks([ByteBuffer])
        case finished
        case closed(CloseReason)
    }

    private struct State: Sendable {
        var chunks: [ByteBuffer] = []
        var bufferedBytes = 0
        var producerFinished = false
        var closeReason: CloseReason?
        var consumer: CheckedContinuation<Pull, Never>?
        var nextWaiterID: UInt64 = 0
        var roomWaiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
        var closeWaiters: [UInt64: CheckedContinuation<CloseReason, any Error>] = [:]
        var closeCallbacks: [@Sendable (CloseReason) -> Void] = []

        mutating func makeWaiterID() -> UInt64 {
            self.nextWaiterID &+= 1
            return self.nextWaiterID
        }

        /// Moves every buffered chunk out and returns the writers waiting for room.
        mutating func drain() -> ([ByteBuffer], [CheckedContinuation<Void, any Error>]) {
            let chunks = self.chunks
            self.chunks = []
            self.bufferedBytes = 0
            let writers = Array(self.roomWaiters.values)
            self.roomWaiters = [:]
            return (chunks, writers)
        }
    }

    private let state = NIOLockedValueBox(State())
    /// Beyond this many unsent bytes the client is considered gone (`bufferOverflow`).
    public let maxBufferedBytes: Int
    /// `write` suspends while more than this many bytes wait to be sent.
    public let writeHighWatermark: Int

    public init(maxBufferedBytes: Int = 64 << 20, writeHighWatermark: Int = 1 << 20) {
        self.maxBufferedBytes = maxBufferedBytes
        self.writeHighWatermark = min(writeHighWatermark, maxBufferedBytes)
    }

    // MARK: Producer API

    /// Queues a chunk without waiting. Returns false (and drops the chunk) if the stream is
    /// closed or finished. Meant for actors that must not suspend between ordered events.
    @discardableResult
    public func send(_ chunk: ByteBuffer) -> Bool {
        self.enqueue(chunk) == .queued
    }

    /// Queues one RecordIO record (`<length>\n<payload>`).
    @discardableResult
    public func sendRecord(_ payload: [UInt8]) -> Bool {
        self.send(RecordIO.encode(payload))
    }

    /// Queues a chunk, then waits while the client is behind by more than `writeHighWatermark`.
    /// Throws `ClosedError` if the stream is closed or finished, `CancellationError` if cancelled
    /// while waiting (the chunk stays queued in that case).
    public func write(_ chunk: ByteBuffer) async throws {
        switch self.enqueue(chunk) {
        case .queued: return
        case .rejected(let reason): throw ClosedError(reason: reason)
        case .queuedMustWait: try await self.waitForRoom()
        }
    }

    /// Ends the stream normally: what is queued is sent, then the terminating chunk.
    public func finish() {
        let consumer: CheckedContinuation<Pull, Never>? = self.state.withLockedValue { state in
            guard state.closeReason == nil, !state.producerFinished else { return nil }
            state.producerFinished = true
            guard state.chunks.isEmpty, let consumer = state.consumer else { return nil }
            state.consumer = nil
            return consumer
        }
        consumer?.resume(returning: .finished)
    }

    /// Whether the stream has ended (any reason).
    public var isClosed: Bool { self.state.withLockedValue { $0.closeReason != nil } }

    /// Why the stream ended, or nil while it is open.
    public var closeReason: CloseReason? { self.state.withLockedValue { $0.closeReason } }

    /// Registers a callback run once when the stream ends; runs at once if it already has.
    /// It may run on an event-loop thread: keep it short and never block in it.
    public func onClose(_ callback: @escaping @Sendable (CloseReason) -> Void) {
        let reason: CloseReason? = self.state.withLockedValue { state in
            if let reason = state.closeReason { return reason }
            state.closeCallbacks.append(callback)
            return nil
        }
        if let reason { callback(reason) }
    }

    /// Suspends until the stream ends and returns why. Throws `CancellationError` if cancelled.
    public func waitUntilClosed() async throws -> CloseReason {
        let id = self.state.withLockedValue { $0.makeWaiterID() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<CloseReason, any Error>) in
                let immediate: Result<CloseReason, any Error>? = self.state.withLockedValue { state in
                    if let reason = state.closeReason { return .success(reason) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.closeWaiters[id] = continuation
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter = self.state.withLockedValue { $0.closeWaiters.removeValue(forKey: id) }
            waiter?.resume(throwing: CancellationError())
        }
    }

    // MARK: Server side

    /// Waits for the next chunks to send. Cancelling the caller closes the stream (`serverShutdown`).
    func next() async -> Pull {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Pull, Never>) in
                var writers: [CheckedContinuation<Void, any Error>] = []
                let immediate: Pull? = self.state.withLockedValue { state in
                    if let reason = state.closeReason { return .closed(reason) }
                    if !state.chunks.isEmpty {
                        let (chunks, waiting) = state.drain()
                        writers = waiting
                        return .chunks(chunks)
                    }
                    if state.producerFinished { return .finished }
                    state.consumer = continuation
                    return nil
                }
                for writer in writers { writer.resume() }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            self.close(.serverShutdown)
        }
    }

    /// Ends the stream for `reason`, drops unsent chunks and notifies everyone waiting.
    /// Returns false if it had already ended.
    @discardableResult
    func close(_ reason: CloseReason) -> Bool {
        typealias Effects = (
            consumer: CheckedContinuation<Pull, Never>?,
            writers: [CheckedContinuation<Void, any Error>],
            closeWaiters: [CheckedContinuation<CloseReason, any Error>],
            callbacks: [@Sendable (CloseReason) -> Void]
        )
        let effects: Effects? = self.state.withLockedValue { state in
            guard state.closeReason == nil else { return nil }
            state.closeReason = reason
            let (_, writers) = state.drain()
            let effects = (state.consumer, writers, Array(state.closeWaiters.values), state.closeCallbacks)
            state.consumer = nil
            state.closeWaiters = [:]
            state.closeCallbacks = []
            return effects
        }
        guard let effects else { return false }
        effects.consumer?.resume(returning: .closed(reason))
        for writer in effects.writers { writer.resume(throwing: ClosedError(reason: reason)) }
        for waiter in effects.closeWaiters { waiter.resume(returning: reason) }
        for callback in effects.callbacks { callback(reason) }
        return true
    }

    // MARK: Internals

    private enum EnqueueResult: Equatable {
        case queued
        case queuedMustWait
        case rejected(CloseReason?)
    }

    private func enqueue(_ chunk: ByteBuffer) -> EnqueueResult {
        guard chunk.readableBytes > 0 else {
            // An empty chunk would be encoded as the terminating chunk: never send one.
            return self.isClosed ? .rejected(self.closeReason) : .queued
        }
        var handOff: (CheckedContinuation<Pull, Never>, [ByteBuffer])?
        var writers: [CheckedContinuation<Void, any Error>] = []
        let result: EnqueueResult = self.state.withLockedValue { state in
            if let reason = state.closeReason { return .rejected(reason) }
            if state.producerFinished { return .rejected(nil) }
            state.chunks.append(chunk)
            state.bufferedBytes += chunk.readableBytes
            if state.bufferedBytes > self.maxBufferedBytes { return .rejected(.bufferOverflow) }
            if let consumer = state.consumer {
                // The server's writer is idle: hand the chunks over directly.
                state.consumer = nil
                let (chunks, waiting) = state.drain()
                handOff = (consumer, chunks)
                writers = waiting
                return .queued
            }
            return state.bufferedBytes > self.writeHighWatermark ? .queuedMustWait : .queued
        }
        if result == .rejected(.bufferOverflow) {
            self.close(.bufferOverflow)
        }
        if let (consumer, chunks) = handOff {
            consumer.resume(returning: .chunks(chunks))
        }
        for writer in writers { writer.resume() }
        return result
    }

    private func waitForRoom() async throws {
        let id = self.state.withLockedValue { $0.makeWaiterID() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let immediate: Result<Void, any Error>? = self.state.withLockedValue { state in
                    if let reason = state.closeReason { return .failure(ClosedError(reason: reason)) }
                    if state.bufferedBytes <= self.writeHighWatermark { return .success(()) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.roomWaiters[id] = continuation
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter = self.state.withLockedValue { $0.roomWaiters.removeValue(forKey: id) }
            waiter?.resume(throwing: CancellationError())
        }
    }
}
