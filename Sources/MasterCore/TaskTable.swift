import MesosModel

/// A framework's live tasks by id, indexed by the agent each runs on. The master asks "what does
/// this framework run on that agent?" at every agent registration and removal, framework
/// re-subscription and state view; answering it by scanning every task made a re-registration
/// storm after a failover quadratic (1,000 agents with 10,000 tasks: 66 s).
public struct TaskTable: Hashable, Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var byID: [TaskID: TaskRecord] = [:]
    /// Derived from `byID`; an agent without tasks has no entry.
    private var byAgent: [AgentID: Set<TaskID>] = [:]

    public init() {}

    public init(dictionaryLiteral elements: (TaskID, TaskRecord)...) {
        for (id, task) in elements { self[id] = task }
    }

    public subscript(id: TaskID) -> TaskRecord? {
        get { byID[id] }
        set {
            let previousAgent = byID[id]?.agentID
            byID[id] = newValue
            guard previousAgent != newValue?.agentID else { return }
            if let previousAgent { unindex(id, from: previousAgent) }
            if let agentID = newValue?.agentID { byAgent[agentID, default: []].insert(id) }
        }
    }

    @discardableResult
    public mutating func removeValue(forKey id: TaskID) -> TaskRecord? {
        guard let task = byID.removeValue(forKey: id) else { return nil }
        unindex(id, from: task.agentID)
        return task
    }

    private mutating func unindex(_ id: TaskID, from agentID: AgentID) {
        byAgent[agentID]?.remove(id)
        if byAgent[agentID]?.isEmpty == true { byAgent[agentID] = nil }
    }

    public var values: Dictionary<TaskID, TaskRecord>.Values { byID.values }
    public var keys: Dictionary<TaskID, TaskRecord>.Keys { byID.keys }
    public var count: Int { byID.count }
    public var isEmpty: Bool { byID.isEmpty }

    /// The tasks on `agentID`, by id.
    public func on(_ agentID: AgentID) -> [TaskRecord] {
        (byAgent[agentID] ?? []).sorted().compactMap { byID[$0] }
    }

    public func hasTasks(on agentID: AgentID) -> Bool { byAgent[agentID] != nil }

    /// Every agent with at least one of these tasks.
    public var agentIDs: Dictionary<AgentID, Set<TaskID>>.Keys { byAgent.keys }

    public func makeIterator() -> Dictionary<TaskID, TaskRecord>.Iterator { byID.makeIterator() }

    // The index is derived: two tables with the same tasks are equal.
    public static func == (lhs: TaskTable, rhs: TaskTable) -> Bool { lhs.byID == rhs.byID }
    public func hash(into hasher: inout Hasher) { hasher.combine(byID) }
}
