import Foundation
import StateStore
import Testing

/// Watches, compaction and leases, identical for every driver.
@Suite struct WatchAndLeaseBehaviourTests {
    @Test(arguments: Driver.allCases)
    func watchReplaysHistoryThenDeliversLiveEvents(driver: Driver) async throws {
        try await driver.withStore { h in
            let store = h.store
            let a1 = try await store.create("w/a", value: Data(text: "1"))  // rev 1
            try await store.create("elsewhere", value: Data())  // rev 2
            let a2 = try await store.update("w/a", value: Data(text: "2"))  // rev 3
            let b = try await store.create("w/b", value: Data())  // rev 4

            let probe = WatchProbe(store.watch(prefix: "w/", fromRevision: 2))
            let replayed = try await probe.waitFor(count: 2)
            #expect(replayed == [.put(a2, previous: a1), .put(b, previous: nil)])

            let gone = try await store.delete("w/a")  // rev 5
            try await store.update("elsewhere", value: Data(text: "x"))  // rev 6, not watched
            let c = try await store.create("w/c", value: Data())  // rev 7
            let all = try await probe.waitFor(count: 4)
            #expect(all == replayed + [.delete(key: "w/a", previous: gone, revision: 5), .put(c, previous: nil)])
            #expect(all.map(\.revision) == [3, 4, 5, 7])

            // Nothing extra slipped in: the next event seen is the sentinel's.
            let sentinel = try await store.create("w/sentinel", value: Data())
            #expect(try await probe.waitFor(count: 5) == all + [.put(sentinel, previous: nil)])
        }
    }

    @Test(arguments: Driver.allCases)
    func watchFromTheFutureWaitsForIt(driver: Driver) async throws {
        try await driver.withStore { h in
            try await h.store.create("k1", value: Data())
            let probe = WatchProbe(h.store.watch(prefix: "", fromRevision: 3))
            try await h.store.create("k2", value: Data())  // rev 2: before the watch's start
            let k3 = try await h.store.create("k3", value: Data())  // rev 3
            #expect(try await probe.waitFor(count: 1) == [.put(k3, previous: nil)])
        }
    }

    @Test(arguments: Driver.allCases)
    func watchersRacingWritersMissNothing(driver: Driver) async throws {
        try await driver.withStore { h in
            let store = h.store
            let writes = 40
            let writer = Task {
                for i in 1...writes { try await store.create("race/\(i)", value: Data()) }
            }
            // Watches started at arbitrary points during the writes, all from revision 1.
            var probes: [WatchProbe] = []
            for _ in 0..<4 {
                probes.append(WatchProbe(store.watch(prefix: "race/", fromRevision: 1)))
                await Task.yield()
            }
            try await writer.value
            for probe in probes {
                let events = try await probe.waitFor(count: writes)
                #expect(events.map(\.revision) == (1...Int64(writes)).map { $0 })
            }
        }
    }

    @Test(arguments: Driver.allCases)
    func watchFromCompactedRevisionFails(driver: Driver) async throws {
        try await driver.withStore { h in
            let store = h.store
            for i in 1...4 { try await store.create("k\(i)", value: Data()) }
            try await store.compact(before: 3)
            let early = WatchProbe(store.watch(prefix: "", fromRevision: 2))
            #expect(try await early.waitForFailure() as? StoreError == .compacted(requested: 2, compactedAt: 3))

            let atPoint = WatchProbe(store.watch(prefix: "", fromRevision: 3))
            #expect(try await atPoint.waitFor(count: 2).map(\.key) == ["k3", "k4"])

            // Compacting further than exists stops at the next revision, which stays watchable
            // (etcd stops at the current one, which it keeps readable).
            try await store.compact(before: 100)
            let fromNext = WatchProbe(store.watch(prefix: "", fromRevision: 5))
            if driver != .etcd {
                let lost = WatchProbe(store.watch(prefix: "", fromRevision: 4))
                #expect(try await lost.waitForFailure() as? StoreError == .compacted(requested: 4, compactedAt: 5))
            }
            let k5 = try await store.create("k5", value: Data())
            #expect(try await fromNext.waitFor(count: 1) == [.put(k5, previous: nil)])
            // Keeping only the last revision: history then starts at the current one (6).
            try await store.create("k6", value: Data())
            try await store.compact(keepingLast: 1)
            let beforeLast = WatchProbe(store.watch(prefix: "", fromRevision: 5))
            #expect(try await beforeLast.waitForFailure() as? StoreError == .compacted(requested: 5, compactedAt: 6))
            // Compacting backwards is a no-op.
            try await store.compact(before: 2)
            let stillLost = WatchProbe(store.watch(prefix: "", fromRevision: 4))
            #expect(try await stillLost.waitForFailure() as? StoreError == .compacted(requested: 4, compactedAt: 6))
        }
    }

    @Test(arguments: Driver.allCases)
    func cancelledWatchStopsCleanly(driver: Driver) async throws {
        try await driver.withStore { h in
            let probe = WatchProbe(h.store.watch(prefix: "", fromRevision: 1))
            try await h.store.create("a", value: Data())
            _ = try await probe.waitFor(count: 1)
            probe.cancel()
            // The store keeps working for everyone else after a consumer goes away.
            let other = WatchProbe(h.store.watch(prefix: "", fromRevision: 1))
            try await h.store.create("b", value: Data())
            #expect(try await other.waitFor(count: 2).map(\.key) == ["a", "b"])
        }
    }

    @Test(arguments: Driver.manualClock)
    func leasesExpireAndDeleteTheirKeys(driver: Driver) async throws {
        try await driver.withStore { h in
            let store = h.store
            let lease = try await store.grantLease(ttl: .seconds(10))
            let k1 = try await store.create("session/1", value: Data(), lease: lease)
            let k2 = try await store.create("session/2", value: Data(), lease: lease)
            try await store.create("session/durable", value: Data())
            #expect(k1.lease == lease)
            let probe = WatchProbe(store.watch(prefix: "session/", fromRevision: 4))

            h.time.advance(by: .seconds(6))
            try await store.keepAlive(lease: lease)  // now due at 16 s
            h.time.advance(by: .seconds(6))  // 12 s
            try await h.expireLeases()
            #expect(try await store.get("session/1") != nil)

            // An update keeps the key on its lease.
            let k2b = try await store.update("session/2", value: Data(text: "x"))  // rev 4
            #expect(k2b.lease == lease)

            h.time.advance(by: .seconds(5))  // 17 s: expired
            try await h.expireLeases()
            #expect(try await store.get("session/1") == nil)
            #expect(try await store.get("session/2") == nil)
            #expect(try await store.get("session/durable") != nil)
            #expect(try await store.currentRevision() == 5)
            let events = try await probe.waitFor(count: 3)
            #expect(
                events == [
                    .put(k2b, previous: k2),
                    .delete(key: "session/1", previous: k1, revision: 5),
                    .delete(key: "session/2", previous: k2b, revision: 5),
                ])
            #expect(await storeError { try await store.keepAlive(lease: lease) } == .leaseNotFound(lease))
            #expect(await storeError { try await store.revokeLease(lease) } == .leaseNotFound(lease))
            let late = await storeError { try await store.create("session/3", value: Data(), lease: lease) }
            #expect(late == .leaseNotFound(lease))
        }
    }

    @Test(arguments: Driver.allCases)
    func revokingALeaseDeletesItsKeysAtOneRevision(driver: Driver) async throws {
        try await driver.withStore { h in
            let store = h.store
            let lease = try await store.grantLease(ttl: .seconds(60))
            let other = try await store.grantLease(ttl: .seconds(60))
            #expect(lease != other)
            for i in 1...3 { try await store.create("l/\(i)", value: Data(), lease: lease) }
            try await store.create("l/other", value: Data(), lease: other)
            #expect(try await store.currentRevision() == 4)

            try await store.revokeLease(lease)
            #expect(try await store.currentRevision() == 5)
            #expect(try await store.list(prefix: "l/").items.map(\.key) == ["l/other"])
            let probe = WatchProbe(store.watch(prefix: "l/", fromRevision: 5))
            let events = try await probe.waitFor(count: 3)
            #expect(events.map(\.key) == ["l/1", "l/2", "l/3"])
            #expect(events.allSatisfy { $0.revision == 5 })

            // A lease with no keys goes without a write.
            let empty = try await store.grantLease(ttl: .seconds(1))
            try await store.revokeLease(empty)
            #expect(try await store.currentRevision() == 5)
            #expect(await storeError { try await store.create("x", value: Data(), lease: 999) } == .leaseNotFound(999))
        }
    }
}
