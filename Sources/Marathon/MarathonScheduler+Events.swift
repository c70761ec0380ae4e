import Foundation
import HTTPSupport
import MarathonCore
import MesosModel

/// `GET /v2/events`: Marathon's event bus as server-sent events (reference §1.8). Each frame is
/// `event: <type>` + `data: <one-line JSON with eventType and timestamp>` + a blank line; repeated
/// `event_type=` parameters filter. `deployment_info` (light plan format) is sent only to streams
/// that ask for it by name, as are `deployment_step_*`: marathon-python 0.13 fails on their light plan
/// (reference §6.2).
extension MarathonScheduler {
    struct EventSubscriber {
        let stream: ResponseStream
        let types: Set<String>
    }

    static let explicitOnlyEvents: Set<String> = [
        "deployment_info", "deployment_step_success", "deployment_step_failure",
    ]

    func subscribeEvents(types: Set<String>, remoteAddress: String?) -> ResponseStream {
        let stream = ResponseStream()
        eventSubscribers[ObjectIdentifier(stream)] = EventSubscriber(stream: stream, types: types)
        publish("event_stream_attached", ["remoteAddress": .string(remoteAddress ?? "")])
        return stream
    }

    func publish(_ type: String, _ fields: [String: JSONValue]) {
        guard !eventSubscribers.isEmpty else { return }
        var object = fields
        object["eventType"] = .string(type)
        object["timestamp"] = .string(Timestamp.format(Date()))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(JSONValue.object(object)) else { return }
        let frame = "event: \(type)\ndata: \(String(decoding: data, as: UTF8.self))\n\n"
        for (id, subscriber) in eventSubscribers {
            let wanted =
                subscriber.types.isEmpty ? !Self.explicitOnlyEvents.contains(type) : subscriber.types.contains(type)
            guard wanted else { continue }
            if !subscriber.stream.send(ByteBuffer(string: frame)) { eventSubscribers.removeValue(forKey: id) }
        }
    }

    func closeEventStreams() {
        for subscriber in eventSubscribers.values { subscriber.stream.finish() }
        eventSubscribers.removeAll()
    }

    func publishStatus(_ task: TaskRecord, state: String, message: String?) {
        publishInstanceChange(task, state: state)
        publish(
            "status_update_event",
            [
                "slaveId": .string(task.agentId), "taskId": .string(task.id), "taskStatus": .string(state),
                "message": .string(message ?? ""), "appId": .string(task.appId), "host": .string(task.host),
                "ports": .array(task.ports.map { .number(Double($0)) }),
                "version": .string(Timestamp.format(task.version)),
                "ipAddresses": .array([.object(["ipAddress": .string(task.host), "protocol": .string("IPv4")])]),
            ])
    }

    /// `instance_changed_event`: the instance's condition as Marathon names it (`Running`, `Killed`, …).
    func publishInstanceChange(_ task: TaskRecord, state: String) {
        publish(
            "instance_changed_event",
            [
                "instanceId": .string(task.id), "condition": .string(Self.condition(of: state)),
                "runSpecId": .string(task.appId), "agentId": .string(task.agentId), "host": .string(task.host),
                "runSpecVersion": .string(Timestamp.format(task.version)),
            ])
    }

    /// Marathon's `Condition` of a Mesos task state: `TASK_RUNNING` → `Running`, `TASK_LOST` → `Gone`.
    static func condition(of state: String) -> String {
        switch state {
        case "TASK_LOST", "TASK_GONE", "TASK_DROPPED", "TASK_GONE_BY_OPERATOR": return "Gone"
        case "TASK_UNKNOWN": return "Unknown"
        default:
            let word = state.hasPrefix("TASK_") ? String(state.dropFirst(5)) : state
            return word.prefix(1).uppercased() + word.dropFirst().lowercased()
        }
    }

    /// The light plan format (Marathon ≥ 1.8): id, steps and version only.
    static func lightPlan(_ plan: DeploymentPlan) -> JSONValue {
        .object([
            "id": .string(plan.id), "steps": plan.stepsJSON, "version": .string(Timestamp.format(plan.version)),
        ])
    }
}
