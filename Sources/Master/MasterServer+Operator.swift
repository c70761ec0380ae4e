import Foundation
import HTTPSupport
import MasterCore
import MesosModel
import NIOCore
import NIOHTTP1

/// The operator API (`POST /api/v1`) and the legacy operator endpoints.
extension MasterServer {
    struct OperatorCall: Decodable {
        struct Weights: Decodable {
            var weightInfos: [WeightInfo]
            enum CodingKeys: String, CodingKey { case weightInfos = "weight_infos" }
        }
        struct WeightInfo: Decodable {
            var role: String
            var weight: Double
        }
        struct Quota: Decodable {
            var force: Bool?
            var quotaConfigs: [QuotaConfig]
            enum CodingKeys: String, CodingKey {
                case force
                case quotaConfigs = "quota_configs"
            }
        }
        struct QuotaConfig: Decodable {
            var role: String
            var limits: [String: ValueScalar]?
        }
        struct ValueScalar: Decodable { var value: Double }
        struct Reservation: Decodable {
            var agentID: AgentID
            var resources: [Resource]
            enum CodingKeys: String, CodingKey {
                case resources
                case agentID = "agent_id"
            }
        }
        struct Teardown: Decodable {
            var frameworkID: FrameworkID
            enum CodingKeys: String, CodingKey { case frameworkID = "framework_id" }
        }

        var type: String
        var updateWeights: Weights?
        var updateQuota: Quota?
        var reserveResources: Reservation?
        var unreserveResources: Reservation?
        var teardown: Teardown?

        enum CodingKeys: String, CodingKey {
            case type, teardown
            case updateWeights = "update_weights"
            case updateQuota = "update_quota"
            case reserveResources = "reserve_resources"
            case unreserveResources = "unreserve_resources"
        }
    }

    nonisolated func operatorEndpoint(_ request: HTTPRequest) async -> HTTPResponse {
        let call: OperatorCall
        switch decodeCall(OperatorCall.self, request) {
        case .success(let decoded): call = decoded
        case .failure(let error): return error.response
        }
        return await operatorCall(call)
    }

    func operatorCall(_ call: OperatorCall) async -> HTTPResponse {
        let now = wallClock()
        switch call.type {
        case "GET_HEALTH": return typed("GET_HEALTH", ["healthy": .bool(true)])
        case "GET_VERSION": return typed("GET_VERSION", ["version_info": versionJSON()])
        case "GET_FLAGS":
            let flags = options.flags.sorted(by: { $0.key < $1.key }).map {
                JSONValue.object(["name": .string($0.key), "value": .string($0.value)])
            }
            return typed("GET_FLAGS", ["flags": .array(flags)])
        case "GET_METRICS":
            let metrics = metricsSnapshot()
            let list: [JSONValue] = (metrics.objectValue ?? [:]).sorted(by: { $0.key < $1.key }).map {
                .object(["name": .string($0.key), "value": $0.value])
            }
            return typed("GET_METRICS", ["metrics": .array(list)])
        case "GET_MASTER": return typed("GET_MASTER", ["master_info": encodeJSON(core.masterInfo)])
        case "GET_STATE": return typed("GET_STATE", v1State())
        case "GET_AGENTS": return typed("GET_AGENTS", v1Agents())
        case "GET_FRAMEWORKS": return typed("GET_FRAMEWORKS", v1Frameworks())
        case "GET_TASKS": return typed("GET_TASKS", v1Tasks())
        case "GET_EXECUTORS": return typed("GET_EXECUTORS", v1Executors())
        case "GET_ROLES": return typed("GET_ROLES", ["roles": v1Roles()])
        case "GET_WEIGHTS": return typed("GET_WEIGHTS", ["weight_infos": v1Weights()])
        case "GET_QUOTA": return typed("GET_QUOTA", ["status": v1Quota()])
        case "UPDATE_WEIGHTS":
            let infos = call.updateWeights?.weightInfos ?? []
            return await answer(core.updateWeights(infos.map { ($0.role, $0.weight) }))
        case "UPDATE_QUOTA":
            guard let quota = call.updateQuota else {
                return HTTPError.badRequest("Expecting 'update_quota' to be present").response
            }
            let configs = quota.quotaConfigs.map { ($0.role, ($0.limits ?? [:]).mapValues(\.value)) }
            return await answer(core.updateQuota(configs))
        case "RESERVE_RESOURCES", "UNRESERVE_RESOURCES":
            let reserve = call.type == "RESERVE_RESOURCES"
            guard let payload = reserve ? call.reserveResources : call.unreserveResources else {
                return HTTPError.badRequest("Expecting '\(call.type.lowercased())' to be present").response
            }
            let result =
                reserve
                ? core.reserveResources(agentID: payload.agentID, resources: payload.resources, now: now)
                : core.unreserveResources(agentID: payload.agentID, resources: payload.resources, now: now)
            return await answer(result)
        case "TEARDOWN":
            guard let id = call.teardown?.frameworkID else {
                return HTTPError.badRequest("Expecting 'teardown' to be present").response
            }
            guard core.frameworks[id] != nil else {
                return HTTPError.badRequest("Framework \(id) is not registered").response
            }
            await perform(core.removeFramework(id, now: now))
            return .empty(status: .ok)
        case "SUBSCRIBE":
            return operatorSubscribe()
        default:
            return HTTPError.badRequest(
                "Operator call '\(call.type)' is not supported by Mesokube (see docs/mesos-compat.md)"
            ).response
        }
    }

    func answer(_ result: Result<[MasterAction], MasterCallError>) async -> HTTPResponse {
        switch result {
        case .failure(let error): return .error(error)
        case .success(let actions):
            await perform(actions)
            return .empty(status: .ok)
        }
    }

    func typed(_ type: String, _ payload: [String: JSONValue]) -> HTTPResponse {
        .json(JSONValue.object(["type": .string(type), type.lowercased(): .object(payload)]))
    }

    /// Operator SUBSCRIBE: a snapshot, then heartbeats (and events as the master changes).
    func operatorSubscribe() -> HTTPResponse {
        let stream = ResponseStream()
        let id = UUID()
        operatorStreams[id] = stream
        stream.onClose { [weak self] _ in Task { await self?.removeOperatorStream(id) } }
        let subscribed = JSONValue.object([
            "type": .string("SUBSCRIBED"),
            "subscribed": .object([
                "get_state": .object(v1State()), "heartbeat_interval_seconds": .number(15),
            ]),
        ])
        stream.sendRecord(encodeRecord(subscribed))
        stream.sendRecord(encodeRecord(JSONValue.object(["type": .string("HEARTBEAT")])))
        return .stream(stream, contentType: "application/json")
    }

    func removeOperatorStream(_ id: UUID) { operatorStreams[id] = nil }

    /// `PUT /weights` with `[{"role": "a", "weight": 2.0}]`.
    func putWeights(_ request: HTTPRequest) async -> HTTPResponse {
        let infos: [OperatorCall.WeightInfo]
        do {
            infos = try MesosJSON.decode([OperatorCall.WeightInfo].self, from: request.body)
        } catch {
            return error.response
        }
        return await answer(core.updateWeights(infos.map { ($0.role, $0.weight) }))
    }

    /// `POST /teardown` with form field `frameworkId`.
    func teardownEndpoint(_ request: HTTPRequest) async -> HTTPResponse {
        let form = formFields(request)
        guard let value = form["frameworkId"] ?? request.query["frameworkId"] else {
            return HTTPError.badRequest("Missing 'frameworkId' query parameter in the request body").response
        }
        let id = FrameworkID(value)
        guard core.frameworks[id] != nil else {
            return HTTPError.badRequest("No framework found with specified ID").response
        }
        await perform(core.removeFramework(id, now: wallClock()))
        return .empty(status: .ok)
    }

    /// `POST /reserve` and `/unreserve` with form fields `slaveId` and `resources` (JSON).
    func reserveEndpoint(_ request: HTTPRequest, reserve: Bool) async -> HTTPResponse {
        let form = formFields(request)
        guard let agent = form["slaveId"], let text = form["resources"] else {
            return HTTPError.badRequest("Missing 'slaveId' or 'resources' in the request body").response
        }
        let resources: [Resource]
        do {
            resources = try MesosJSON.decode([Resource].self, from: Array(text.utf8))
        } catch {
            return error.response
        }
        let now = wallClock()
        let result =
            reserve
            ? core.reserveResources(agentID: AgentID(agent), resources: resources, now: now)
            : core.unreserveResources(agentID: AgentID(agent), resources: resources, now: now)
        switch result {
        case .failure(let error): return .error(error)
        case .success(let actions):
            await perform(actions)
            return .empty(status: .accepted)
        }
    }

    nonisolated func formFields(_ request: HTTPRequest) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in request.bodyString.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard let key = parts.first else { continue }
            let value = parts.count > 1 ? PercentCoding.decode(parts[1], plusIsSpace: true) : ""
            fields[PercentCoding.decode(key, plusIsSpace: true)] = value
        }
        return fields
    }
}

func encodeJSON<T: Encodable>(_ value: T) -> JSONValue {
    (try? JSONValueEncoder.encode(value)) ?? .null
}

extension JSONValue {
    var objectValue: [String: JSONValue]? {
        if case .object(let object) = self { return object }
        return nil
    }
}

extension MasterServer {
    /// Renders a change for operator SUBSCRIBE streams (v1 `master.proto` Event shapes).
    func publish(_ observation: MasterObservation) {
        guard !operatorStreams.isEmpty else { return }
        let event: JSONValue
        switch observation {
        case .taskAdded(let frameworkID, let taskID):
            guard let task = core.frameworks[frameworkID]?.tasks[taskID] else { return }
            event = .object(["type": .string("TASK_ADDED"), "task_added": .object(["task": v1TaskJSON(task)])])
        case .taskUpdated(let frameworkID, let status):
            event = .object([
                "type": .string("TASK_UPDATED"),
                "task_updated": .object([
                    "framework_id": .object(["value": .string(frameworkID.value)]),
                    "status": encodeJSON(status), "state": .string(status.state.rawValue),
                ]),
            ])
        case .agentAdded(let agentID):
            guard
                let agent =
                    (v1Agents()["agents"].flatMap { list -> JSONValue? in
                        guard case .array(let items) = list else { return nil }
                        return items.first { $0["agent_info"]?["id"]?["value"]?.stringValue == agentID.value }
                    })
            else { return }
            event = .object(["type": .string("AGENT_ADDED"), "agent_added": .object(["agent": agent])])
        case .agentRemoved(let agentID):
            event = .object([
                "type": .string("AGENT_REMOVED"),
                "agent_removed": .object(["agent_id": .object(["value": .string(agentID.value)])]),
            ])
        case .frameworkAdded(let id), .frameworkUpdated(let id):
            guard let record = core.frameworks[id] else { return }
            let name = observation == .frameworkAdded(id) ? "FRAMEWORK_ADDED" : "FRAMEWORK_UPDATED"
            event = .object(["type": .string(name), name.lowercased(): .object(["framework": v1Framework(record)])])
        case .frameworkRemoved(let info):
            event = .object([
                "type": .string("FRAMEWORK_REMOVED"),
                "framework_removed": .object(["framework_info": encodeJSON(info)]),
            ])
        }
        let record = encodeRecord(event)
        for stream in operatorStreams.values { stream.sendRecord(record) }
    }
}
