import MesosModel

/// `/master/state-summary`: agents and frameworks with task counts per state, without task
/// lists — what the Mesos web UI polls, cheap enough to poll often.
extension MasterCore {
    public func stateSummaryJSON() -> JSONValue {
        var countsByAgent: [AgentID: [TaskState: Int]] = [:]
        var countsByFramework: [FrameworkID: [TaskState: Int]] = [:]
        var agentsByFramework: [FrameworkID: Set<AgentID>] = [:]
        var frameworksByAgent: [AgentID: Set<FrameworkID>] = [:]
        for framework in frameworks.values {
            for task in framework.tasks.values + framework.completedTasks {
                countsByAgent[task.agentID, default: [:]][task.state, default: 0] += 1
                countsByFramework[framework.id, default: [:]][task.state, default: 0] += 1
                agentsByFramework[framework.id, default: []].insert(task.agentID)
                frameworksByAgent[task.agentID, default: []].insert(framework.id)
            }
        }
        let live = agents.values.filter { !$0.removed && !$0.recovered }.sorted(by: { $0.id < $1.id })
        let slaves: [JSONValue] = live.map { agent in
            guard case .object(var object) = agentJSON(agent, full: false) else { return .null }
            object.merge(Self.stateCounts(countsByAgent[agent.id] ?? [:])) { _, new in new }
            object["framework_ids"] = .array((frameworksByAgent[agent.id] ?? []).sorted().map { .string($0.value) })
            return .object(object)
        }
        let summaries: [JSONValue] = frameworks.values.sorted(by: { $0.id < $1.id }).map { record in
            guard case .object(let full) = frameworkJSON(record) else { return .null }
            var object = full.filter { Self.summaryFrameworkKeys.contains($0.key) }
            object.merge(Self.stateCounts(countsByFramework[record.id] ?? [:])) { _, new in new }
            object["slave_ids"] = .array((agentsByFramework[record.id] ?? []).sorted().map { .string($0.value) })
            return .object(object)
        }
        return .object([
            "hostname": .string(config.hostname),
            "slaves": .array(slaves),
            "frameworks": .array(summaries),
        ])
    }

    static let summaryFrameworkKeys: Set<String> = [
        "id", "name", "pid", "used_resources", "offered_resources", "capabilities", "hostname", "webui_url",
        "active", "connected", "recovered", "role", "roles",
    ]

    /// `TASK_STAGING` … `TASK_UNREACHABLE` counts, every state present (zero if none).
    static func stateCounts(_ counts: [TaskState: Int]) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for state in TaskState.allCases {
            result[state.rawValue] = .number(Double(counts[state] ?? 0))
        }
        return result
    }
}
