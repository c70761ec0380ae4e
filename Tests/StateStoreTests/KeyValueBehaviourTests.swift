import Foundation
import StateStore
import Testing

/// Single-key semantics, revisions and listing, identical for every driver.
@Suite struct KeyValueBehaviourTests {
    @Test(arguments: Driver.allCases)
    func createGetUpdateDelete(driver: Driver) async throws {
        try await driver.withStore { h in
            let store = h.store
            let created = try await store.create("pods/a", value: Data(text: "v1"))
            #expect(
                created
                    == KeyValue(
                        key: "pods/a", value: Data(text: "v1"), createRevision: 1, modRevision: 1, version: 1,
                        lease: nil))
            #expect(try await store.get("pods/a") == created)
            #expect(try await store.get("pods/missing") == nil)
            #expect(await storeError { try await store.create("pods/a", value: Data()) } == .keyExists("pods/a"))

            let updated = try await store.update("pods/a", value: Data(text: "v2"), expectedModRevision: 1)
            #expect(updated.createRevision == 1)
            #expect(updated.modRevision == 2)
            #expect(updated.version == 2)
            #expect(updated.value == Data(text: "v2"))

            let stale = await storeError { try await store.update("pods/a", value: Data(), expectedModRevision: 1) }
            #expect(stale == .revisionMismatch(key: "pods/a", expected: 1, actual: 2))
            let staleDelete = await storeError { try await store.delete("pods/a", expectedModRevision: 1) }
            #expect(staleDelete == .revisionMismatch(key: "pods/a", expected: 1, actual: 2))
            #expect(try await store.get("pods/a") == updated)

            #expect(try await store.delete("pods/a", expectedModRevision: 2) == updated)
            #expect(try await store.get("pods/a") == nil)
            #expect(await storeError { try await store.delete("pods/a") } == .notFound("pods/a"))
            let missing = await storeError { try await store.update("pods/a", value: Data(), expectedModRevision: 2) }
            #expect(missing == .notFound("pods/a"))
        }
    }

    @Test(arguments: Driver.allCases)
    func unconditionalPutCreatesThenReplaces(driver: Driver) async throws {
        try await driver.withStore { h in
            let first = try await h.store.update("k", value: Data(text: "1"))
            #expect(first.createRevision == 1 && first.modRevision == 1 && first.version == 1)
            let second = try await h.store.update("k", value: Data(text: "2"))
            #expect(second.createRevision == 1 && second.modRevision == 2 && second.version == 2)
            #expect(try await h.store.get("k")?.value == Data(text: "2"))
        }
    }

    @Test(arguments: Driver.allCases)
    func revisionIsGlobalAndMovesOnlyOnSuccessfulWrites(driver: Driver) async throws {
        try await driver.withStore { h in
            let store = h.store
            #expect(try await store.currentRevision() == 0)
            let a = try await store.create("a", value: Data(text: "a"))
            let b = try await store.create("b", value: Data(text: "b"))
            let a2 = try await store.update("a", value: Data(text: "a2"))
            #expect([a.modRevision, b.modRevision, a2.modRevision] == [1, 2, 3])
            #expect(try await store.currentRevision() == 3)

            // Failed writes and reads leave the counter alone.
            _ = await storeError { try await store.create("a", value: Data()) }
            _ = await storeError { try await store.update("b", value: Data(), expectedModRevision: 99) }
            _ = await storeError { try await store.delete("zzz") }
            _ = try await store.get("a")
            _ = try await store.list(prefix: "")
            #expect(try await store.currentRevision() == 3)

            // A delete is a write; re-creating starts a new incarnation.
            try await store.delete("b")
            #expect(try await store.currentRevision() == 4)
            let reborn = try await store.create("b", value: Data(text: "b again"))
            #expect(reborn.createRevision == 5 && reborn.modRevision == 5 && reborn.version == 1)
        }
    }

    @Test(arguments: Driver.allCases)
    func emptyValuesRoundTrip(driver: Driver) async throws {
        try await driver.withStore { h in
            try await h.store.create("empty", value: Data())
            #expect(try await h.store.get("empty")?.value == Data())
            #expect(try await h.store.list(prefix: "empty").items.map(\.value) == [Data()])
        }
    }

    @Test(arguments: Driver.allCases)
    func badInputIsRejected(driver: Driver) async throws {
        try await driver.withStore { h throws in
            let store = h.store
            #expect(isInvalid(await storeError { try await store.create("", value: Data()) }))
            #expect(isInvalid(await storeError { try await store.update("", value: Data()) }))
            #expect(isInvalid(await storeError { try await store.delete("") }))
            #expect(isInvalid(await storeError { try await store.get("") }))
            #expect(isInvalid(await storeError { try await store.list(prefix: "", limit: 0) }))
            #expect(isInvalid(await storeError { try await store.grantLease(ttl: .zero) }))
            #expect(
                isInvalid(await storeError { try await store.list(prefix: "", limit: 1, startKey: nil, revision: -1) }))
            #expect(try await store.currentRevision() == 0)
        }
    }

    private func isInvalid(_ error: StoreError?) -> Bool {
        if case .invalidArgument = error { return true }
        return false
    }

    @Test(arguments: Driver.allCases)
    func listsByPrefixInByteOrder(driver: Driver) async throws {
        try await driver.withStore { h in
            // "e" + combining acute and precomposed "é" are equal Swift strings but distinct keys.
            let keys = ["a/z", "a/\u{e9}", "a/e\u{301}", "a/B", "a/a", "a", "a0", "b/x", "a/\u{7f}"]
            for key in keys { try await h.store.create(key, value: Data(text: key)) }
            let page = try await h.store.list(prefix: "a/")
            let expected = keys.filter { $0.utf8.starts(with: "a/".utf8) }
                .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            #expect(page.items.map { Array($0.key.utf8) } == expected.map { Array($0.utf8) })
            #expect(page.items.count == 6)
            #expect(page.revision == Int64(keys.count))
            #expect(page.more == false)
            #expect(try await h.store.list(prefix: "").items.count == keys.count)
            #expect(try await h.store.list(prefix: "nothing/").items.isEmpty)
        }
    }

    @Test(arguments: Driver.allCases)
    func paginationReadsOneSnapshotWhileWritesContinue(driver: Driver) async throws {
        try await driver.withStore { h in
            let store = h.store
            for i in 1...5 { try await store.create("jobs/\(i)", value: Data(text: "v\(i)")) }
            try await store.create("other/1", value: Data())

            let first = try await store.list(prefix: "jobs/", limit: 2)
            #expect(first.items.map(\.key) == ["jobs/1", "jobs/2"])
            #expect(first.more)
            #expect(first.revision == 6)

            // The world moves on between pages.
            try await store.update("jobs/3", value: Data(text: "changed"))
            try await store.delete("jobs/4")
            try await store.create("jobs/6", value: Data())
            try await store.delete("jobs/1")

            var keys = first.items.map(\.key)
            var values = first.items.map(\.value)
            var page = first
            while page.more {
                page = try await store.list(
                    prefix: "jobs/", limit: 2, startKey: StoreKeys.successor(of: page.items.last!.key),
                    revision: first.revision)
                #expect(page.revision == first.revision)
                keys += page.items.map(\.key)
                values += page.items.map(\.value)
            }
            #expect(keys == ["jobs/1", "jobs/2", "jobs/3", "jobs/4", "jobs/5"])
            #expect(values == (1...5).map { Data(text: "v\($0)") })

            let now = try await store.list(prefix: "jobs/")
            #expect(now.items.map(\.key) == ["jobs/2", "jobs/3", "jobs/5", "jobs/6"])
            #expect(now.revision == 10)
            let all = try await store.listAll(prefix: "jobs/", pageSize: 1)
            #expect(all.items == now.items)
            #expect(all.revision == 10)

            // A past snapshot keeps each key's metadata as it was then.
            let atSeven = try await store.list(prefix: "jobs/3", limit: nil, startKey: nil, revision: 7)
            #expect(atSeven.items.map(\.version) == [2])
            let atSix = try await store.list(prefix: "jobs/3", limit: nil, startKey: nil, revision: 6)
            #expect(atSix.items.map(\.modRevision) == [3])
        }
    }

    @Test(arguments: Driver.allCases)
    func listRejectsCompactedAndFutureRevisions(driver: Driver) async throws {
        try await driver.withStore { h in
            for i in 1...4 { try await h.store.create("k\(i)", value: Data()) }
            try await h.store.compact(before: 3)
            let old = await storeError { try await h.store.list(prefix: "", limit: nil, startKey: nil, revision: 2) }
            #expect(old == .compacted(requested: 2, compactedAt: 3))
            #expect(try await h.store.list(prefix: "", limit: nil, startKey: nil, revision: 3).items.count == 3)
            let future = await storeError { try await h.store.list(prefix: "", limit: nil, startKey: nil, revision: 5) }
            #expect(future == .futureRevision(requested: 5, current: 4))
            // Compaction never touches current values.
            #expect(try await h.store.list(prefix: "").items.count == 4)
        }
    }

    @Test(arguments: Driver.allCases)
    func concurrentCompareAndSwapHasExactlyOneWinner(driver: Driver) async throws {
        try await driver.withStore { h in
            let store = h.store
            let start = try await store.create("counter", value: Data(text: "0"))
            let contenders = 12
            let outcomes = await withTaskGroup(of: Result<KeyValue, any Error>.self) { group in
                for i in 0..<contenders {
                    group.addTask {
                        do {
                            return .success(
                                try await store.update(
                                    "counter", value: Data(text: "\(i)"), expectedModRevision: start.modRevision))
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let winners = outcomes.compactMap { try? $0.get() }
            #expect(winners.count == 1)
            let losers = outcomes.compactMap { outcome -> StoreError? in
                if case .failure(let error as StoreError) = outcome { return error }
                return nil
            }
            #expect(losers.count == contenders - 1)
            #expect(losers.allSatisfy { $0 == .revisionMismatch(key: "counter", expected: 1, actual: 2) })
            #expect(try await store.get("counter") == winners.first)
        }
    }

    @Test(arguments: Driver.allCases)
    func retriedCompareAndSwapLosesNoIncrement(driver: Driver) async throws {
        try await driver.withStore { h in
            let store = h.store
            try await store.create("n", value: Data(text: "0"))
            let workers = 4
            let incrementsEach = 10
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<workers {
                    group.addTask {
                        for _ in 0..<incrementsEach { try await Self.increment(store, "n") }
                    }
                }
                try await group.waitForAll()
            }
            let final = try #require(try await store.get("n"))
            #expect(String(decoding: final.value, as: UTF8.self) == "\(workers * incrementsEach)")
            #expect(final.version == Int64(workers * incrementsEach + 1))
        }
    }

    private static func increment(_ store: any StateStore, _ key: String) async throws {
        while true {
            guard let kv = try await store.get(key) else { throw StoreError.notFound(key) }
            let next = Int(String(decoding: kv.value, as: UTF8.self))! + 1
            do {
                try await store.update(key, value: Data(text: "\(next)"), expectedModRevision: kv.modRevision)
                return
            } catch StoreError.revisionMismatch {
                continue
            }
        }
    }

    @Test(arguments: Driver.allCases)
    func jsonHelpersRoundTrip(driver: Driver) async throws {
        struct Record: Codable, Equatable {
            var name: String
            var weight: Double
        }
        try await driver.withStore { h in
            #expect(try await h.store.getJSON("records/x", as: Record.self) == nil)
            let kv = try await h.store.putJSON("records/x", Record(name: "x", weight: 1.5))
            #expect(String(decoding: kv.value, as: UTF8.self) == #"{"name":"x","weight":1.5}"#)
            #expect(try await h.store.getJSON("records/x", as: Record.self) == Record(name: "x", weight: 1.5))
            let stale = await storeError {
                try await h.store.putJSON("records/x", Record(name: "y", weight: 0), expectedModRevision: 99)
            }
            #expect(stale == .revisionMismatch(key: "records/x", expected: 99, actual: kv.modRevision))
            let created = await storeError { try await h.store.createJSON("records/x", Record(name: "z", weight: 0)) }
            #expect(created == .keyExists("records/x"))
        }
    }

    @Test(arguments: Driver.allCases)
    func closedStoreRefusesCalls(driver: Driver) async throws {
        try await driver.withStore { h in
            try await h.store.create("k", value: Data())
            let probe = WatchProbe(h.store.watch(prefix: "", fromRevision: 1))
            _ = try await probe.waitFor(count: 1)
            await h.store.close()
            #expect(await storeError { try await h.store.get("k") } == .closed)
            #expect(await storeError { try await h.store.create("j", value: Data()) } == .closed)
            #expect(try await probe.waitForFailure() as? StoreError == .closed)
            let late = WatchProbe(h.store.watch(prefix: "", fromRevision: 1))
            #expect(try await late.waitForFailure() as? StoreError == .closed)
        }
    }
}
