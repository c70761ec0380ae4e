public struct Offer: Codable, Hashable, Sendable {
    public var id: OfferID
    public var frameworkID: FrameworkID
    public var agentID: AgentID
    public var hostname: String
    public var url: JSONValue?
    public var resources: [Resource]
    public var attributes: [Attribute]?
    public var executorIDs: [ExecutorID]?
    public var allocationInfo: AllocationInfo?

    enum CodingKeys: String, CodingKey {
        case id, hostname, url, resources, attributes
        case frameworkID = "framework_id"
        case agentID = "agent_id"
        case executorIDs = "executor_ids"
        case allocationInfo = "allocation_info"
    }

    public init(
        id: OfferID, frameworkID: FrameworkID, agentID: AgentID, hostname: String, url: JSONValue?,
        resources: [Resource], attributes: [Attribute]?, executorIDs: [ExecutorID]?, allocationInfo: AllocationInfo?
    ) {
        self.id = id
        self.frameworkID = frameworkID
        self.agentID = agentID
        self.hostname = hostname
        self.url = url
        self.resources = resources
        self.attributes = attributes
        self.executorIDs = executorIDs
        self.allocationInfo = allocationInfo
    }
}

/// `Offer.Operation`: what a framework does with accepted offers.
public struct OfferOperation: Codable, Hashable, Sendable {
    public struct Launch: Codable, Hashable, Sendable {
        public var taskInfos: [TaskInfo]
        enum CodingKeys: String, CodingKey { case taskInfos = "task_infos" }
        public init(taskInfos: [TaskInfo]) { self.taskInfos = taskInfos }
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            taskInfos = try container.decodeIfPresent([TaskInfo].self, forKey: .taskInfos) ?? []
        }
    }
    public struct LaunchGroup: Codable, Hashable, Sendable {
        public var executor: ExecutorInfo
        public var taskGroup: TaskGroupInfo
        enum CodingKeys: String, CodingKey {
            case executor
            case taskGroup = "task_group"
        }
    }
    public struct Reserve: Codable, Hashable, Sendable {
        public var resources: [Resource]
        public var source: [Resource]?
        public init(resources: [Resource]) { self.resources = resources }
    }
    public struct Unreserve: Codable, Hashable, Sendable {
        public var resources: [Resource]
        public init(resources: [Resource]) { self.resources = resources }
    }

    public var type: String
    public var id: OperationID?
    public var launch: Launch?
    public var launchGroup: LaunchGroup?
    public var reserve: Reserve?
    public var unreserve: Unreserve?

    enum CodingKeys: String, CodingKey {
        case type, id, launch, reserve, unreserve
        case launchGroup = "launch_group"
    }

    public init(launch tasks: [TaskInfo]) {
        self.type = "LAUNCH"
        self.launch = Launch(taskInfos: tasks)
    }

    public init(reserve resources: [Resource]) {
        self.type = "RESERVE"
        self.reserve = Reserve(resources: resources)
    }

    public init(unreserve resources: [Resource]) {
        self.type = "UNRESERVE"
        self.unreserve = Unreserve(resources: resources)
    }
}
