import Foundation
import StateStore
import Testing

/// The election keeps its own thread: its store calls (grant, create, renewals) run there, so a
/// saturated cooperative pool cannot delay them, and the candidate's reports run elsewhere, so
/// taking up leadership cannot either.
@Suite(.timeLimit(.minutes(1))) struct ElectionThreadTests {
    struct Candidate: Codable, Sendable, Equatable {
        var name: String
    }

    @Test("renewals run on the election's thread, reports of a role off it")
    func renewalsOnTheirOwnThread() async throws {
        let store = ThreadRecordingStore()
        let election = LeaderElection(
            store: store, key: "/election/thread", candidate: Candidate(name: "a"),
            timing: .init(ttl: .seconds(2), renewInterval: .milliseconds(20), renewMargin: .milliseconds(500)))
        let reports = LockedBox<[Bool]>([])
        let run = Task { try await election.run { _ in reports.withLock { $0.append(Self.onElectionThread) } } }
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(20)
        while store.renewals.withLock({ $0.count }) < 5 || reports.withLock({ $0.isEmpty }), clock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        run.cancel()
        _ = await run.result
        await election.resign()
        let renewals = store.renewals.withLock { $0 }
        #expect(renewals.count >= 5)
        #expect(renewals.allSatisfy { $0 })
        #expect(reports.withLock { $0 } == [false])
    }

    static var onElectionThread: Bool { DedicatedThreadExecutor.leaderElection.isCurrentThread }
}

/// A memory store that notes, for each lease renewal, whether it ran on the election's thread.
private struct ThreadRecordingStore: StateStore {
    let base = MemoryStateStore()
    let renewals = LockedBox<[Bool]>([])

    func get(_ key: String) async throws -> KeyValue? { try await base.get(key) }
    func list(prefix: String, limit: Int?, startKey: String?, revision: Int64?) async throws -> ListPage {
        try await base.list(prefix: prefix, limit: limit, startKey: startKey, revision: revision)
    }
    func create(_ key: String, value: Data, lease: Int64?) async throws -> KeyValue {
        try await base.create(key, value: value, lease: lease)
    }
    func update(_ key: String, value: Data, expectedModRevision: Int64?) async throws -> KeyValue {
        try await base.update(key, value: value, expectedModRevision: expectedModRevision)
    }
    func delete(_ key: String, expectedModRevision: Int64?) async throws -> KeyValue {
        try await base.delete(key, expectedModRevision: expectedModRevision)
    }
    func currentRevision() async throws -> Int64 { try await base.currentRevision() }
    func watch(prefix: String, fromRevision: Int64) -> AsyncThrowingStream<WatchEvent, any Error> {
        base.watch(prefix: prefix, fromRevision: fromRevision)
    }
    func compact(before revision: Int64) async throws { try await base.compact(before: revision) }
    func grantLease(ttl: Duration) async throws -> Int64 { try await base.grantLease(ttl: ttl) }
    func keepAlive(lease: Int64) async throws {
        renewals.withLock { $0.append(ElectionThreadTests.onElectionThread) }
        try await base.keepAlive(lease: lease)
    }
    func revokeLease(_ lease: Int64) async throws { try await base.revokeLease(lease) }
    func close() async { await base.close() }
}
