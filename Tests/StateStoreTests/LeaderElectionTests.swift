import Foundation
import StateStore
import StateStoreEtcd
import Testing

/// Leader election on a real etcd: one leader, a follower that knows it, failover when the
/// leader dies, and a leader that steps down when it cannot renew.
@Suite(.timeLimit(.minutes(3))) struct LeaderElectionTests {
    struct Master: Codable, Sendable, Equatable {
        var name: String
    }

    /// Roles a candidate reported, in order.
    final class Roles: Sendable {
        let seen = LockedBox<[LeaderElection<Master>.Role]>([])
        var last: LeaderElection<Master>.Role? { seen.withLock { $0.last } }
        func record(_ role: LeaderElection<Master>.Role) { seen.withLock { $0.append(role) } }

        func wait(for role: LeaderElection<Master>.Role, within seconds: Int = 20) async throws {
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(seconds)
            while clock.now < deadline {
                if last == role { return }
                try await Task.sleep(for: .milliseconds(20))
            }
            throw TimedOut(what: "role \(role), last seen \(String(describing: last))")
        }
    }

    func candidate(_ name: String, on store: any StateStore) -> (LeaderElection<Master>, Roles, Task<Error?, Never>) {
        let election = LeaderElection(store: store, key: "/election/master", candidate: Master(name: name))
        let roles = Roles()
        let task = Task<Error?, Never> {
            do {
                try await election.run { roles.record($0) }
                return nil
            } catch {
                return error
            }
        }
        return (election, roles, task)
    }

    @Test func aFollowerTakesOverWithinTheLeaseWhenTheLeaderDies() async throws {
        let server = try await EtcdServer.start()
        defer { server.stop() }
        try await server.waitUntilHealthy()
        let storeA = try EtcdStateStore(endpoints: server.clientURLs)
        let storeB = try EtcdStateStore(endpoints: server.clientURLs)
        let (_, rolesA, runA) = candidate("a", on: storeA)
        try await rolesA.wait(for: .leading)
        let (electionB, rolesB, runB) = candidate("b", on: storeB)
        try await rolesB.wait(for: .following(Master(name: "a")))
        #expect(try await electionB.currentLeader() == Master(name: "a"))

        // "a" dies without a word: its renewals stop, its lease runs out on etcd's clock.
        runA.cancel()
        _ = await runA.value
        await storeA.close()
        let clock = ContinuousClock()
        let died = clock.now
        try await rolesB.wait(for: .leading, within: 10)
        let failover = died.duration(to: clock.now)
        #expect(failover < .seconds(5), "failover took \(failover)")
        #expect(rolesB.seen.withLock { $0 }.contains(.following(nil)))
        runB.cancel()
        _ = await runB.value
        await storeB.close()
    }

    @Test func aLeaderThatCannotRenewStepsDownBeforeItsLeaseCouldExpire() async throws {
        let server = try await EtcdServer.start()
        defer { server.stop() }
        try await server.waitUntilHealthy()
        let store = try EtcdStateStore(endpoints: server.clientURLs, options: .init(requestTimeout: .milliseconds(500)))
        defer { Task { await store.close() } }
        let (_, roles, run) = candidate("a", on: store)
        try await roles.wait(for: .leading)
        server.kill(member: 0)
        let outcome = await run.value
        #expect(outcome is LeaderElection<Master>.LeadershipLost, "ended with \(String(describing: outcome))")
        // With etcd dead nothing can tell the leader its lease is gone: it stepped down on its own
        // renewal deadline (TTL less the margin), which is what keeps it from acting past the TTL.
        // How soon after the cut that lands is up to the machine's scheduler; tests assert no timings.
        let lost = outcome as? LeaderElection<Master>.LeadershipLost
        #expect(
            lost?.description.hasPrefix("lease not renewed for") == true, "ended with \(String(describing: outcome))")
    }
}
