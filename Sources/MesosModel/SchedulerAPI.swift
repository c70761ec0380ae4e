/// A v1 scheduler `Call` as it arrives on `POST /api/v1/scheduler`: `{type, framework_id, <payload>}`.
public struct SchedulerCall: Codable, Hashable, Sendable {
    public enum CallType: String, Codable, Hashable, Sendable, CaseIterable {
        case subscribe = "SUBSCRIBE", teardown = "TEARDOWN", accept = "ACCEPT", decline = "DECLINE"
        case acceptInverseOffers = "ACCEPT_INVERSE_OFFERS", declineInverseOffers = "DECLINE_INVERSE_OFFERS"
        case revive = "REVIVE", suppress = "SUPPRESS", kill = "KILL", shutdown = "SHUTDOWN"
        case acknowledge = "ACKNOWLEDGE", acknowledgeOperationStatus = "ACKNOWLEDGE_OPERATION_STATUS"
        case reconcile = "RECONCILE", reconcileOperations = "RECONCILE_OPERATIONS", message = "MESSAGE"
        case request = "REQUEST", updateFramework = "UPDATE_FRAMEWORK"
    }

    public struct Subscribe: Codable, Hashable, Sendable {
        public var frameworkInfo: FrameworkInfo
        public var suppressedRoles: [String]?
        public var offerConstraints: JSONValue?
        enum CodingKeys: String, CodingKey {
            case frameworkInfo = "framework_info"
            case suppressedRoles = "suppressed_roles"
            case offerConstraints = "offer_constraints"
        }
        public init(frameworkInfo: FrameworkInfo, suppressedRoles: [String]? = nil) {
            self.frameworkInfo = frameworkInfo
            self.suppressedRoles = suppressedRoles
        }
    }

    public struct Accept: Codable, Hashable, Sendable {
        public var offerIDs: [OfferID]
        public var operations: [OfferOperation]
        public var filters: Filters?
        enum CodingKeys: String, CodingKey {
            case operations, filters
            case offerIDs = "offer_ids"
        }
        public init(offerIDs: [OfferID], operations: [OfferOperation], filters: Filters?) {
            self.offerIDs = offerIDs
            self.operations = operations
            self.filters = filters
        }
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            offerIDs = try container.decodeIfPresent([OfferID].self, forKey: .offerIDs) ?? []
            operations = try container.decodeIfPresent([OfferOperation].self, forKey: .operations) ?? []
            filters = try container.decodeIfPresent(Filters.self, forKey: .filters)
        }
    }

    public struct Decline: Codable, Hashable, Sendable {
        public var offerIDs: [OfferID]
        public var filters: Filters?
        enum CodingKeys: String, CodingKey {
            case filters
            case offerIDs = "offer_ids"
        }
        public init(offerIDs: [OfferID], filters: Filters?) {
            self.offerIDs = offerIDs
            self.filters = filters
        }
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            offerIDs = try container.decodeIfPresent([OfferID].self, forKey: .offerIDs) ?? []
            filters = try container.decodeIfPresent(Filters.self, forKey: .filters)
        }
    }

    public struct Roles: Codable, Hashable, Sendable {
        public var roles: [String]?
        public init(roles: [String]?) { self.roles = roles }
    }

    public struct Kill: Codable, Hashable, Sendable {
        public var taskID: TaskID
        public var agentID: AgentID?
        public var killPolicy: KillPolicy?
        enum CodingKeys: String, CodingKey {
            case taskID = "task_id"
            case agentID = "agent_id"
            case killPolicy = "kill_policy"
        }
        public init(taskID: TaskID, agentID: AgentID? = nil) {
            self.taskID = taskID
            self.agentID = agentID
        }
    }

    public struct Shutdown: Codable, Hashable, Sendable {
        public var executorID: ExecutorID
        public var agentID: AgentID
        enum CodingKeys: String, CodingKey {
            case executorID = "executor_id"
            case agentID = "agent_id"
        }
        public init(executorID: ExecutorID, agentID: AgentID) {
            self.executorID = executorID
            self.agentID = agentID
        }
    }

    public struct Acknowledge: Codable, Hashable, Sendable {
        public var agentID: AgentID
        public var taskID: TaskID
        public var uuid: String
        enum CodingKeys: String, CodingKey {
            case uuid
            case agentID = "agent_id"
            case taskID = "task_id"
        }
        public init(agentID: AgentID, taskID: TaskID, uuid: String) {
            self.agentID = agentID
            self.taskID = taskID
            self.uuid = uuid
        }
    }

    public struct Reconcile: Codable, Hashable, Sendable {
        public struct Task: Codable, Hashable, Sendable {
            public var taskID: TaskID
            public var agentID: AgentID?
            enum CodingKeys: String, CodingKey {
                case taskID = "task_id"
                case agentID = "agent_id"
            }
            public init(taskID: TaskID, agentID: AgentID? = nil) {
                self.taskID = taskID
                self.agentID = agentID
            }
        }
        public var tasks: [Task]
        public init(tasks: [Task]) { self.tasks = tasks }
        enum CodingKeys: String, CodingKey { case tasks }
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            tasks = try container.decodeIfPresent([Task].self, forKey: .tasks) ?? []
        }
    }

    public struct Message: Codable, Hashable, Sendable {
        public var agentID: AgentID
        public var executorID: ExecutorID
        /// Base64 of the message bytes.
        public var data: String
        enum CodingKeys: String, CodingKey {
            case data
            case agentID = "agent_id"
            case executorID = "executor_id"
        }
        public init(agentID: AgentID, executorID: ExecutorID, data: String) {
            self.agentID = agentID
            self.executorID = executorID
            self.data = data
        }
    }

    public var type: CallType
    public var frameworkID: FrameworkID?
    public var subscribe: Subscribe?
    public var accept: Accept?
    public var decline: Decline?
    public var revive: Roles?
    public var suppress: Roles?
    public var kill: Kill?
    public var shutdown: Shutdown?
    public var acknowledge: Acknowledge?
    public var reconcile: Reconcile?
    public var message: Message?
    public var request: JSONValue?
    public var updateFramework: Subscribe?

    enum CodingKeys: String, CodingKey {
        case type, subscribe, accept, decline, revive, suppress, kill, shutdown, acknowledge, reconcile, message
        case request
        case frameworkID = "framework_id"
        case updateFramework = "update_framework"
    }

    public init(type: CallType, frameworkID: FrameworkID? = nil) {
        self.type = type
        self.frameworkID = frameworkID
    }
}

/// A v1 scheduler `Event`, written as `{"type": ..., "<lowercased type>": payload}`.
public enum SchedulerEvent: Hashable, Sendable {
    case subscribed(frameworkID: FrameworkID, heartbeatIntervalSeconds: Double, masterInfo: MasterInfo?)
    case offers([Offer])
    case rescind(OfferID)
    case update(TaskStatus)
    case message(agentID: AgentID, executorID: ExecutorID, data: String)
    case failure(agentID: AgentID?, executorID: ExecutorID?, status: Int32?)
    case error(String)
    case heartbeat

    public var typeName: String {
        switch self {
        case .subscribed: return "SUBSCRIBED"
        case .offers: return "OFFERS"
        case .rescind: return "RESCIND"
        case .update: return "UPDATE"
        case .message: return "MESSAGE"
        case .failure: return "FAILURE"
        case .error: return "ERROR"
        case .heartbeat: return "HEARTBEAT"
        }
    }
}

extension SchedulerEvent: Codable {
    private enum Keys: String, CodingKey {
        case type, subscribed, offers, rescind, update, message, failure, error
    }
    private enum PayloadKeys: String, CodingKey {
        case frameworkID = "framework_id"
        case heartbeat = "heartbeat_interval_seconds"
        case masterInfo = "master_info"
        case offers
        case offerID = "offer_id"
        case status, message, data
        case agentID = "agent_id"
        case executorID = "executor_id"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(typeName, forKey: .type)
        switch self {
        case .subscribed(let frameworkID, let interval, let masterInfo):
            var payload = container.nestedContainer(keyedBy: PayloadKeys.self, forKey: .subscribed)
            try payload.encode(frameworkID, forKey: .frameworkID)
            try payload.encode(interval, forKey: .heartbeat)
            try payload.encodeIfPresent(masterInfo, forKey: .masterInfo)
        case .offers(let offers):
            var payload = container.nestedContainer(keyedBy: PayloadKeys.self, forKey: .offers)
            try payload.encode(offers, forKey: .offers)
        case .rescind(let offerID):
            var payload = container.nestedContainer(keyedBy: PayloadKeys.self, forKey: .rescind)
            try payload.encode(offerID, forKey: .offerID)
        case .update(let status):
            var payload = container.nestedContainer(keyedBy: PayloadKeys.self, forKey: .update)
            try payload.encode(status, forKey: .status)
        case .message(let agentID, let executorID, let data):
            var payload = container.nestedContainer(keyedBy: PayloadKeys.self, forKey: .message)
            try payload.encode(agentID, forKey: .agentID)
            try payload.encode(executorID, forKey: .executorID)
            try payload.encode(data, forKey: .data)
        case .failure(let agentID, let executorID, let status):
            var payload = container.nestedContainer(keyedBy: PayloadKeys.self, forKey: .failure)
            try payload.encodeIfPresent(agentID, forKey: .agentID)
            try payload.encodeIfPresent(executorID, forKey: .executorID)
            try payload.encodeIfPresent(status, forKey: .status)
        case .error(let message):
            var payload = container.nestedContainer(keyedBy: PayloadKeys.self, forKey: .error)
            try payload.encode(message, forKey: .message)
        case .heartbeat:
            break
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "SUBSCRIBED":
            let payload = try container.nestedContainer(keyedBy: PayloadKeys.self, forKey: .subscribed)
            self = .subscribed(
                frameworkID: try payload.decode(FrameworkID.self, forKey: .frameworkID),
                heartbeatIntervalSeconds: try payload.decodeIfPresent(Double.self, forKey: .heartbeat) ?? 15,
                masterInfo: try payload.decodeIfPresent(MasterInfo.self, forKey: .masterInfo))
        case "OFFERS":
            let payload = try container.nestedContainer(keyedBy: PayloadKeys.self, forKey: .offers)
            self = .offers(try payload.decodeIfPresent([Offer].self, forKey: .offers) ?? [])
        case "RESCIND":
            let payload = try container.nestedContainer(keyedBy: PayloadKeys.self, forKey: .rescind)
            self = .rescind(try payload.decode(OfferID.self, forKey: .offerID))
        case "UPDATE":
            let payload = try container.nestedContainer(keyedBy: PayloadKeys.self, forKey: .update)
            self = .update(try payload.decode(TaskStatus.self, forKey: .status))
        case "MESSAGE":
            let payload = try container.nestedContainer(keyedBy: PayloadKeys.self, forKey: .message)
            self = .message(
                agentID: try payload.decode(AgentID.self, forKey: .agentID),
                executorID: try payload.decode(ExecutorID.self, forKey: .executorID),
                data: try payload.decode(String.self, forKey: .data))
        case "FAILURE":
            let payload = try container.nestedContainer(keyedBy: PayloadKeys.self, forKey: .failure)
            self = .failure(
                agentID: try payload.decodeIfPresent(AgentID.self, forKey: .agentID),
                executorID: try payload.decodeIfPresent(ExecutorID.self, forKey: .executorID),
                status: try payload.decodeIfPresent(Int32.self, forKey: .status))
        case "ERROR":
            let payload = try container.nestedContainer(keyedBy: PayloadKeys.self, forKey: .error)
            self = .error(try payload.decode(String.self, forKey: .message))
        default:
            self = .heartbeat
        }
    }
}
