import Foundation
import StateStore
import StateStoreEtcd
import TestSupport
import Testing

/// What only the etcd driver has: etcd's own lease clock, several members, store URLs.
@Suite(.timeLimit(.minutes(3))) struct EtcdDriverTests {
    /// The scenario needs its keep-alive and update inside the lease's 2 s: a test host that stalls
    /// the process longer than that (the whole suite has been seen frozen for 16 s on a loaded
    /// 2-core CI machine) broke that precondition, not the driver. Such an attempt is run again on a
    /// fresh etcd, at most three times; whatever the driver does wrong still fails every attempt.
    @Test func leasesExpireOnEtcdsClockAndDeleteTheirKeysAtOneRevision() async throws {
        for attempt in 1...3 {
            if try await leaseScenario(lastAttempt: attempt == 3) { return }
        }
    }

    /// False when the host stalled past the lease's life before the keep-alive and update were done.
    private func leaseScenario(lastAttempt: Bool) async throws -> Bool {
        let server = try await EtcdServer.start()
        defer { server.stop() }
        try await server.waitUntilHealthy()
        let store = try EtcdStateStore(endpoints: server.clientURLs)
        defer { Task { await store.close() } }
        let clock = ContinuousClock()
        let granted = clock.now
        let lease = try await store.grantLease(ttl: .seconds(2))
        let stalled = { !lastAttempt && granted.duration(to: clock.now) > .milliseconds(1800) }
        let k1: KeyValue
        let k2: KeyValue
        let k2b: KeyValue
        let probe: WatchProbe
        do {
            k1 = try await store.create("session/1", value: Data(), lease: lease)
            k2 = try await store.create("session/2", value: Data(), lease: lease)
            try await store.create("session/durable", value: Data())
            probe = WatchProbe(store.watch(prefix: "session/", fromRevision: 4))
            try await Task.sleep(for: .seconds(1))
            try await store.keepAlive(lease: lease)
            k2b = try await store.update("session/2", value: Data(text: "x"))  // rev 4, keeps its lease
        } catch StoreError.leaseNotFound(_) where stalled() {
            return false
        }
        if stalled() { return false }
        #expect(k2b.lease == lease)
        let events = try await probe.waitFor(count: 3, timeout: .seconds(20))
        #expect(
            events == [
                .put(k2b, previous: k2), .delete(key: "session/1", previous: k1, revision: 5),
                .delete(key: "session/2", previous: k2b, revision: 5),
            ])
        #expect(try await store.get("session/durable") != nil)
        #expect(await storeError { try await store.keepAlive(lease: lease) } == .leaseNotFound(lease))
        #expect(await storeError { try await store.revokeLease(lease) } == .leaseNotFound(lease))
        let late = await storeError { try await store.create("session/3", value: Data(), lease: lease) }
        #expect(late == .leaseNotFound(lease))
        return true
    }

    @Test func writesAndAWatchCarryOnWhenTheMemberInUseDies() async throws {
        let cluster = try await EtcdServer.start(members: 3)
        defer { cluster.stop() }
        for member in 0..<3 { try await cluster.waitUntilHealthy(member: member) }
        // A write in flight while the cluster elects a leader waits for it; beside the rest of the
        // suite an election took longer than the default 5 s once, and the write's outcome was unknown.
        let store = try EtcdStateStore(endpoints: cluster.clientURLs, options: .init(requestTimeout: .seconds(20)))
        defer { Task { await store.close() } }
        let probe = WatchProbe(store.watch(prefix: "jobs/", fromRevision: 1))
        for index in 1...10 { try await store.create("jobs/\(index)", value: Data()) }
        _ = try await probe.waitFor(count: 10)
        // The driver starts on the first member: kill it, write on, then restart it and kill
        // the next one. A majority stays up throughout.
        cluster.kill(member: 0)
        // A write sent on the dead member's pooled connection before the client saw it close has an
        // unknown outcome, rightly reported as such (it is not retried). A read, retried on any
        // failure, lets the driver find a live member first; the writes then must carry on.
        _ = try await store.list(prefix: "jobs/")
        for index in 11...20 { try await store.create("jobs/\(index)", value: Data()) }
        try cluster.start(member: 0)
        try await cluster.waitUntilHealthy(member: 0)
        cluster.kill(member: 1)
        _ = try await store.list(prefix: "jobs/")
        for index in 21...30 { try await store.update("jobs/\(index)", value: Data(text: "\(index)")) }
        let events = try await probe.waitFor(count: 30)
        #expect(events.map(\.revision) == Array(1...30))
        #expect(events.map(\.key) == (1...30).map { "jobs/\($0)" })
        #expect(try await store.list(prefix: "jobs/").items.count == 30)
    }

    @Test func aClusterNobodyCanReachFailsWithABackendError() async throws {
        let port = try TestRegistry.freeLoopbackPort()
        let store = try EtcdStateStore(
            endpoints: ["http://127.0.0.1:\(port)"], options: .init(requestTimeout: .seconds(1)))
        defer { Task { await store.close() } }
        guard case .backend(let message) = await storeError({ try await store.get("k") }) else {
            Issue.record("expected a backend error")
            return
        }
        #expect(message.contains("no etcd member could serve"))
        // A write that never left fails the same way (it certainly was not applied).
        guard case .backend = await storeError({ try await store.create("k", value: Data()) }) else {
            Issue.record("expected a backend error")
            return
        }
    }

    @Test func storeURLsNameMembersAsHostAndPort() throws {
        #expect(
            try EtcdStateStore.endpoints(fromStoreURL: "etcd://10.0.0.1:2379,10.0.0.2:2379")
                == ["http://10.0.0.1:2379", "http://10.0.0.2:2379"])
        for bad in ["etcd://", "etcd://host", "etcd://host:port", "etcd://:2379", "etcd://h:99999", "http://h:1"] {
            #expect(throws: StoreError.self) { try EtcdStateStore.endpoints(fromStoreURL: bad) }
        }
        #expect(throws: StoreError.self) { try EtcdStateStore(endpoints: []) }
    }
}
