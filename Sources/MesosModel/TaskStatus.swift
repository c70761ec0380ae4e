public enum TaskState: String, Codable, Hashable, Sendable, CaseIterable {
    case staging = "TASK_STAGING"
    case starting = "TASK_STARTING"
    case running = "TASK_RUNNING"
    case killing = "TASK_KILLING"
    case finished = "TASK_FINISHED"
    case failed = "TASK_FAILED"
    case killed = "TASK_KILLED"
    case error = "TASK_ERROR"
    case lost = "TASK_LOST"
    case dropped = "TASK_DROPPED"
    case unreachable = "TASK_UNREACHABLE"
    case gone = "TASK_GONE"
    case goneByOperator = "TASK_GONE_BY_OPERATOR"
    case unknown = "TASK_UNKNOWN"

    /// Terminal states free the task's resources. TASK_LOST is terminal for the master's
    /// bookkeeping, even though a lost task may reappear when a partition heals.
    public var isTerminal: Bool {
        switch self {
        case .finished, .failed, .killed, .error, .lost, .dropped, .gone, .goneByOperator: return true
        case .staging, .starting, .running, .killing, .unreachable, .unknown: return false
        }
    }
}

public enum TaskStatusSource: String, Codable, Hashable, Sendable {
    case master = "SOURCE_MASTER"
    case agent = "SOURCE_AGENT"
    case executor = "SOURCE_EXECUTOR"
}

/// The subset of `TaskStatus.Reason` that Mesokube produces; others sent by executors pass through as strings.
public enum TaskStatusReason {
    public static let commandExecutorFailed = "REASON_COMMAND_EXECUTOR_FAILED"
    public static let containerLaunchFailed = "REASON_CONTAINER_LAUNCH_FAILED"
    public static let containerLimitationMemory = "REASON_CONTAINER_LIMITATION_MEMORY"
    public static let healthCheckStatusUpdated = "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED"
    public static let checkStatusUpdated = "REASON_TASK_CHECK_STATUS_UPDATED"
    public static let executorTerminated = "REASON_EXECUTOR_TERMINATED"
    public static let executorUnregistered = "REASON_EXECUTOR_UNREGISTERED"
    public static let frameworkRemoved = "REASON_FRAMEWORK_REMOVED"
    public static let invalidOffers = "REASON_INVALID_OFFERS"
    public static let reconciliation = "REASON_RECONCILIATION"
    public static let taskInvalid = "REASON_TASK_INVALID"
    public static let taskUnknown = "REASON_TASK_UNKNOWN"
    public static let taskKilledDuringLaunch = "REASON_TASK_KILLED_DURING_LAUNCH"
    public static let agentRemoved = "REASON_SLAVE_REMOVED"
    public static let agentDisconnected = "REASON_SLAVE_DISCONNECTED"
    public static let agentUnknown = "REASON_SLAVE_UNKNOWN"
    public static let agentRestarted = "REASON_SLAVE_RESTARTED"
    public static let agentReregistered = "REASON_SLAVE_REREGISTERED"
    public static let executorTerminatedShutdown = "REASON_EXECUTOR_TERMINATED"
}

public struct TaskStatus: Codable, Hashable, Sendable {
    public var taskID: TaskID
    public var state: TaskState
    public var message: String?
    public var source: TaskStatusSource?
    public var reason: String?
    public var data: String?
    public var agentID: AgentID?
    public var executorID: ExecutorID?
    public var timestamp: Double?
    /// Base64 of 16 raw bytes. Present means the scheduler must acknowledge this update.
    public var uuid: String?
    public var healthy: Bool?
    /// The latest result of `TaskInfo.check`.
    public var checkStatus: CheckStatusInfo?
    public var labels: Labels?
    public var containerStatus: JSONValue?
    public var unreachableTime: JSONValue?

    enum CodingKeys: String, CodingKey {
        case state, message, source, reason, data, timestamp, uuid, healthy, labels
        case taskID = "task_id"
        case agentID = "agent_id"
        case executorID = "executor_id"
        case containerStatus = "container_status"
        case checkStatus = "check_status"
        case unreachableTime = "unreachable_time"
    }

    public init(
        taskID: TaskID, state: TaskState, message: String? = nil, source: TaskStatusSource? = nil,
        reason: String? = nil, agentID: AgentID? = nil, executorID: ExecutorID? = nil, timestamp: Double? = nil,
        uuid: String? = nil
    ) {
        self.taskID = taskID
        self.state = state
        self.message = message
        self.source = source
        self.reason = reason
        self.agentID = agentID
        self.executorID = executorID
        self.timestamp = timestamp
        self.uuid = uuid
    }
}

/// Status-update uuids are 16 raw bytes, carried as standard base64.
public enum StatusUUID {
    public static func encode(_ bytes: [UInt8]) -> String { Base64.encode(bytes) }

    public static func isValid(_ text: String) -> Bool { Base64.decode(text)?.count == 16 }

    /// A fresh uuid drawn from the injected generator (cores never use global randomness).
    public static func make<G: RandomNumberGenerator>(using rng: inout G) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255, using: &rng) }
        bytes[6] = (bytes[6] & 0x0f) | 0x40
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        return encode(bytes)
    }
}
