import Foundation
import MesosModel

// MesosModel declares `SchedulerCall.Message` and `.Shutdown` without public initializers, so
// from this module they can only be built by decoding their own JSON shape.

extension SchedulerCall.Message {
    /// `{agent_id, executor_id, data(base64)}`.
    init(agentID: AgentID, executorID: ExecutorID, data: [UInt8]) throws {
        let wire: [String: JSONValue] = [
            "agent_id": .object(["value": .string(agentID.value)]),
            "executor_id": .object(["value": .string(executorID.value)]),
            "data": .string(Base64.encode(data)),
        ]
        self = try JSONDecoder().decode(Self.self, from: JSONEncoder().encode(JSONValue.object(wire)))
    }
}

extension SchedulerCall.Shutdown {
    /// `{executor_id, agent_id}`.
    init(executorID: ExecutorID, agentID: AgentID) throws {
        let wire: [String: JSONValue] = [
            "agent_id": .object(["value": .string(agentID.value)]),
            "executor_id": .object(["value": .string(executorID.value)]),
        ]
        self = try JSONDecoder().decode(Self.self, from: JSONEncoder().encode(JSONValue.object(wire)))
    }
}
