import Foundation
import HTTPSupport
import MasterCore
import MesosModel

/// JSON views of the master: legacy endpoints and the v1 operator responses.
extension MasterServer {
    func rolesJSON() -> JSONValue {
        let usage = core.roleUsage()
        let roles: [JSONValue] = usage.keys.sorted().map { name in
            let entry = usage[name]!
            var object: [String: JSONValue] = [
                "name": .string(name),
                "weight": .number(core.registry.weights[name] ?? 1),
                "resources": .object((entry.allocated + entry.offered).legacyJSON),
                "allocated": .object(entry.allocated.legacyJSON),
                "offered": .object(entry.offered.legacyJSON),
                "reserved": .object(entry.reserved.legacyJSON),
                "frameworks": .array(entry.frameworks.sorted().map { .string($0.value) }),
            ]
            if let limits = core.registry.quotas[name] {
                object["quota"] = .object(["role": .string(name), "limit": .object(limits.mapValues(JSONValue.number))])
            }
            return .object(object)
        }
        return .object(["roles": .array(roles)])
    }

    func weightsJSON() -> JSONValue {
        .array(
            core.registry.weights.sorted(by: { $0.key < $1.key }).map {
                .object(["role": .string($0.key), "weight": .number($0.value)])
            })
    }

    func quotaJSON() -> JSONValue { .object(["infos": .array(quotaInfos())]) }

    func quotaInfos() -> [JSONValue] {
        core.registry.quotas.sorted(by: { $0.key < $1.key }).map { role, limits in
            .object([
                "role": .string(role),
                "limit": .object(limits.mapValues(JSONValue.number)),
            ])
        }
    }

    /// `/tasks?limit=&offset=&order=&framework_id=&task_id=`.
    func tasksJSON(_ request: HTTPRequest) -> JSONValue {
        var all: [TaskRecord] = []
        for framework in core.frameworks.values { all += framework.tasks.values + framework.completedTasks }
        for framework in core.completedFrameworks { all += framework.completedTasks }
        if let id = request.query["framework_id"] { all = all.filter { $0.frameworkID.value == id } }
        if let id = request.query["task_id"] { all = all.filter { $0.id.value == id } }
        all.sort { ($0.frameworkID, $0.id) < ($1.frameworkID, $1.id) }
        if request.query["order"] == "des" { all.reverse() }
        let offset = max(Int(request.query["offset"] ?? "0") ?? 0, 0)
        let limit = max(Int(request.query["limit"] ?? "100") ?? 100, 0)
        let page = all.dropFirst(offset).prefix(limit)
        return .object(["tasks": .array(page.map { core.taskJSON($0) })])
    }

    /// `/metrics/snapshot`: the `master/*` and `allocator/*` names tools read.
    func metricsSnapshot() -> JSONValue {
        var metrics: [String: Double] = [:]
        let agents = core.agents.values
        metrics["master/elected"] = leader == nil ? 1 : 0
        metrics["master/uptime_secs"] = wallClock() - core.startTime
        metrics["master/slaves_active"] = Double(agents.filter { $0.connected }.count)
        metrics["master/slaves_connected"] = Double(agents.filter { $0.connected }.count)
        metrics["master/slaves_disconnected"] = Double(agents.filter { !$0.connected && !$0.removed }.count)
        metrics["master/slaves_inactive"] = 0
        metrics["master/slaves_unreachable"] = Double(agents.filter(\.removed).count)
        let frameworks = core.frameworks.values
        metrics["master/frameworks_active"] = Double(frameworks.filter(\.active).count)
        metrics["master/frameworks_inactive"] = Double(frameworks.filter { !$0.active }.count)
        metrics["master/frameworks_connected"] = Double(frameworks.filter(\.connected).count)
        metrics["master/frameworks_disconnected"] = Double(frameworks.filter { !$0.connected }.count)
        var states: [TaskState: Int] = [:]
        for framework in frameworks {
            for task in framework.tasks.values { states[task.state, default: 0] += 1 }
            for task in framework.completedTasks { states[task.state, default: 0] += 1 }
        }
        for framework in core.completedFrameworks {
            for task in framework.completedTasks { states[task.state, default: 0] += 1 }
        }
        for state in TaskState.allCases {
            let name = state.rawValue.dropFirst("TASK_".count).lowercased()
            metrics["master/tasks_\(name)"] = Double(states[state] ?? 0)
        }
        let total = core.clusterTotal
        var used = Resources()
        for usage in core.roleUsage().values { used += usage.allocated + usage.offered }
        for name in ["cpus", "mem", "disk", "gpus"] {
            let totalValue = total.scalar(name)
            let usedValue = used.scalar(name)
            metrics["master/\(name)_total"] = totalValue
            metrics["master/\(name)_used"] = usedValue
            metrics["master/\(name)_percent"] = totalValue > 0 ? usedValue / totalValue : 0
        }
        metrics["master/outstanding_offers"] = Double(core.offers.count)
        let counters = core.counters
        metrics["master/messages_status_update"] = Double(counters.statusUpdates)
        metrics["master/valid_status_update_acknowledgements"] = Double(counters.validStatusUpdateAcknowledgements)
        metrics["master/invalid_status_update_acknowledgements"] = Double(counters.invalidStatusUpdateAcknowledgements)
        metrics["master/invalid_framework_to_executor_messages"] = 0
        metrics["master/messages_launch_tasks"] = Double(counters.tasksLaunched)
        metrics["master/invalid_operations"] = Double(counters.invalidOperations)
        metrics["master/tasks_invalid"] = Double(counters.tasksInvalid)
        metrics["master/messages_decline_offers"] = Double(counters.offersDeclined)
        metrics["master/offers_sent"] = Double(counters.offersSent)
        metrics["master/offers_rescinded"] = Double(counters.offersRescinded)
        metrics["master/slave_registrations"] = Double(counters.agentRegistrations)
        metrics["master/slave_reregistrations"] = Double(counters.agentReregistrations)
        metrics["master/slave_removals"] = Double(counters.agentRemovals)
        metrics["master/frameworks_removed"] = Double(counters.frameworkRemovals)
        for (type, count) in counters.frameworkCalls {
            metrics["master/messages_\(type.lowercased())"] = Double(count)
        }
        metrics["master/invalid_framework_calls"] = Double(counters.invalidFrameworkCalls)
        metrics["allocator/mesos/allocation_runs"] = Double(counters.allocationRuns)
        metrics["allocator/mesos/allocation_run_ms"] = lastAllocationMillis
        metrics["allocator/mesos/event_queue_dispatches"] = 0
        metrics["registrar/log/ensemble_size"] = 1
        return .object(metrics.mapValues(JSONValue.number))
    }

    // MARK: v1 operator shapes

    func v1TaskJSON(_ task: TaskRecord) -> JSONValue {
        var object: [String: JSONValue] = [
            "name": .string(task.info.name),
            "task_id": .object(["value": .string(task.id.value)]),
            "framework_id": .object(["value": .string(task.frameworkID.value)]),
            "agent_id": .object(["value": .string(task.agentID.value)]),
            "state": .string(task.state.rawValue),
            "resources": encodeJSON(task.resources.list),
            "statuses": encodeJSON(task.statuses),
            "status_update_state": .string(task.state.rawValue),
            "role": .string(task.role),
        ]
        if let executorID = task.executorID { object["executor_id"] = .object(["value": .string(executorID.value)]) }
        if let uuid = task.pendingUUID { object["status_update_uuid"] = .string(uuid) }
        if let labels = task.info.labels { object["labels"] = encodeJSON(labels) }
        if let discovery = task.info.discovery { object["discovery"] = discovery }
        return .object(object)
    }

    func v1Tasks() -> [String: JSONValue] {
        var tasks: [JSONValue] = []
        var completed: [JSONValue] = []
        var unreachable: [JSONValue] = []
        for framework in core.frameworks.values.sorted(by: { $0.id < $1.id }) {
            for task in framework.tasks.values.sorted(by: { $0.id < $1.id }) {
                if task.state == .unreachable {
                    unreachable.append(v1TaskJSON(task))
                } else {
                    tasks.append(v1TaskJSON(task))
                }
            }
            completed += framework.completedTasks.map(v1TaskJSON)
        }
        for framework in core.completedFrameworks { completed += framework.completedTasks.map(v1TaskJSON) }
        return ["tasks": .array(tasks), "completed_tasks": .array(completed), "unreachable_tasks": .array(unreachable)]
    }

    func v1Executors() -> [String: JSONValue] {
        var list: [JSONValue] = []
        for framework in core.frameworks.values.sorted(by: { $0.id < $1.id }) {
            for (agentID, executors) in framework.executors.sorted(by: { $0.key < $1.key }) {
                for executor in executors.values.sorted(by: { $0.executorID < $1.executorID }) {
                    list.append(
                        .object([
                            "executor_info": encodeJSON(executor),
                            "agent_id": .object(["value": .string(agentID.value)]),
                        ]))
                }
            }
        }
        return ["executors": .array(list)]
    }

    func v1Agents() -> [String: JSONValue] {
        var agents: [JSONValue] = []
        var recovered: [JSONValue] = []
        for agent in core.agents.values.sorted(by: { $0.id < $1.id }) where !agent.removed {
            if agent.recovered {
                recovered.append(encodeJSON(agent.info))
                continue
            }
            let usage = core.agentUsage(agent.id)
            agents.append(
                .object([
                    "agent_info": encodeJSON(agent.info),
                    "active": .bool(agent.connected),
                    "deactivated": .bool(false),
                    "version": .string(agent.version),
                    "pid": .string(agent.pid),
                    "registered_time": .object(["nanoseconds": .number((agent.registeredTime * 1e9).rounded())]),
                    "total_resources": encodeJSON(agent.totalResources.list),
                    "allocated_resources": encodeJSON(usage.used.list),
                    "offered_resources": encodeJSON(usage.offered.list),
                    "capabilities": encodeJSON(agent.info.capabilities ?? []),
                ]))
        }
        return ["agents": .array(agents), "recovered_agents": .array(recovered)]
    }

    func v1Framework(_ record: FrameworkRecord) -> JSONValue {
        var object: [String: JSONValue] = [
            "framework_info": encodeJSON(record.info),
            "active": .bool(record.active),
            "connected": .bool(record.connected),
            "recovered": .bool(record.recovered),
            "registered_time": .object(["nanoseconds": .number((record.registeredTime * 1e9).rounded())]),
            "offers": .array(
                record.offerIDs.sorted().compactMap { id in
                    core.offers[id].map { offer in
                        .object([
                            "id": .object(["value": .string(id.value)]),
                            "agent_id": .object(["value": .string(offer.agentID.value)]),
                            "resources": encodeJSON(offer.resources.list),
                        ])
                    }
                }),
        ]
        if let time = record.reregisteredTime {
            object["reregistered_time"] = .object(["nanoseconds": .number((time * 1e9).rounded())])
        }
        return .object(object)
    }

    func v1Frameworks() -> [String: JSONValue] {
        [
            "frameworks": .array(core.frameworks.values.sorted(by: { $0.id < $1.id }).map(v1Framework)),
            "completed_frameworks": .array(core.completedFrameworks.map(v1Framework)),
        ]
    }

    func v1State() -> [String: JSONValue] {
        [
            "get_tasks": .object(v1Tasks()),
            "get_executors": .object(v1Executors()),
            "get_frameworks": .object(v1Frameworks()),
            "get_agents": .object(v1Agents()),
        ]
    }

    func v1Roles() -> JSONValue {
        let usage = core.roleUsage()
        return .array(
            usage.keys.sorted().map { name in
                let entry = usage[name]!
                return .object([
                    "name": .string(name),
                    "weight": .number(core.registry.weights[name] ?? 1),
                    "frameworks": .array(entry.frameworks.sorted().map { .object(["value": .string($0.value)]) }),
                    "resources": encodeJSON((entry.allocated + entry.offered).list),
                    "allocated": encodeJSON(entry.allocated.list),
                    "offered": encodeJSON(entry.offered.list),
                    "reserved": encodeJSON(entry.reserved.list),
                ])
            })
    }

    func v1Weights() -> JSONValue { weightsJSON() }

    func v1Quota() -> JSONValue {
        .object([
            "configs": .array(
                core.registry.quotas.sorted(by: { $0.key < $1.key }).map { role, limits in
                    .object([
                        "role": .string(role),
                        "limits": .object(limits.mapValues { .object(["value": .number($0)]) }),
                    ])
                })
        ])
    }
}
