import MesosModel

/// Resource lists in the JSON shape frameworks and agents send (unreserved, no allocation info).
public enum TestResources {
    /// `cpus` and `mem` (MB) as scalar resources.
    public static func cpus(_ cpus: Double, mem: Double) -> [Resource] {
        [.scalar("cpus", cpus), .scalar("mem", mem)]
    }

    /// An agent's total: cpus, mem, disk and an optional port range.
    public static func agent(
        cpus: Double, mem: Double, disk: Double = 1024, ports: ClosedRange<UInt64>? = nil
    ) -> [Resource] {
        var list: [Resource] = [.scalar("cpus", cpus), .scalar("mem", mem), .scalar("disk", disk)]
        if let ports { list.append(.ranges("ports", [ports])) }
        return list
    }

    /// Tags every resource with an allocation role, as MULTI_ROLE frameworks send them.
    public static func allocated(_ resources: [Resource], to role: String) -> [Resource] {
        resources.map { resource in
            var copy = resource
            copy.allocationInfo = AllocationInfo(role: role)
            return copy
        }
    }
}

/// A valid `FrameworkInfo`; `capabilities` are capability type names such as "MULTI_ROLE".
public func makeFrameworkInfo(
    name: String = "test-framework", user: String = "tester", id: FrameworkID? = nil, role: String? = nil,
    roles: [String]? = nil, failoverTimeout: Double? = nil, capabilities: [String] = [], checkpoint: Bool? = nil
) -> FrameworkInfo {
    var info = FrameworkInfo(user: user, name: name, id: id, failoverTimeout: failoverTimeout, role: role)
    info.roles = roles
    info.checkpoint = checkpoint
    if !capabilities.isEmpty { info.capabilities = capabilities.map { .init(type: $0) } }
    return info
}

/// A command task (`sh -c <command>`) for `agentID`.
public func makeTask(
    _ id: String, agentID: AgentID, cpus: Double = 0.1, mem: Double = 32, command: String = "sleep 10",
    killGracePeriod: Double? = nil
) -> TaskInfo {
    var task = TaskInfo(
        name: "task \(id)", taskID: TaskID(id), agentID: agentID, resources: TestResources.cpus(cpus, mem: mem),
        command: CommandInfo(value: command))
    if let killGracePeriod { task.killPolicy = KillPolicy(gracePeriod: DurationInfo(seconds: killGracePeriod)) }
    return task
}

/// A task run by a custom executor (`executorID`, started with `command`).
public func makeExecutorTask(
    _ id: String, agentID: AgentID, executorID: String, cpus: Double = 0.1, mem: Double = 32,
    executorCommand: String = "./my-executor"
) -> TaskInfo {
    var task = TaskInfo(
        name: "task \(id)", taskID: TaskID(id), agentID: agentID, resources: TestResources.cpus(cpus, mem: mem),
        command: nil)
    task.executor = ExecutorInfo(
        executorID: ExecutorID(executorID), frameworkID: nil, command: CommandInfo(value: executorCommand),
        resources: TestResources.cpus(0.1, mem: 32))
    return task
}

public func makeAgentInfo(
    hostname: String = "agent1.test", port: Int = 5051, resources: [Resource] = TestResources.agent(cpus: 4, mem: 4096),
    id: AgentID? = nil
) -> AgentInfo {
    AgentInfo(hostname: hostname, port: port, resources: resources, attributes: [], id: id)
}

/// The REGISTER payload of an agent, fresh (`id == nil`) or re-registering with its work.
public func makeAgentRegistration(
    hostname: String = "agent1.test", port: Int = 5051, resources: [Resource] = TestResources.agent(cpus: 4, mem: 4096),
    id: AgentID? = nil, tasks: [AgentTaskReport] = [], executors: [AgentExecutorReport] = [],
    frameworks: [FrameworkInfo] = []
) -> AgentRegistration {
    AgentRegistration(
        agentInfo: makeAgentInfo(hostname: hostname, port: port, resources: resources, id: id),
        endpoint: "127.0.0.1:\(port)", version: mesosAPIVersion, tasks: tasks, executors: executors,
        frameworks: frameworks)
}

/// A deterministic, valid status uuid (16 bytes, base64) distinguished by `tag`.
public func makeStatusUUID(_ tag: UInt8) -> String {
    StatusUUID.encode([UInt8](repeating: tag, count: 16))
}
