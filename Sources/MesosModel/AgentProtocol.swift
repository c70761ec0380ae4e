/// Mesokube's private master↔agent protocol (Mesos uses libprocess messages here; we reuse
/// the v1 pattern instead). The agent opens `POST /master/api/v1/agent` with a REGISTER call and
/// keeps the RecordIO response open: the master pushes `AgentEvent`s down it. Everything the
/// agent reports afterwards travels as separate POSTs carrying the agent id and session id.
public struct AgentTaskReport: Codable, Hashable, Sendable {
    public var frameworkID: FrameworkID
    public var executorID: ExecutorID?
    public var task: TaskInfo
    public var state: TaskState
    /// The last status the framework has not acknowledged yet, if any, so a new master
    /// knows which update is in flight.
    public var statusUUID: String?
    public var statuses: [TaskStatus]?

    enum CodingKeys: String, CodingKey {
        case task, state, statuses
        case frameworkID = "framework_id"
        case executorID = "executor_id"
        case statusUUID = "status_uuid"
    }

    public init(
        frameworkID: FrameworkID, executorID: ExecutorID?, task: TaskInfo, state: TaskState, statusUUID: String?,
        statuses: [TaskStatus]? = nil
    ) {
        self.frameworkID = frameworkID
        self.executorID = executorID
        self.task = task
        self.state = state
        self.statusUUID = statusUUID
        self.statuses = statuses
    }
}

public struct AgentExecutorReport: Codable, Hashable, Sendable {
    public var frameworkID: FrameworkID
    public var executor: ExecutorInfo
    /// True for the synthesized command executor: its resources are the task's own.
    public var isCommandExecutor: Bool

    enum CodingKeys: String, CodingKey {
        case executor
        case frameworkID = "framework_id"
        case isCommandExecutor = "is_command_executor"
    }

    public init(frameworkID: FrameworkID, executor: ExecutorInfo, isCommandExecutor: Bool) {
        self.frameworkID = frameworkID
        self.executor = executor
        self.isCommandExecutor = isCommandExecutor
    }
}

public struct AgentRegistration: Codable, Hashable, Sendable {
    public var agentInfo: AgentInfo
    /// `host:port` where the agent serves its HTTP endpoints.
    public var endpoint: String
    public var version: String
    public var tasks: [AgentTaskReport]
    public var executors: [AgentExecutorReport]
    public var frameworks: [FrameworkInfo]

    enum CodingKeys: String, CodingKey {
        case endpoint, version, tasks, executors, frameworks
        case agentInfo = "agent_info"
    }

    public init(
        agentInfo: AgentInfo, endpoint: String, version: String, tasks: [AgentTaskReport] = [],
        executors: [AgentExecutorReport] = [], frameworks: [FrameworkInfo] = []
    ) {
        self.agentInfo = agentInfo
        self.endpoint = endpoint
        self.version = version
        self.tasks = tasks
        self.executors = executors
        self.frameworks = frameworks
    }
}

/// Calls an agent makes to the master.
public struct AgentCall: Codable, Hashable, Sendable {
    public enum CallType: String, Codable, Hashable, Sendable {
        case register = "REGISTER"
        case statusUpdate = "STATUS_UPDATE"
        case executorExited = "EXECUTOR_EXITED"
        case executorMessage = "EXECUTOR_MESSAGE"
        /// The answer to a master's PING (Mesos' `PongSlaveMessage`): the agent is alive.
        case pong = "PONG"
    }

    public struct StatusUpdate: Codable, Hashable, Sendable {
        public var frameworkID: FrameworkID
        public var status: TaskStatus
        /// The newest state the agent knows for the task, which can run ahead of `status`
        /// while earlier updates wait for acknowledgement; the master frees resources on it.
        public var latestState: TaskState?
        /// Set when the agent only refreshes `latest_state` for an update already sent:
        /// the master records it but does not forward the update again.
        public var latestStateOnly: Bool?
        enum CodingKeys: String, CodingKey {
            case status
            case frameworkID = "framework_id"
            case latestState = "latest_state"
            case latestStateOnly = "latest_state_only"
        }
        public init(frameworkID: FrameworkID, status: TaskStatus, latestState: TaskState?, latestStateOnly: Bool? = nil)
        {
            self.frameworkID = frameworkID
            self.status = status
            self.latestState = latestState
            self.latestStateOnly = latestStateOnly
        }
    }

    public struct ExecutorExited: Codable, Hashable, Sendable {
        public var frameworkID: FrameworkID
        public var executorID: ExecutorID
        public var status: Int32?
        enum CodingKeys: String, CodingKey {
            case status
            case frameworkID = "framework_id"
            case executorID = "executor_id"
        }
        public init(frameworkID: FrameworkID, executorID: ExecutorID, status: Int32?) {
            self.frameworkID = frameworkID
            self.executorID = executorID
            self.status = status
        }
    }

    /// An executor's message to its framework (see `RelayedMessage`).
    public typealias ExecutorMessage = RelayedMessage

    public var type: CallType
    public var agentID: AgentID?
    public var register: AgentRegistration?
    public var statusUpdate: StatusUpdate?
    public var executorExited: ExecutorExited?
    public var executorMessage: ExecutorMessage?

    enum CodingKeys: String, CodingKey {
        case type, register
        case agentID = "agent_id"
        case statusUpdate = "status_update"
        case executorExited = "executor_exited"
        case executorMessage = "executor_message"
    }

    public init(type: CallType, agentID: AgentID?) {
        self.type = type
        self.agentID = agentID
    }
}

/// Events the master pushes to an agent over its registration stream.
public struct AgentEvent: Codable, Hashable, Sendable {
    public enum EventType: String, Codable, Hashable, Sendable {
        case registered = "REGISTERED"
        case runTask = "RUN_TASK"
        case runTaskGroup = "RUN_TASK_GROUP"
        case killTask = "KILL_TASK"
        case shutdownExecutor = "SHUTDOWN_EXECUTOR"
        case shutdownFramework = "SHUTDOWN_FRAMEWORK"
        case acknowledge = "ACKNOWLEDGE"
        case frameworkMessage = "FRAMEWORK_MESSAGE"
        case updateFramework = "UPDATE_FRAMEWORK"
        case heartbeat = "HEARTBEAT"
        /// The master checks the agent is alive (Mesos' `PingSlaveMessage`); the agent answers PONG.
        case ping = "PING"
    }

    public struct Registered: Codable, Hashable, Sendable {
        public var agentID: AgentID
        public var masterInfo: MasterInfo
        /// Mesos' `MasterSlaveConnection`: how long the agent may go without a PING before it
        /// takes the master for gone and registers again.
        public var connection: Connection?
        enum CodingKeys: String, CodingKey {
            case connection
            case agentID = "agent_id"
            case masterInfo = "master_info"
        }
        public init(agentID: AgentID, masterInfo: MasterInfo, connection: Connection? = nil) {
            self.agentID = agentID
            self.masterInfo = masterInfo
            self.connection = connection
        }
    }

    public struct Connection: Codable, Hashable, Sendable {
        public var totalPingTimeoutSeconds: Double
        enum CodingKeys: String, CodingKey {
            case totalPingTimeoutSeconds = "total_ping_timeout_seconds"
        }
        public init(totalPingTimeoutSeconds: Double) { self.totalPingTimeoutSeconds = totalPingTimeoutSeconds }
    }

    public struct RunTask: Codable, Hashable, Sendable {
        public var frameworkInfo: FrameworkInfo
        public var task: TaskInfo?
        public var executor: ExecutorInfo?
        public var taskGroup: TaskGroupInfo?
        enum CodingKeys: String, CodingKey {
            case task, executor
            case frameworkInfo = "framework_info"
            case taskGroup = "task_group"
        }
        public init(frameworkInfo: FrameworkInfo, task: TaskInfo?, executor: ExecutorInfo?, taskGroup: TaskGroupInfo?) {
            self.frameworkInfo = frameworkInfo
            self.task = task
            self.executor = executor
            self.taskGroup = taskGroup
        }
    }

    public struct KillTask: Codable, Hashable, Sendable {
        public var frameworkID: FrameworkID
        public var taskID: TaskID
        public var killPolicy: KillPolicy?
        enum CodingKeys: String, CodingKey {
            case frameworkID = "framework_id"
            case taskID = "task_id"
            case killPolicy = "kill_policy"
        }
        public init(frameworkID: FrameworkID, taskID: TaskID, killPolicy: KillPolicy?) {
            self.frameworkID = frameworkID
            self.taskID = taskID
            self.killPolicy = killPolicy
        }
    }

    public struct ExecutorRef: Codable, Hashable, Sendable {
        public var frameworkID: FrameworkID
        public var executorID: ExecutorID?
        enum CodingKeys: String, CodingKey {
            case frameworkID = "framework_id"
            case executorID = "executor_id"
        }
        public init(frameworkID: FrameworkID, executorID: ExecutorID?) {
            self.frameworkID = frameworkID
            self.executorID = executorID
        }
    }

    public struct Acknowledge: Codable, Hashable, Sendable {
        public var frameworkID: FrameworkID
        public var taskID: TaskID
        public var uuid: String
        enum CodingKeys: String, CodingKey {
            case uuid
            case frameworkID = "framework_id"
            case taskID = "task_id"
        }
        public init(frameworkID: FrameworkID, taskID: TaskID, uuid: String) {
            self.frameworkID = frameworkID
            self.taskID = taskID
            self.uuid = uuid
        }
    }

    /// A framework's message to one of its executors (see `RelayedMessage`).
    public typealias FrameworkMessage = RelayedMessage

    public var type: EventType
    public var registered: Registered?
    public var runTask: RunTask?
    public var killTask: KillTask?
    public var executor: ExecutorRef?
    public var acknowledge: Acknowledge?
    public var frameworkMessage: FrameworkMessage?
    public var frameworkInfo: FrameworkInfo?

    enum CodingKeys: String, CodingKey {
        case type, registered, executor, acknowledge
        case runTask = "run_task"
        case killTask = "kill_task"
        case frameworkMessage = "framework_message"
        case frameworkInfo = "framework_info"
    }

    public init(type: EventType) { self.type = type }

    public static func registered(
        _ agentID: AgentID, master: MasterInfo, totalPingTimeoutSeconds: Double? = nil
    ) -> AgentEvent {
        var event = AgentEvent(type: .registered)
        event.registered = Registered(
            agentID: agentID, masterInfo: master, connection: totalPingTimeoutSeconds.map(Connection.init))
        return event
    }

    public static func runTask(_ run: RunTask) -> AgentEvent {
        var event = AgentEvent(type: run.taskGroup == nil ? .runTask : .runTaskGroup)
        event.runTask = run
        return event
    }

    public static func kill(_ kill: KillTask) -> AgentEvent {
        var event = AgentEvent(type: .killTask)
        event.killTask = kill
        return event
    }

    public static func shutdownFramework(_ frameworkID: FrameworkID) -> AgentEvent {
        var event = AgentEvent(type: .shutdownFramework)
        event.executor = ExecutorRef(frameworkID: frameworkID, executorID: nil)
        return event
    }

    public static func shutdownExecutor(_ frameworkID: FrameworkID, _ executorID: ExecutorID) -> AgentEvent {
        var event = AgentEvent(type: .shutdownExecutor)
        event.executor = ExecutorRef(frameworkID: frameworkID, executorID: executorID)
        return event
    }

    public static func acknowledge(_ ack: Acknowledge) -> AgentEvent {
        var event = AgentEvent(type: .acknowledge)
        event.acknowledge = ack
        return event
    }

    public static func frameworkMessage(_ message: FrameworkMessage) -> AgentEvent {
        var event = AgentEvent(type: .frameworkMessage)
        event.frameworkMessage = message
        return event
    }

    public static func updateFramework(_ info: FrameworkInfo) -> AgentEvent {
        var event = AgentEvent(type: .updateFramework)
        event.frameworkInfo = info
        return event
    }
}

/// A best-effort message between a framework and one of its executors, relayed by the master
/// and the agent in either direction.
public struct RelayedMessage: Codable, Hashable, Sendable {
    public var frameworkID: FrameworkID
    public var executorID: ExecutorID
    /// Base64 of the message bytes.
    public var data: String

    enum CodingKeys: String, CodingKey {
        case data
        case frameworkID = "framework_id"
        case executorID = "executor_id"
    }

    public init(frameworkID: FrameworkID, executorID: ExecutorID, data: String) {
        self.frameworkID = frameworkID
        self.executorID = executorID
        self.data = data
    }
}
