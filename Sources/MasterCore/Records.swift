import MesosModel

public struct TaskRecord: Hashable, Sendable {
    public var info: TaskInfo
    public var frameworkID: FrameworkID
    public var agentID: AgentID
    /// nil for command tasks (their executor shares the task's id and resources).
    public var executorID: ExecutorID?
    public var role: String
    /// Resources charged to the task, tagged with their allocation role.
    public var resources: Resources
    /// State of the latest update sent to the framework (Mesos' `status_update_state`).
    public var state: TaskState
    /// Newest state the agent knows; resources are freed as soon as it is terminal.
    public var latestState: TaskState
    public var statuses: [TaskStatus] = []
    /// uuid of the update the framework still has to acknowledge.
    public var pendingUUID: String?
    public var resourcesRecovered = false

    public var id: TaskID { info.taskID }
}

/// A framework as the master holds it. Its task, offer and executor tables grow with the cluster,
/// so change a record in place (`frameworks[id]?.tasks[taskID] = …`) or take it out of the table
/// and put it back (`removeValue`, then `defer`): a copy changed while the table still holds the
/// original copies those tables whole on every change, which made launching at 1,000 agents
/// quadratic (`mesokube-bench restart`).
public struct FrameworkRecord: Hashable, Sendable {
    public var id: FrameworkID
    public var info: FrameworkInfo
    /// The live subscription stream; nil while disconnected.
    public var streamID: String?
    public var active: Bool
    /// Known from agents or the registry after a master restart, but not yet re-subscribed.
    public var recovered: Bool
    public var registeredTime: Double
    public var reregisteredTime: Double?
    public var unregisteredTime: Double?
    public var failoverDeadline: Double?
    public var suppressedRoles: Set<String>
    public var tasks = TaskTable()
    public var completedTasks: [TaskRecord] = []
    /// Custom executors running per agent.
    public var executors: [AgentID: [ExecutorID: ExecutorInfo]] = [:]
    public var offerIDs: Set<OfferID> = []

    public var connected: Bool { streamID != nil }
    public var roles: Set<String> { Set(info.effectiveRoles) }
}

public struct AgentRecord: Hashable, Sendable {
    public var id: AgentID
    /// Fixed for the record's life (a re-registration makes a new record): `offerURL` is
    /// derived from them once.
    public let info: AgentInfo
    public let endpoint: String
    public var version: String
    /// The registration stream; nil while the agent is disconnected or not yet re-registered.
    public var sessionID: String?
    /// Resources as the agent reported them (static reservations included).
    public var baseResources: Resources
    /// `baseResources` with the registry's dynamic reservations applied.
    public var totalResources: Resources
    public var registeredTime: Double
    public var reregisteredTime: Double?
    /// Set while disconnected or recovered: past it the agent is declared gone.
    public var removalDeadline: Double?
    /// Recovered from the registry after a master restart and not re-registered yet.
    public var recovered: Bool
    public var removed: Bool
    /// When the agent last sent anything on its session (PONGs included); the ping check's clock.
    public var lastContact: Double?
    /// The agent's address as every offer carries it (`Offer.url`): built once, not per offer
    /// (splitting the endpoint and building the object was a third of rendering an offer).
    public let offerURL: JSONValue

    public init(
        id: AgentID, info: AgentInfo, endpoint: String, version: String, sessionID: String?,
        baseResources: Resources, totalResources: Resources, registeredTime: Double, reregisteredTime: Double?,
        removalDeadline: Double?, recovered: Bool, removed: Bool, lastContact: Double? = nil
    ) {
        self.id = id
        self.info = info
        self.endpoint = endpoint
        self.version = version
        self.sessionID = sessionID
        self.baseResources = baseResources
        self.totalResources = totalResources
        self.registeredTime = registeredTime
        self.reregisteredTime = reregisteredTime
        self.removalDeadline = removalDeadline
        self.recovered = recovered
        self.removed = removed
        self.lastContact = lastContact
        self.offerURL = .object([
            "scheme": .string("http"),
            "address": .object([
                "hostname": .string(info.hostname),
                "ip": .string(MasterCore.host(of: endpoint)),
                "port": .number(Double(info.port ?? 5051)),
            ]),
            "path": .string("/slave(1)"),
        ])
    }

    public var connected: Bool { sessionID != nil }
    public var pid: String { "slave(1)@\(endpoint)" }
}

public struct OfferRecord: Hashable, Sendable {
    public var id: OfferID
    public var frameworkID: FrameworkID
    public var agentID: AgentID
    public var role: String
    /// Offered resources in the allocator's (post-refinement, allocation-tagged) form.
    public var resources: Resources
    public var createdAt: Double
}
