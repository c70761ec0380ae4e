import Foundation
import HTTPSupport
import Logging
import MesosModel
import StateStore
import TestSupport
import Testing

@testable import Master

/// What an agent hears first on a new session is REGISTERED, even when the registry write that
/// must precede it is slow and the master's timers (pings, offers) run meanwhile.
@Suite struct AgentSessionOrderTests {
    @Test("a slow registry write holds a new session's events behind REGISTERED and sends it no early PING")
    func registeredComesFirst() async throws {
        var quiet = Logger(label: "session-order")
        quiet.logLevel = .warning
        var options = MasterOptions()
        options.port = 0
        options.allocationInterval = 0.01
        options.agentPingTimeout = 0.05
        options.maxAgentPingTimeouts = 1000  // never unreachable here: it could not answer before REGISTERED
        let master = MasterServer(
            options: options, store: SlowWritingStore(delay: .milliseconds(300)), logger: quiet)
        let port = try await master.start()
        var registration = AgentCall(type: .register, agentID: nil)
        registration.register = makeAgentRegistration()
        let response = try await HTTPClientSession.shared.postStream(
            url: "http://127.0.0.1:\(port)/internal/agent", json: registration,
            headers: ["Content-Type": "application/json"])
        #expect(response.status == .ok)
        var types: [AgentEvent.EventType] = []
        for try await record in response.records {
            types.append(try MesosJSON.decoder.decode(AgentEvent.self, from: Data(record)).type)
            if types.count == 2 { break }
        }
        // Six ping periods passed during the write; none of their PINGs went out before it.
        #expect(types == [.registered, .ping])
        await master.stop()
    }
}

/// A memory store whose writes take `delay`, as etcd's do on a loaded machine.
private struct SlowWritingStore: StateStore {
    let base = MemoryStateStore()
    let delay: Duration

    func get(_ key: String) async throws -> KeyValue? { try await base.get(key) }
    func list(prefix: String, limit: Int?, startKey: String?, revision: Int64?) async throws -> ListPage {
        try await base.list(prefix: prefix, limit: limit, startKey: startKey, revision: revision)
    }
    func create(_ key: String, value: Data, lease: Int64?) async throws -> KeyValue {
        try await Task.sleep(for: delay)
        return try await base.create(key, value: value, lease: lease)
    }
    func update(_ key: String, value: Data, expectedModRevision: Int64?) async throws -> KeyValue {
        try await Task.sleep(for: delay)
        return try await base.update(key, value: value, expectedModRevision: expectedModRevision)
    }
    func delete(_ key: String, expectedModRevision: Int64?) async throws -> KeyValue {
        try await Task.sleep(for: delay)
        return try await base.delete(key, expectedModRevision: expectedModRevision)
    }
    func currentRevision() async throws -> Int64 { try await base.currentRevision() }
    func watch(prefix: String, fromRevision: Int64) -> AsyncThrowingStream<WatchEvent, any Error> {
        base.watch(prefix: prefix, fromRevision: fromRevision)
    }
    func compact(before revision: Int64) async throws { try await base.compact(before: revision) }
    func grantLease(ttl: Duration) async throws -> Int64 { try await base.grantLease(ttl: ttl) }
    func keepAlive(lease: Int64) async throws { try await base.keepAlive(lease: lease) }
    func revokeLease(_ lease: Int64) async throws { try await base.revokeLease(lease) }
    func close() async { await base.close() }
}
