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
    public var info: AgentInfo
    public var endpoint: String
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
    public var lastContact: Double? = nil

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
