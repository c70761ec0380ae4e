/// A v1 executor `Call` on the agent's `POST /api/v1/executor`.
public struct ExecutorCall: Codable, Hashable, Sendable {
    public enum CallType: String, Codable, Hashable, Sendable {
        case subscribe = "SUBSCRIBE", update = "UPDATE", message = "MESSAGE", heartbeat = "HEARTBEAT"
    }

    public struct Subscribe: Codable, Hashable, Sendable {
        public struct Update: Codable, Hashable, Sendable {
            public var status: TaskStatus
        }
        public var unacknowledgedTasks: [TaskInfo]?
        public var unacknowledgedUpdates: [Update]?
        enum CodingKeys: String, CodingKey {
            case unacknowledgedTasks = "unacknowledged_tasks"
            case unacknowledgedUpdates = "unacknowledged_updates"
        }
    }

    public struct Update: Codable, Hashable, Sendable {
        public var status: TaskStatus
        public init(status: TaskStatus) { self.status = status }
    }

    public struct Message: Codable, Hashable, Sendable {
        public var data: String
        public init(data: String) { self.data = data }
    }

    public var type: CallType
    public var frameworkID: FrameworkID
    public var executorID: ExecutorID
    public var subscribe: Subscribe?
    public var update: Update?
    public var message: Message?

    enum CodingKeys: String, CodingKey {
        case type, subscribe, update, message
        case frameworkID = "framework_id"
        case executorID = "executor_id"
    }

    public init(type: CallType, frameworkID: FrameworkID, executorID: ExecutorID) {
        self.type = type
        self.frameworkID = frameworkID
        self.executorID = executorID
    }
}

/// A v1 executor `Event`, written as `{"type": ..., "<lowercased type>": payload}`.
public enum ExecutorEvent: Hashable, Sendable {
    case subscribed(
        executorInfo: ExecutorInfo, frameworkInfo: FrameworkInfo, agentInfo: AgentInfo, containerID: ContainerID?)
    case launch(TaskInfo)
    case launchGroup(TaskGroupInfo)
    case kill(taskID: TaskID, killPolicy: KillPolicy?)
    case acknowledged(taskID: TaskID, uuid: String)
    case message(data: String)
    case error(String)
    case shutdown
    case heartbeat
}

extension ExecutorEvent: Encodable {
    fileprivate enum Keys: String, CodingKey {
        case type, subscribed, launch, kill, acknowledged, message, error
        case launchGroup = "launch_group"
    }
    fileprivate enum PayloadKeys: String, CodingKey {
        case task, data, message, uuid
        case executorInfo = "executor_info"
        case frameworkInfo = "framework_info"
        case agentInfo = "agent_info"
        case containerID = "container_id"
        case taskGroup = "task_group"
        case taskID = "task_id"
        case killPolicy = "kill_policy"
    }

    public var typeName: String {
        switch self {
        case .subscribed: return "SUBSCRIBED"
        case .launch: return "LAUNCH"
        case .launchGroup: return "LAUNCH_GROUP"
        case .kill: return "KILL"
        case .acknowledged: return "ACKNOWLEDGED"
        case .message: return "MESSAGE"
        case .error: return "ERROR"
        case .shutdown: return "SHUTDOWN"
        case .heartbeat: return "HEARTBEAT"
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(typeName, forKey: .type)
        switch self {
        case .subscribed(let executorInfo, let frameworkInfo, let agentInfo, let containerID):
            var payload = container.nestedContainer(keyedBy: PayloadKeys.self, forKey: .subscribed)
            try payload.encode(executorInfo, forKey: .executorInfo)
            try payload.encode(frameworkInfo, forKey: .frameworkInfo)
            try payload.encode(agentInfo, forKey: .agentInfo)
            try payload.encodeIfPresent(containerID, forKey: .containerID)
        case .launch(let task):
            var payload = container.nestedContainer(keyedBy: PayloadKeys.self, forKey: .launch)
            try payload.encode(task, forKey: .task)
        case .launchGroup(let group):
            var payload = container.nestedContainer(keyedBy: PayloadKeys.self, forKey: .launchGroup)
            try payload.encode(group, forKey: .taskGroup)
        case .kill(let taskID, let policy):
            var payload = container.nestedContainer(keyedBy: PayloadKeys.self, forKey: .kill)
            try payload.encode(taskID, forKey: .taskID)
            try payload.encodeIfPresent(policy, forKey: .killPolicy)
        case .acknowledged(let taskID, let uuid):
            var payload = container.nestedContainer(keyedBy: PayloadKeys.self, forKey: .acknowledged)
            try payload.encode(taskID, forKey: .taskID)
            try payload.encode(uuid, forKey: .uuid)
        case .message(let data):
            var payload = container.nestedContainer(keyedBy: PayloadKeys.self, forKey: .message)
            try payload.encode(data, forKey: .data)
        case .error(let message):
            var payload = container.nestedContainer(keyedBy: PayloadKeys.self, forKey: .error)
            try payload.encode(message, forKey: .message)
        case .shutdown, .heartbeat:
            break
        }
    }
}

/// Executors (the kubelet, for one) read the events the agent writes.
extension ExecutorEvent: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        let type = try container.decode(String.self, forKey: .type)
        func payload(_ key: Keys) throws -> KeyedDecodingContainer<PayloadKeys> {
            try container.nestedContainer(keyedBy: PayloadKeys.self, forKey: key)
        }
        switch type {
        case "SUBSCRIBED":
            let body = try payload(.subscribed)
            self = .subscribed(
                executorInfo: try body.decode(ExecutorInfo.self, forKey: .executorInfo),
                frameworkInfo: try body.decode(FrameworkInfo.self, forKey: .frameworkInfo),
                agentInfo: try body.decode(AgentInfo.self, forKey: .agentInfo),
                containerID: try body.decodeIfPresent(ContainerID.self, forKey: .containerID))
        case "LAUNCH": self = .launch(try payload(.launch).decode(TaskInfo.self, forKey: .task))
        case "LAUNCH_GROUP":
            self = .launchGroup(try payload(.launchGroup).decode(TaskGroupInfo.self, forKey: .taskGroup))
        case "KILL":
            let body = try payload(.kill)
            self = .kill(
                taskID: try body.decode(TaskID.self, forKey: .taskID),
                killPolicy: try body.decodeIfPresent(KillPolicy.self, forKey: .killPolicy))
        case "ACKNOWLEDGED":
            let body = try payload(.acknowledged)
            self = .acknowledged(
                taskID: try body.decode(TaskID.self, forKey: .taskID), uuid: try body.decode(String.self, forKey: .uuid)
            )
        case "MESSAGE": self = .message(data: try payload(.message).decode(String.self, forKey: .data))
        case "ERROR": self = .error(try payload(.error).decode(String.self, forKey: .message))
        case "SHUTDOWN": self = .shutdown
        case "HEARTBEAT": self = .heartbeat
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container, debugDescription: "unknown executor event type \(type)")
        }
    }
}

extension ExecutorCall.Subscribe {
    public init(unacknowledgedTasks: [TaskInfo], unacknowledgedUpdates: [TaskStatus]) {
        self.unacknowledgedTasks = unacknowledgedTasks
        self.unacknowledgedUpdates = unacknowledgedUpdates.map { Update(status: $0) }
    }
}
