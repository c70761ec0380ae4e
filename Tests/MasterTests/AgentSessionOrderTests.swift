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
            options: options, store: HookedStateStore(writeDelay: .milliseconds(300)), logger: quiet)
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
