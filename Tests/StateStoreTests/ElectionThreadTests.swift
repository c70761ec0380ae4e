import Foundation
import StateStore
import TestSupport
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
        // Whether each lease renewal ran on the election's thread.
        let renewals = LockedBox<[Bool]>([])
        let store = HookedStateStore(onKeepAlive: { renewals.withLock { $0.append(Self.onElectionThread) } })
        let election = LeaderElection(
            store: store, key: "/election/thread", candidate: Candidate(name: "a"),
            timing: .init(ttl: .seconds(2), renewInterval: .milliseconds(20), renewMargin: .milliseconds(500)))
        let reports = LockedBox<[Bool]>([])
        let run = Task { try await election.run { _ in reports.withLock { $0.append(Self.onElectionThread) } } }
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(20)
        while renewals.withLock({ $0.count }) < 5 || reports.withLock({ $0.isEmpty }), clock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        run.cancel()
        _ = await run.result
        await election.resign()
        let seen = renewals.withLock { $0 }
        #expect(seen.count >= 5)
        #expect(seen.allSatisfy { $0 })
        #expect(reports.withLock { $0 } == [false])
    }

    static var onElectionThread: Bool { DedicatedThreadExecutor.leaderElection.isCurrentThread }
}
