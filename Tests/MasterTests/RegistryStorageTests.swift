import Foundation
import MasterCore
import MesosModel
import StateStore
import StateStoreSQLite
import TestSupport
import Testing

@testable import Master

/// The registry in the store: a key per agent and one document for the rest, written by
/// difference, and registries stored as one document (before keys per agent) still read.
@Suite struct RegistryStorageTests {
    static func agent(_ index: Int) -> (id: String, info: AgentInfo) {
        let id = "m1-S\(index)"
        return (id, makeAgentInfo(hostname: "agent\(index).test", port: 5051, id: AgentID(id)))
    }

    /// Three admitted agents, one unreachable, a weight and a framework.
    static func registry() -> MasterRegistry {
        var registry = MasterRegistry()
        for index in 0..<3 {
            let (id, info) = agent(index)
            registry.agents[id] = .init(info: info, endpoint: "10.0.0.\(index):5051")
        }
        let (gone, info) = agent(3)
        registry.unreachable[gone] = .init(info: info, endpoint: "10.0.0.3:5051", time: 1_700_000_000)
        registry.weights["analytics"] = 2
        registry.frameworks["f1"] = .init(info: makeFrameworkInfo(), failoverDeadline: nil)
        return registry
    }

    /// An SQLite store in a fresh directory, removed after `body`.
    static func withStore(_ body: (SQLiteStateStore) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("registry-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStateStore(path: directory.appendingPathComponent("registry.db").path)
        try await body(store)
        await store.close()
    }

    @Test func aRegistryReadsBackAsWrittenWithAKeyPerAgent() async throws {
        try await Self.withStore { store in
            let registry = Self.registry()
            let written = try await RegistryStorage.write(registry, over: RegistryStorage(MasterRegistry()), to: store)
            let keys = try await store.listAll(prefix: RegistryStorage.agentPrefix).items.map(\.key)
            #expect(keys.sorted() == (0..<4).map { RegistryStorage.agentPrefix + "m1-S\($0)" })
            let document = try #require(try await store.getJSON(RegistryStorage.key, as: MasterRegistry.self))
            #expect(document.agents.isEmpty && document.unreachable.isEmpty)
            #expect(document.weights == ["analytics": 2])
            let loaded = try await RegistryStorage.load(from: store)
            #expect(loaded.registry == registry)
            #expect(loaded.written == written)
        }
    }

    @Test func onlyWhatChangedIsWritten() throws {
        var registry = Self.registry()
        let written = RegistryStorage(registry)
        #expect(written.changes(to: RegistryStorage(registry)).isEmpty)

        // A new agent: its key alone.
        let (id, info) = Self.agent(9)
        registry.agents[id] = .init(info: info, endpoint: "10.0.0.9:5051")
        var changes = written.changes(to: RegistryStorage(registry))
        #expect(Array(changes.agentPuts.keys) == [id])
        #expect(changes.agentDeletes.isEmpty && changes.document == nil)

        // An agent marked unreachable: one put, the same key.
        registry = Self.registry()
        let admitted = try #require(registry.agents["m1-S0"])
        registry.agents["m1-S0"] = nil
        registry.unreachable["m1-S0"] = .init(info: admitted.info, endpoint: admitted.endpoint, time: 5)
        changes = written.changes(to: RegistryStorage(registry))
        #expect(changes.agentPuts["m1-S0"]?.unreachableSince == 5)
        #expect(changes.agentPuts.count == 1 && changes.agentDeletes.isEmpty && changes.document == nil)

        // A pruned agent is deleted; a weight changes the document only.
        registry = Self.registry()
        registry.unreachable["m1-S3"] = nil
        registry.weights["analytics"] = 3
        changes = written.changes(to: RegistryStorage(registry))
        #expect(changes.agentPuts.isEmpty)
        #expect(changes.agentDeletes == ["m1-S3"])
        #expect(changes.document?.weights == ["analytics": 3])
        #expect(changes.document?.agents.isEmpty == true)
    }

    @Test func aDeletedAgentStaysDeleted() async throws {
        try await Self.withStore { store in
            var registry = Self.registry()
            let written = try await RegistryStorage.write(registry, over: RegistryStorage(MasterRegistry()), to: store)
            registry.unreachable["m1-S3"] = nil
            _ = try await RegistryStorage.write(registry, over: written, to: store)
            #expect(try await RegistryStorage.load(from: store).registry == registry)
        }
    }

    @Test func aSingleDocumentRegistryLoadsAndMovesToKeysOnTheFirstWrite() async throws {
        try await Self.withStore { store in
            let registry = Self.registry()
            try await store.putJSON(RegistryStorage.key, registry)
            let loaded = try await RegistryStorage.load(from: store)
            #expect(loaded.registry == registry)
            // The first write after loading, even with nothing changed, moves the agents.
            _ = try await RegistryStorage.write(loaded.registry, over: loaded.written, to: store)
            #expect(try await store.listAll(prefix: RegistryStorage.agentPrefix).items.count == 4)
            let document = try #require(try await store.getJSON(RegistryStorage.key, as: MasterRegistry.self))
            #expect(document.agents.isEmpty && document.unreachable.isEmpty)
            #expect(try await RegistryStorage.load(from: store).registry == registry)
        }
    }

    @Test func aMoveCutShortLoadsWithTheKeysWinning() async throws {
        try await Self.withStore { store in
            // The old document says S0 is admitted; its key, written before the crash, says unreachable.
            let registry = Self.registry()
            try await store.putJSON(RegistryStorage.key, registry)
            let admitted = try #require(registry.agents["m1-S0"])
            let entry = RegistryStorage.AgentEntry(
                info: admitted.info, endpoint: admitted.endpoint, unreachableSince: 7)
            try await store.putJSON(RegistryStorage.agentPrefix + "m1-S0", entry)
            let loaded = try await RegistryStorage.load(from: store).registry
            #expect(loaded.agents["m1-S0"] == nil)
            #expect(loaded.unreachable["m1-S0"]?.time == 7)
            #expect(loaded.agents.count == 2 && loaded.unreachable.count == 2)
        }
    }

    @Test func aCorruptAgentKeyFailsTheLoadInsteadOfDroppingTheAgent() async throws {
        try await Self.withStore { store in
            try await store.update(RegistryStorage.agentPrefix + "m1-S0", value: Data("{".utf8))
            await #expect(throws: (any Error).self) { try await RegistryStorage.load(from: store) }
        }
    }
}
