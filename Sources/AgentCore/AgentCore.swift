import MesosModel

/// The agent as a pure state machine: it decides which executors and tasks to start or
/// stop and owns the status-update streams (ordered, one update in flight per task,
/// retried until the framework acknowledges). The `Agent` shell performs its actions.
public struct AgentCore: Sendable {
    public struct Config: Sendable {
        public var hostname: String
        public var endpoint: String
        public var resources: [Resource]
        public var attributes: [Attribute]
        /// First retry of an unacknowledged status update; doubles up to `statusRetryMax`.
        public var statusRetryMin: Double = 10
        public var statusRetryMax: Double = 600
        /// How long a custom executor may take to SUBSCRIBE before it is destroyed.
        public var executorRegistrationTimeout: Double = 60
        public var executorShutdownGracePeriod: Double = 5
        /// Grace period of a task kill when neither the kill nor the task has a kill policy.
        public var defaultKillGracePeriod: Double = 3
        public var maxCompletedExecutorsPerFramework: Int = 150
        public var maxCompletedTasksPerExecutor: Int = 200

        public init(hostname: String, endpoint: String, resources: [Resource], attributes: [Attribute]) {
            self.hostname = hostname
            self.endpoint = endpoint
            self.resources = resources
            self.attributes = attributes
        }
    }

    public var config: Config
    public internal(set) var agentID: AgentID?
    public internal(set) var masterInfo: MasterInfo?
    /// True between REGISTERED and the loss of the master stream.
    public internal(set) var registered = false
    public internal(set) var frameworks: [FrameworkID: FrameworkInfo] = [:]
    public internal(set) var executors: [ExecutorKey: ExecutorState] = [:]
    public internal(set) var completedExecutors: [ExecutorState] = []
    public internal(set) var streams: [TaskKey: StatusStream] = [:]
    var rng: SplitMix64

    public init(config: Config, agentID: AgentID?, seed: UInt64) {
        self.config = config
        self.agentID = agentID
        self.rng = SplitMix64(seed: seed)
    }

    public var agentInfo: AgentInfo {
        AgentInfo(
            hostname: config.hostname, port: Int(config.endpoint.split(separator: ":").last ?? "5051"),
            resources: config.resources, attributes: config.attributes, id: agentID,
            capabilities: ["MULTI_ROLE", "HIERARCHICAL_ROLE", "RESERVATION_REFINEMENT"].map { .init(type: $0) })
    }

    mutating func newUUID() -> String { StatusUUID.make(using: &rng) }
    mutating func newContainerID() -> ContainerID { ContainerID(makeUUIDString(using: &rng)) }
}

public struct ExecutorKey: Hashable, Sendable, Comparable, Codable, CustomStringConvertible {
    public var frameworkID: FrameworkID
    public var executorID: ExecutorID
    public init(_ frameworkID: FrameworkID, _ executorID: ExecutorID) {
        self.frameworkID = frameworkID
        self.executorID = executorID
    }
    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.frameworkID, lhs.executorID) < (rhs.frameworkID, rhs.executorID)
    }
    public var description: String { "\(executorID) of framework \(frameworkID)" }
}

public struct TaskKey: Hashable, Sendable, Comparable, Codable {
    public var frameworkID: FrameworkID
    public var taskID: TaskID
    public init(_ frameworkID: FrameworkID, _ taskID: TaskID) {
        self.frameworkID = frameworkID
        self.taskID = taskID
    }
    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.frameworkID, lhs.taskID) < (rhs.frameworkID, rhs.taskID)
    }
}

public struct ExecutorState: Hashable, Sendable, Codable {
    public enum Phase: String, Hashable, Sendable, Codable {
        /// Process started, waiting for SUBSCRIBE (custom executors only).
        case registering
        case running
        /// Asked to shut down; killed when the grace period ends.
        case terminating
        case terminated
    }

    public var key: ExecutorKey
    public var info: ExecutorInfo
    public var containerID: ContainerID
    /// The built-in command executor: the task's command runs directly as the container.
    public var isCommandExecutor: Bool
    public var phase: Phase
    public var launchedAt: Double
    public var shutdownDeadline: Double?
    /// Tasks sent to the executor, by id, with the latest state the agent knows.
    public var tasks: [TaskID: TaskInfo] = [:]
    public var taskStates: [TaskID: TaskState] = [:]
    /// Tasks waiting for the executor to subscribe.
    public var queuedTasks: [TaskInfo] = []
    /// Tasks being killed (a terminal update from the executor is expected).
    public var killing: Set<TaskID> = []
    public var exitStatus: Int32?
    /// Set when the containerizer stopped the container for exceeding a limit (memory):
    /// the tasks then fail with this reason and message rather than with the exit status.
    public var limitation: ContainerLimitation?
    /// Tasks killed because their health check failed past its limit.
    public var killedByHealthCheck: Set<TaskID> = []
    /// Tasks of a live custom executor that ended and whose terminal update was acknowledged,
    /// oldest first and bounded (Mesos' `--max_completed_tasks_per_executor`): kept for `/state`
    /// only, out of `tasks` so an executor running pod after pod does not carry every one it
    /// ever ran. Not checkpointed, as the CodingKeys say: a restarted agent forgets them.
    public var completedTasks: [CompletedTask] = []

    enum CodingKeys: String, CodingKey {
        case key, info, containerID, isCommandExecutor, phase, launchedAt, shutdownDeadline, tasks, taskStates
        case queuedTasks, killing, exitStatus, limitation, killedByHealthCheck
    }

    public var directoryKey: String { containerID.value }

    func completedTask(_ taskID: TaskID) -> TaskInfo? {
        completedTasks.last { $0.task.taskID == taskID }?.task
    }

    /// What a custom executor's container should hold: the executor's own resources plus
    /// those of every task it was given that has not ended (Mesos sizes the container so).
    public var containerResources: [Resource] {
        let live = (Array(tasks.values) + queuedTasks)
            .filter { !(taskStates[$0.taskID]?.isTerminal ?? false) }
            .sorted { $0.taskID < $1.taskID }
        return (info.resources ?? []) + live.flatMap { $0.resources ?? [] }
    }
}

/// A task that ended, as `/state` lists it under `completed_tasks`.
public struct CompletedTask: Hashable, Sendable {
    public var task: TaskInfo
    public var state: TaskState
    public init(task: TaskInfo, state: TaskState) {
        self.task = task
        self.state = state
    }
}

/// Why the containerizer stopped a container (Mesos' `ContainerLimitation`).
public struct ContainerLimitation: Hashable, Sendable, Codable {
    /// A `REASON_CONTAINER_LIMITATION*` value.
    public var reason: String
    public var message: String
    public init(reason: String, message: String) {
        self.reason = reason
        self.message = message
    }
}

/// One task's status-update stream.
public struct StatusStream: Hashable, Sendable, Codable {
    public var key: TaskKey
    public var pending: [TaskStatus] = []
    public var latestState: TaskState
    /// When the head update may be sent again; nil when nothing is in flight.
    public var nextRetry: Double?
    public var retryInterval: Double
    public var terminated: Bool { latestState.isTerminal }
}

/// What the agent shell must do.
public enum AgentAction: Hashable, Sendable {
    /// Start a container for an executor: the command task itself, or a custom executor process.
    case launchContainer(ExecutorKey, ContainerID, LaunchPlan)
    /// Signal the container's process group (SIGTERM, then SIGKILL after `gracePeriod`).
    case destroyContainer(ExecutorKey, ContainerID, gracePeriod: Double)
    /// Resize a custom executor's container to these resources as its tasks arrive and end
    /// (Mesos' containerizer update), so an executor running many tasks is not held to the
    /// size of its first one.
    case updateContainer(ExecutorKey, ContainerID, resources: [Resource])
    case sendToExecutor(ExecutorKey, ExecutorEvent)
    /// Close the executor's subscription stream (after events queued for it).
    case closeExecutorStream(ExecutorKey)
    case sendToMaster(AgentCall)
    /// The agent's durable metadata changed (agent id, frameworks, executors, tasks, streams).
    case checkpoint
}

/// Everything the shell needs to start a container.
public struct LaunchPlan: Hashable, Sendable {
    public var command: CommandInfo
    public var environment: [String: String]
    public var frameworkUser: String
    public var taskID: TaskID?
    /// What the container may use: the task's resources for a command task, the executor's
    /// plus its first task's for a custom executor.
    public var resources: [Resource] = []
    /// The command task itself (container image, limits, health check, check, fetcher URIs).
    public var task: TaskInfo?
    /// The custom executor's info (its container and fetcher URIs).
    public var executor: ExecutorInfo?

    public init(command: CommandInfo, environment: [String: String], frameworkUser: String, taskID: TaskID?) {
        self.command = command
        self.environment = environment
        self.frameworkUser = frameworkUser
        self.taskID = taskID
    }
}
