import Foundation
import StateStore
import StateStoreEtcd
import StateStoreSQLite
import Testing

/// The drivers the shared behavioural suite runs against.
enum Driver: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case sqlite
    case etcd

    var testDescription: String { rawValue }

    /// The drivers whose lease time a test can move by hand (etcd's runs on its own clock).
    static let manualClock: [Driver] = [.memory, .sqlite]

    /// A fresh store on a manual clock; `body` runs, then the store is closed and its files removed.
    func withStore<T>(_ body: (Harness) async throws -> T) async throws -> T {
        let harness = try await makeHarness()
        do {
            let result = try await body(harness)
            await harness.tearDown()
            return result
        } catch {
            await harness.tearDown()
            throw error
        }
    }

    private func makeHarness() async throws -> Harness {
        let time = ManualTime()
        switch self {
        case .memory:
            let store = MemoryStateStore(now: time.now)
            return Harness(store: store, time: time, directory: nil) { await store.expireLeases() }
        case .sqlite:
            let directory = TemporaryDirectory.make()
            let options = SQLiteStateStore.Options(durability: .normal, now: time.now)
            let store = try SQLiteStateStore(path: directory.appendingPathComponent("state.db").path, options: options)
            return Harness(store: store, time: time, directory: directory) { try await store.expireLeases() }
        case .etcd:
            let server = try await EtcdServer.start()
            do {
                try await server.waitUntilHealthy()
                let store = try EtcdStateStore(endpoints: [server.clientURL])
                return Harness(store: store, time: time, directory: nil, server: server) {}
            } catch {
                server.stop()
                throw error
            }
        }
    }
}

struct Harness: Sendable {
    let store: any StateStore
    let time: ManualTime
    let directory: URL?
    var server: EtcdServer? = nil
    /// Runs the driver's lease sweep now (the background sweep would use real time).
    let expireLeases: @Sendable () async throws -> Void

    func tearDown() async {
        await store.close()
        server?.stop()
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }
}

enum TemporaryDirectory {
    static func make() -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("statestore-tests-\(UUID().uuidString)", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// A monotonic clock that moves only when a test says so.
final class ManualTime: Sendable {
    private let elapsed = LockedBox(Duration.zero)

    var now: @Sendable () -> Duration {
        { [elapsed] in elapsed.withLock { $0 } }
    }

    func advance(by duration: Duration) {
        elapsed.withLock { $0 += duration }
    }
}

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Consumes a watch stream in the background and lets a test wait, with a generous bound, for a
/// number of events or for the stream's failure. The bound only keeps a broken build from hanging.
final class WatchProbe: Sendable {
    private struct State {
        var events: [WatchEvent] = []
        var failure: (any Error)?
        var ended = false
    }

    private let state: LockedBox<State>
    private let task: Task<Void, Never>

    init(_ stream: AsyncThrowingStream<WatchEvent, any Error>) {
        let state = LockedBox(State())
        self.state = state
        task = Task {
            do {
                for try await event in stream { state.withLock { $0.events.append(event) } }
            } catch {
                state.withLock { $0.failure = error }
            }
            state.withLock { $0.ended = true }
        }
    }

    deinit { task.cancel() }

    var events: [WatchEvent] { state.withLock { $0.events } }

    /// Waits until at least `count` events arrived; returns all received so far.
    func waitFor(count: Int, timeout: Duration = .seconds(30)) async throws -> [WatchEvent] {
        try await poll("\(count) events", timeout: timeout) { state in
            if let failure = state.failure { throw failure }
            return state.events.count >= count ? state.events : nil
        }
    }

    /// Waits until `done` holds for the events received so far; returns them.
    func waitUntil(
        _ what: String, timeout: Duration = .seconds(30), _ done: ([WatchEvent]) -> Bool
    ) async throws -> [WatchEvent] {
        try await poll(what, timeout: timeout) { state in
            if let failure = state.failure { throw failure }
            return done(state.events) ? state.events : nil
        }
    }

    /// Waits until the stream failed; returns the error.
    func waitForFailure(timeout: Duration = .seconds(30)) async throws -> any Error {
        try await poll("the watch to fail", timeout: timeout) { state in
            if let failure = state.failure { return failure }
            if state.ended { throw TimedOut(what: "a failure, but the stream ended normally") }
            return nil
        }
    }

    /// Stops consuming, as a client that goes away would.
    func cancel() { task.cancel() }

    private func poll<T>(
        _ what: String, timeout: Duration, _ check: (State) throws -> T?
    ) async throws -> T {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if let value = try state.withLock({ try check($0) }) { return value }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw TimedOut(what: what)
    }
}

extension Data {
    init(text: String) { self.init(text.utf8) }
}

/// Runs `body` and returns the StoreError it threw; fails the test if it threw none or another.
func storeError<T>(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T
) async -> StoreError? {
    do {
        _ = try await body()
        Issue.record("expected a StoreError, got success", sourceLocation: sourceLocation)
    } catch let error as StoreError {
        return error
    } catch {
        Issue.record("expected a StoreError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
