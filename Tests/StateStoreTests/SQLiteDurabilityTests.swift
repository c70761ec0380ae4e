import Foundation
import StateStore
import StateStoreSQLite
import Testing

/// What only the SQLite driver promises: state survives closing, reopening and being killed.
@Suite struct SQLiteDurabilityTests {
    @Test func reopenKeepsValuesRevisionHistoryAndLeases() async throws {
        let directory = TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Parent directories that do not exist yet are created.
        let path = directory.appendingPathComponent("nested/deeper/state.db").path
        let lease: Int64
        do {
            let store = try SQLiteStateStore(path: path)
            try await store.create("a", value: Data(text: "1"))  // 1
            try await store.update("a", value: Data(text: "2"))  // 2
            try await store.create("b", value: Data())  // 3
            try await store.delete("b")  // 4
            lease = try await store.grantLease(ttl: .seconds(60))
            try await store.create("c", value: Data(text: "leased"), lease: lease)  // 5
            try await store.compact(before: 2)
            await store.close()
        }

        let time = ManualTime()
        let store = try SQLiteStateStore(path: path, options: .init(now: time.now))
        #expect(try await store.currentRevision() == 5)
        #expect(try await store.get("a")?.value == Data(text: "2"))
        #expect(try await store.get("a")?.version == 2)
        #expect(try await store.get("b") == nil)
        #expect(try await store.get("c")?.lease == lease)

        let replay = WatchProbe(store.watch(prefix: "", fromRevision: 2))
        #expect(try await replay.waitFor(count: 4).map(\.revision) == [2, 3, 4, 5])
        let lost = WatchProbe(store.watch(prefix: "", fromRevision: 1))
        #expect(try await lost.waitForFailure() as? StoreError == .compacted(requested: 1, compactedAt: 2))

        #expect(try await store.create("d", value: Data()).modRevision == 6)
        #expect(try await store.grantLease(ttl: .seconds(1)) > lease)

        // The lease came back with a full TTL measured from the reopen, then runs out.
        try await store.keepAlive(lease: lease)
        time.advance(by: .seconds(61))
        try await store.expireLeases()
        #expect(try await store.get("c") == nil)
        await store.close()
    }

    @Test func aSecondStoreOnTheSameFileIsRefused() async throws {
        let directory = TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("state.db").path
        let first = try SQLiteStateStore(path: path)
        #expect(throws: StoreError.self) { try SQLiteStateStore(path: path) }
        await first.close()
        // Closing releases the file. Another test's child process forked at that instant holds a
        // copy of the lock's descriptor until it execs (the descriptor is close-on-exec), so the
        // reopen is retried for a bounded while.
        var second: SQLiteStateStore?
        for _ in 0..<50 where second == nil {
            second = try? SQLiteStateStore(path: path)
            if second == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(second != nil, "the store could not be reopened after close")
        await second?.close()
    }

    /// Real time: a short TTL and a fast sweep; the wait is bounded but nothing asserts on timing.
    @Test func backgroundSweepExpiresLeasesOnTheRealClock() async throws {
        let directory = TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStateStore(
            path: directory.appendingPathComponent("state.db").path,
            options: .init(durability: .normal, leaseSweepInterval: .milliseconds(20)))
        // On a loaded machine the lease may run out before the key is attached; then retry longer.
        var ttl = Duration.milliseconds(100)
        var attached: KeyValue?
        while attached == nil, ttl < .seconds(60) {
            let lease = try await store.grantLease(ttl: ttl)
            attached = try? await store.create("ephemeral", value: Data(), lease: lease)
            ttl *= 2
        }
        let kv = try #require(attached)
        let probe = WatchProbe(store.watch(prefix: "", fromRevision: kv.modRevision + 1))
        let deleted = WatchEvent.delete(key: "ephemeral", previous: kv, revision: kv.modRevision + 1)
        #expect(try await probe.waitFor(count: 1) == [deleted])
        #expect(try await store.get("ephemeral") == nil)
        await store.close()
    }

    /// A child process (this test binary, re-run in writer mode) writes as fast as it can and is
    /// killed with SIGKILL at an arbitrary point, most likely inside a transaction. The database
    /// must open, hold every acknowledged write, and equal the workload replayed up to its revision.
    @Test(.enabled(if: CrashChild.canSpawn))
    func killedWriterLeavesAConsistentPrefix() async throws {
        if let path = ProcessInfo.processInfo.environment[CrashChild.databaseVariable] {
            try await CrashChild.writeForever(path: path)
            return
        }
        let directory = TemporaryDirectory.make()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("state.db").path
        let acknowledged = try await CrashChild.runAndKill(path: path, afterWrites: 120)

        let store = try SQLiteStateStore(path: path, options: .init(now: ManualTime().now))
        let revision = try await store.currentRevision()
        #expect(revision >= acknowledged)
        // At most the write in flight when the kill came can be there beyond what was reported.
        #expect(revision <= acknowledged + 1)

        let expected = CrashChild.expectedState(atRevision: revision)
        let actual = try await store.list(prefix: "crash/").items
        #expect(actual.map(\.key) == expected.map(\.key))
        #expect(actual.map(\.value) == expected.map(\.value))
        #expect(actual.map(\.modRevision) == expected.map(\.modRevision))

        // History agrees with the values: replaying it from the start rebuilds them exactly.
        let probe = WatchProbe(store.watch(prefix: "", fromRevision: 1))
        let sentinel = try await store.create("sentinel", value: Data())
        #expect(sentinel.modRevision == revision + 1)
        let events = try await probe.waitUntil("the sentinel") { $0.last?.key == "sentinel" }
        var folded: [String: KeyValue] = [:]
        for event in events where event.revision <= revision {
            switch event {
            case .put(let kv, _): folded[kv.key] = kv
            case .delete(let key, _, _): folded.removeValue(forKey: key)
            }
        }
        #expect(folded.values.sorted { $0.key < $1.key } == actual.sorted { $0.key < $1.key })
        #expect(Set(events.map(\.revision)) == Set(1...revision + 1))
        await store.close()
    }
}
