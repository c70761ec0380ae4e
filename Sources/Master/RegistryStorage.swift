import Foundation
import MasterCore
import MesosModel
import StateStore

/// How the registry lies in the store: one key per agent (admitted or unreachable) under
/// `agentPrefix`, and the rest (weights, quotas, reservations, frameworks) in one document at
/// `key`. Admitting an agent then writes that agent alone. As one document the registry cost a
/// whole-registry encode per write — 10,000 agents registering spent half the master's time
/// encoding — and outgrew etcd's 1.5 MiB request limit at about 3,000 agents.
///
/// Registries written as one document (agents inside it) still load; the first write moves
/// their agents to keys, the document last, so that a crash part-way leaves both and the keys win.
struct RegistryStorage: Equatable, Sendable {
    static let key = "/mesokube/master/registry"
    static let agentPrefix = "/mesokube/master/registry-agents/"

    /// One agent's key: admitted, or unreachable since `unreachableSince` (epoch seconds). One
    /// key for both, so that marking an agent unreachable, or admitting it back, is one write.
    struct AgentEntry: Codable, Hashable, Sendable {
        var info: AgentInfo
        var endpoint: String
        var unreachableSince: Double?

        /// Puts the agent in the registry's admitted or unreachable list, out of the other.
        func place(_ id: String, in registry: inout MasterRegistry) {
            if let time = unreachableSince {
                registry.agents[id] = nil
                registry.unreachable[id] = .init(info: info, endpoint: endpoint, time: time)
            } else {
                registry.unreachable[id] = nil
                registry.agents[id] = .init(info: info, endpoint: endpoint)
            }
        }
    }

    /// The registry without its agents: the document at `key`.
    var document: MasterRegistry
    /// Agent entries by agent id value.
    var agents: [String: AgentEntry]

    init(_ registry: MasterRegistry) {
        var document = registry
        document.agents = [:]
        document.unreachable = [:]
        self.document = document
        var agents: [String: AgentEntry] = [:]
        agents.reserveCapacity(registry.agents.count + registry.unreachable.count)
        for (id, admitted) in registry.agents {
            agents[id] = AgentEntry(info: admitted.info, endpoint: admitted.endpoint, unreachableSince: nil)
        }
        for (id, gone) in registry.unreachable {
            agents[id] = AgentEntry(info: gone.info, endpoint: gone.endpoint, unreachableSince: gone.time)
        }
        self.agents = agents
    }

    /// The registry these keys describe.
    var registry: MasterRegistry {
        var registry = document
        for (id, entry) in agents { entry.place(id, in: &registry) }
        return registry
    }

    /// The writes that take the store from `self` (what it holds) to `target`.
    struct Changes: Equatable, Sendable {
        var agentPuts: [String: AgentEntry] = [:]
        var agentDeletes: [String] = []
        var document: MasterRegistry?

        var isEmpty: Bool { agentPuts.isEmpty && agentDeletes.isEmpty && document == nil }
    }

    func changes(to target: RegistryStorage) -> Changes {
        var changes = Changes()
        for (id, entry) in target.agents where agents[id] != entry { changes.agentPuts[id] = entry }
        changes.agentDeletes = agents.keys.filter { target.agents[$0] == nil }.sorted()
        if document != target.document { changes.document = target.document }
        return changes
    }

    /// What the store holds: the document, and over it every agent key. `written` describes the
    /// store as loaded, so the first write moves the agents of an old single-document registry.
    static func load(from store: any StateStore) async throws -> (registry: MasterRegistry, written: RegistryStorage) {
        let stored = try await store.getJSON(key, as: MasterRegistry.self) ?? MasterRegistry()
        var registry = stored
        var written = RegistryStorage(MasterRegistry())
        written.document = stored
        for kv in try await store.listAll(prefix: agentPrefix).items {
            let id = String(kv.key.dropFirst(agentPrefix.count))
            let entry = try StoreJSON.decode(AgentEntry.self, from: kv)
            written.agents[id] = entry
            entry.place(id, in: &registry)
        }
        return (registry, written)
    }

    /// Writes what changed from `written` (what the store holds) to `registry`; returns what the
    /// store holds then. Off the master's actor: at 10,000 agents the comparison takes milliseconds.
    static func write(
        _ registry: MasterRegistry, over written: RegistryStorage, to store: any StateStore
    ) async throws -> RegistryStorage {
        let target = RegistryStorage(registry)
        try await write(written.changes(to: target), to: store)
        return target
    }

    /// Applies `changes`: agent keys first (several at once: each is a round trip to etcd), then
    /// the document.
    static func write(_ changes: Changes, to store: any StateStore, parallelism: Int = 32) async throws {
        var writes: [(key: String, value: Data?)] = try changes.agentPuts.sorted { $0.key < $1.key }.map {
            (agentPrefix + $0.key, try StoreJSON.encode($0.value))
        }
        writes += changes.agentDeletes.map { (agentPrefix + $0, nil) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = writes.makeIterator()
            func startOne() -> Bool {
                guard let write = next.next() else { return false }
                group.addTask { try await apply(write, to: store) }
                return true
            }
            for _ in 0..<parallelism where !startOne() { break }
            while try await group.next() != nil { _ = startOne() }
        }
        if let document = changes.document { try await store.putJSON(key, document) }
    }

    private static func apply(_ write: (key: String, value: Data?), to store: any StateStore) async throws {
        if let value = write.value {
            _ = try await store.update(write.key, value: value, expectedModRevision: nil)
        } else {
            do {
                _ = try await store.delete(write.key, expectedModRevision: nil)
            } catch StoreError.notFound {
                // Already gone: a delete is idempotent here.
            }
        }
    }
}
