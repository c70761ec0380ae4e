import MesosModel

/// The legacy JSON views (`/master/state`, `/master/slaves`, `/master/frameworks`) in
/// Mesos' shape: the fields mesos-dns, marathon-lb and the Mesos UI read.
extension MasterCore {
    public func stateJSON(flags: [String: String], electedTime: Double) -> JSONValue {
        var top: [String: JSONValue] = [
            "version": .string(mesosAPIVersion),
            "build_date": .string("mesokube"),
            "build_time": .number(startTime.rounded(.down)),
            "build_user": .string("mesokube"),
            "start_time": .number(startTime),
            "elected_time": .number(electedTime),
            "id": .string(config.masterID),
            "pid": .string("master@\(config.ip):\(config.port)"),
            "hostname": .string(config.hostname),
            "capabilities": .array([.string("AGENT_UPDATE"), .string("QUOTA_V2")]),
            "leader": .string("master@\(config.ip):\(config.port)"),
            "leader_info": .object([
                "id": .string(config.masterID),
                "pid": .string("master@\(config.ip):\(config.port)"),
                "port": .number(Double(config.port)),
                "hostname": .string(config.hostname),
            ]),
            "flags": .object(flags.mapValues { .string($0) }),
            "orphan_tasks": .array([]),
            "unregistered_frameworks": .array([]),
        ]
        let live = agents.values.filter { !$0.removed && !$0.recovered }.sorted(by: { $0.id < $1.id })
        top["activated_slaves"] = .number(Double(live.filter(\.connected).count))
        top["deactivated_slaves"] = .number(Double(live.filter { !$0.connected }.count))
        top["unreachable_slaves"] = .number(Double(agents.values.filter(\.removed).count))
        top["slaves"] = .array(live.map { agentJSON($0, full: false) })
        top["recovered_slaves"] = .array(
            agents.values.filter(\.recovered).sorted(by: { $0.id < $1.id }).map(recoveredAgentJSON))
        top["frameworks"] = .array(frameworks.values.sorted(by: { $0.id < $1.id }).map { frameworkJSON($0) })
        top["completed_frameworks"] = .array(completedFrameworks.map { frameworkJSON($0) })
        return .object(top)
    }

    public func agentsJSON() -> JSONValue {
        let live = agents.values.filter { !$0.removed && !$0.recovered }.sorted(by: { $0.id < $1.id })
        return .object([
            "slaves": .array(live.map { agentJSON($0, full: true) }),
            "recovered_slaves": .array(
                agents.values.filter(\.recovered).sorted(by: { $0.id < $1.id }).map(recoveredAgentJSON)),
        ])
    }

    public func frameworksJSON() -> JSONValue {
        .object([
            "frameworks": .array(frameworks.values.sorted(by: { $0.id < $1.id }).map { frameworkJSON($0) }),
            "completed_frameworks": .array(completedFrameworks.map { frameworkJSON($0) }),
            "unregistered_frameworks": .array([]),
        ])
    }

    /// Per-agent usage split the way `/master/state` reports it.
    public func agentUsage(_ id: AgentID) -> (used: Resources, offered: Resources) {
        var used = Resources()
        for resources in usedResources(on: id).values { used += resources }
        var offered = Resources()
        for offer in offers.values where offer.agentID == id { offered += offer.resources }
        return (used, offered)
    }

    func agentJSON(_ agent: AgentRecord, full: Bool) -> JSONValue {
        let usage = agentUsage(agent.id)
        let total = agent.totalResources
        var reserved: [String: JSONValue] = [:]
        var reservedFull: [String: JSONValue] = [:]
        for (role, resources) in total.reservationsByRole {
            reserved[role] = .object(resources.legacyJSON)
            reservedFull[role] = encodeToJSON(resources.list)
        }
        var object: [String: JSONValue] = [
            "id": .string(agent.id.value),
            "hostname": .string(agent.info.hostname),
            "port": .number(Double(agent.info.port ?? 5051)),
            "attributes": .object(legacyAttributesJSON(agent.info.attributes ?? [])),
            "pid": .string(agent.pid),
            "registered_time": .number(agent.registeredTime),
            "resources": .object(total.legacyJSON),
            "used_resources": .object(usage.used.legacyJSON),
            "offered_resources": .object(usage.offered.legacyJSON),
            "reserved_resources": .object(reserved),
            "unreserved_resources": .object(total.unreserved.legacyJSON),
            "active": .bool(agent.connected),
            "deactivated": .bool(false),
            "version": .string(agent.version),
            "capabilities": .array((agent.info.capabilities ?? []).compactMap { $0.type.map(JSONValue.string) }),
        ]
        if let time = agent.reregisteredTime { object["reregistered_time"] = .number(time) }
        if full {
            object["reserved_resources_full"] = .object(reservedFull)
            object["unreserved_resources_full"] = encodeToJSON(total.unreserved.list)
            object["used_resources_full"] = encodeToJSON(usage.used.list)
            object["offered_resources_full"] = encodeToJSON(usage.offered.list)
        }
        return .object(object)
    }

    func recoveredAgentJSON(_ agent: AgentRecord) -> JSONValue {
        .object([
            "id": .string(agent.id.value),
            "hostname": .string(agent.info.hostname),
            "port": .number(Double(agent.info.port ?? 5051)),
            "pid": .string(agent.pid),
            "resources": .object(agent.totalResources.legacyJSON),
        ])
    }

    func frameworkJSON(_ record: FrameworkRecord) -> JSONValue {
        var used = Resources()
        for task in record.tasks.values where !task.resourcesRecovered { used += task.resources }
        for executors in record.executors.values {
            for executor in executors.values { used += Resources(executor.resources ?? []) }
        }
        var offered = Resources()
        var offerList: [JSONValue] = []
        for id in record.offerIDs.sorted() {
            guard let offer = offers[id] else { continue }
            offered += offer.resources
            offerList.append(
                .object([
                    "id": .string(id.value), "framework_id": .string(record.id.value),
                    "slave_id": .string(offer.agentID.value), "resources": .object(offer.resources.legacyJSON),
                    "allocation_info": .object(["role": .string(offer.role)]),
                ]))
        }
        var object: [String: JSONValue] = [
            "id": .string(record.id.value),
            "name": .string(record.info.name),
            "user": .string(record.info.user),
            "hostname": .string(record.info.hostname ?? ""),
            "webui_url": .string(record.info.webuiURL ?? ""),
            "active": .bool(record.active),
            "connected": .bool(record.connected),
            "recovered": .bool(record.recovered),
            "failover_timeout": .number(record.info.failoverTimeout ?? 0),
            "checkpoint": .bool(record.info.checkpoint ?? false),
            "registered_time": .number(record.registeredTime),
            "unregistered_time": .number(record.unregisteredTime ?? 0),
            "capabilities": .array((record.info.capabilities ?? []).compactMap { $0.type.map(JSONValue.string) }),
            "used_resources": .object(used.legacyJSON),
            "offered_resources": .object(offered.legacyJSON),
            "resources": .object((used + offered).legacyJSON),
            "tasks": .array(
                record.tasks.values.filter { $0.state != .unreachable }.sorted(by: { $0.id < $1.id }).map(taskJSON)),
            "unreachable_tasks": .array(record.tasks.values.filter { $0.state == .unreachable }.map(taskJSON)),
            "completed_tasks": .array(record.completedTasks.map(taskJSON)),
            "offers": .array(offerList),
            "executors": .array(executorsJSON(record)),
        ]
        if let principal = record.info.principal { object["principal"] = .string(principal) }
        if let time = record.reregisteredTime { object["reregistered_time"] = .number(time) }
        if record.info.isMultiRole {
            object["roles"] = .array(record.info.effectiveRoles.map(JSONValue.string))
        } else {
            object["role"] = .string(record.info.role ?? "*")
        }
        if let labels = record.info.labels { object["labels"] = encodeToJSON(labels.labels) }
        return .object(object)
    }

    func executorsJSON(_ record: FrameworkRecord) -> [JSONValue] {
        var list: [JSONValue] = []
        for (agentID, executors) in record.executors.sorted(by: { $0.key < $1.key }) {
            for (id, executor) in executors.sorted(by: { $0.key < $1.key }) {
                list.append(
                    .object([
                        "executor_id": .string(id.value),
                        "name": .string(executor.name ?? ""),
                        "framework_id": .string(record.id.value),
                        "command": encodeToJSON(executor.command),
                        "resources": .object(Resources(executor.resources ?? []).legacyJSON),
                        "role": .string(executorRole(record)),
                        "slave_id": .string(agentID.value),
                        "type": .string(executor.type ?? "CUSTOM"),
                    ]))
            }
        }
        return list
    }

    public func taskJSON(_ task: TaskRecord) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(task.id.value),
            "name": .string(task.info.name),
            "framework_id": .string(task.frameworkID.value),
            "executor_id": .string(task.executorID?.value ?? ""),
            "slave_id": .string(task.agentID.value),
            "state": .string(task.state.rawValue),
            "resources": .object(task.resources.legacyJSON),
            "role": .string(task.role),
            "statuses": .array(task.statuses.map(statusJSON)),
        ]
        if let labels = task.info.labels { object["labels"] = encodeToJSON(labels.labels) }
        if let discovery = task.info.discovery { object["discovery"] = discovery }
        return .object(object)
    }

    func statusJSON(_ status: TaskStatus) -> JSONValue {
        var object: [String: JSONValue] = [
            "state": .string(status.state.rawValue),
            "timestamp": .number(status.timestamp ?? 0),
        ]
        if let labels = status.labels { object["labels"] = encodeToJSON(labels.labels) }
        if let container = status.containerStatus { object["container_status"] = container }
        if let healthy = status.healthy { object["healthy"] = .bool(healthy) }
        return .object(object)
    }
}

/// Round-trips a Codable value into `JSONValue` for embedding in hand-built views.
func encodeToJSON<T: Encodable>(_ value: T?) -> JSONValue {
    guard let value else { return .null }
    return (try? JSONValueEncoder.encode(value)) ?? .null
}
