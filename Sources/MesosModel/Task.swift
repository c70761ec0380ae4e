/// `DurationInfo`: `{"nanoseconds": n}`.
public struct DurationInfo: Codable, Hashable, Sendable {
    public var nanoseconds: Int64
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }
    public init(seconds: Double) { self.nanoseconds = Int64(seconds * 1e9) }
    public var seconds: Double { Double(nanoseconds) / 1e9 }
}

public struct KillPolicy: Codable, Hashable, Sendable {
    public var gracePeriod: DurationInfo?
    enum CodingKeys: String, CodingKey { case gracePeriod = "grace_period" }
    public init(gracePeriod: DurationInfo?) { self.gracePeriod = gracePeriod }
}

public struct Environment: Codable, Hashable, Sendable {
    public struct Variable: Codable, Hashable, Sendable {
        public var name: String
        public var type: String?
        public var value: String?
        public var secret: JSONValue?
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }
    public var variables: [Variable]
    public init(variables: [Variable]) { self.variables = variables }
    enum CodingKeys: String, CodingKey { case variables }
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        variables = try container.decodeIfPresent([Variable].self, forKey: .variables) ?? []
    }
}

public struct CommandURI: Codable, Hashable, Sendable {
    public var value: String
    public var executable: Bool?
    public var extract: Bool?
    public var cache: Bool?
    public var outputFile: String?
    enum CodingKeys: String, CodingKey {
        case value, executable, extract, cache
        case outputFile = "output_file"
    }
}

public struct CommandInfo: Codable, Hashable, Sendable {
    public var uris: [CommandURI]?
    public var environment: Environment?
    /// Default true: `value` runs under `/bin/sh -c`; false: `value` is exec'd with `arguments`.
    public var shell: Bool?
    public var value: String?
    public var arguments: [String]?
    public var user: String?

    public init(value: String?, shell: Bool? = nil, arguments: [String]? = nil, environment: Environment? = nil) {
        self.value = value
        self.shell = shell
        self.arguments = arguments
        self.environment = environment
    }

    public var isShell: Bool { shell ?? true }
}

public struct ExecutorInfo: Codable, Hashable, Sendable {
    public var type: String?
    public var executorID: ExecutorID
    public var frameworkID: FrameworkID?
    public var command: CommandInfo?
    public var container: ContainerInfo?
    public var resources: [Resource]?
    public var name: String?
    public var source: String?
    public var data: String?
    public var discovery: JSONValue?
    public var shutdownGracePeriod: DurationInfo?
    public var labels: Labels?

    enum CodingKeys: String, CodingKey {
        case type, command, container, resources, name, source, data, discovery, labels
        case executorID = "executor_id"
        case frameworkID = "framework_id"
        case shutdownGracePeriod = "shutdown_grace_period"
    }

    public init(executorID: ExecutorID, frameworkID: FrameworkID?, command: CommandInfo?, resources: [Resource]?) {
        self.executorID = executorID
        self.frameworkID = frameworkID
        self.command = command
        self.resources = resources
    }
}

public struct TaskInfo: Codable, Hashable, Sendable {
    public var name: String
    public var taskID: TaskID
    public var agentID: AgentID
    public var resources: [Resource]?
    public var executor: ExecutorInfo?
    public var command: CommandInfo?
    public var container: ContainerInfo?
    /// Parsed leniently: an invalid definition decodes and is refused by the master's validation.
    public var healthCheck: CheckDefinition<HealthCheck>?
    public var check: CheckDefinition<CheckInfo>?
    public var killPolicy: KillPolicy?
    public var data: String?
    public var labels: Labels?
    public var discovery: JSONValue?
    public var maxCompletionTime: DurationInfo?
    public var limits: TaskLimits?

    enum CodingKeys: String, CodingKey {
        case name, resources, executor, command, container, check, data, labels, discovery, limits
        case taskID = "task_id"
        case agentID = "agent_id"
        case healthCheck = "health_check"
        case killPolicy = "kill_policy"
        case maxCompletionTime = "max_completion_time"
    }

    public init(name: String, taskID: TaskID, agentID: AgentID, resources: [Resource], command: CommandInfo?) {
        self.name = name
        self.taskID = taskID
        self.agentID = agentID
        self.resources = resources
        self.command = command
    }
}

public struct TaskGroupInfo: Codable, Hashable, Sendable {
    public var tasks: [TaskInfo]
    public init(tasks: [TaskInfo]) { self.tasks = tasks }
}
