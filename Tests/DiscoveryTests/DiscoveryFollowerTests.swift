import ClusterTestSupport
import DiscoveryCore
import Foundation
import HTTPSupport
import Master
import StateStore
import Synchronization
import Testing

@testable import Discovery

/// The master's `/mesokube/v1/discovery` long poll and the follower agents run on it.
@Suite("Discovery snapshots from the master to followers", .serialized)
struct DiscoveryFollowerTests {
    final class Applied: Sendable {
        let versions = Mutex<[UInt64]>([])
        let failNext = Mutex(0)
    }

    static func snapshot(_ version: UInt64, service: String) -> DiscoverySnapshot {
        DiscoverySnapshot(
            version: version,
            services: [ServiceEntry(namespace: "default", name: service, clusterIPs: ["10.96.0.\(version + 10)"])])
    }

    static func waitFor(_ what: String, _ condition: () -> Bool) async {
        let deadline = ContinuousClock.now + .seconds(30)
        while !condition(), ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        #expect(condition(), "waited 30 s for \(what)")
    }

    @Test("A follower gets the published snapshot, then every newer one; a failed apply is retried")
    func followsPublishedSnapshots() async throws {
        let master = MasterServer(
            options: TestCluster.masterOptions(port: 0), store: MemoryStateStore(), logger: quietLogger("master"))
        let port = try await master.start()
        let applied = Applied()
        let follower = DiscoveryFollower(
            master: "127.0.0.1:\(port)", pollSeconds: 5, retryDelay: .milliseconds(50), logger: quietLogger("follower")
        ) { snapshot in
            let failing = applied.failNext.withLock { count in
                defer { count = max(0, count - 1) }
                return count > 0
            }
            if failing { throw TestFailure() }
            applied.versions.withLock { $0.append(snapshot.version) }
        }
        await follower.start()
        await master.publishDiscovery(Self.snapshot(1, service: "web"))
        await Self.waitFor("version 1") { applied.versions.withLock { $0 } == [1] }
        applied.failNext.withLock { $0 = 2 }
        await master.publishDiscovery(Self.snapshot(2, service: "db"))
        await Self.waitFor("version 2 after two failed applies") { applied.versions.withLock { $0 } == [1, 2] }
        #expect(await follower.appliedVersion == 2)
        await follower.stop()
        await master.stop()
    }

    @Test("Bad parameters are a 400; before any snapshot the endpoint answers 503")
    func badRequests() async throws {
        let master = MasterServer(
            options: TestCluster.masterOptions(port: 0), store: MemoryStateStore(), logger: quietLogger("master"))
        let port = try await master.start()
        let base = "http://127.0.0.1:\(port)/mesokube/v1/discovery"
        let bad = try await HTTPClientSession.shared.get(url: base + "?after=minus-one")
        #expect(bad.status.code == 400 && bad.bodyString.contains("after"))
        let badTimeout = try await HTTPClientSession.shared.get(url: base + "?timeout=-3")
        #expect(badTimeout.status.code == 400)
        let none = try await HTTPClientSession.shared.get(url: base + "?timeout=0")
        #expect(none.status.code == 503)
        await master.publishDiscovery(Self.snapshot(3, service: "web"))
        let current = try await HTTPClientSession.shared.get(url: base + "?after=0")
        #expect(try SnapshotWire.decode(Data(current.body)) == Self.snapshot(3, service: "web"))
        await master.stop()
    }

    struct TestFailure: Error {}
}
