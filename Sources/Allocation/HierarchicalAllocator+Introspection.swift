import MesosModel

/// Read-only views for endpoints (/roles, /metrics), tests and invariant checkers.
extension HierarchicalAllocator {
    public var frameworkIDs: [FrameworkID] { frameworks.keys.sorted() }

    public var agentIDs: [AgentID] { agents.ids.sorted() }

    /// Scalar totals over all agents (active or not), the denominator of every share.
    public var clusterTotals: ResourceQuantities { totals }

    /// Roles the allocator currently tracks (with frameworks or allocations, and their ancestors).
    public var knownRoles: [String] { roleTree.rolePaths }

    public func total(ofAgent id: AgentID) -> Resources? { agents[id]?.total }

    /// What is neither offered nor used on the agent.
    public func available(onAgent id: AgentID) -> Resources? { agents[id]?.available }

    /// What each framework holds on the agent (tagged with allocation roles).
    public func allocated(onAgent id: AgentID) -> [FrameworkID: Resources] { agents[id]?.allocated ?? [:] }

    public func isAgentActive(_ id: AgentID) -> Bool { agents[id]?.active ?? false }

    /// What the framework holds, by agent.
    public func allocated(framework id: FrameworkID) -> [AgentID: Resources] {
        var result: [AgentID: Resources] = [:]
        for agentID in heldBy[id] ?? [] {
            if let held = agents[agentID]?.allocated[id] { result[agentID] = held }
        }
        return result
    }

    /// Scalar allocation of `role` including its sub-roles (frameworks known to the allocator).
    public func allocated(role: String) -> ResourceQuantities {
        roleTree.subtreeAllocation(role)
    }

    /// Reserved scalars of `role` including sub-roles, allocated or not.
    public func reserved(role: String) -> ResourceQuantities {
        reservedByRole[role] ?? ResourceQuantities()
    }

    /// Weighted DRF share of `role` among its siblings: dominant fraction of its subtree's
    /// allocation over the cluster totals, divided by the role's weight.
    public func share(role: String) -> Double {
        roleTree.share(of: role, context: shareContext)
    }

    /// Unweighted dominant share of `role`'s subtree allocation.
    public func dominantShare(role: String) -> Double {
        var context = shareContext
        context.weights = [:]
        return roleTree.share(of: role, context: context)
    }

    /// Dominant share of a framework inside one role.
    public func share(framework id: FrameworkID, role: String) -> Double {
        guard let index = roleTree.index(of: role) else { return 0 }
        return roleTree.node(index).frameworks.share(of: id.value, in: shareContext)
    }

    public func roles(of framework: FrameworkID) -> Set<String> { frameworks[framework]?.roles ?? [] }

    public func suppressedRoles(of framework: FrameworkID) -> Set<String> {
        frameworks[framework]?.suppressedRoles ?? []
    }

    public func isFrameworkActive(_ id: FrameworkID) -> Bool { frameworks[id]?.active ?? false }

    /// Refuse filters currently installed (expired ones are pruned at the next allocation).
    public var refuseFilterCount: Int {
        filters.values.reduce(0) { sum, byKey in sum + byKey.values.reduce(0) { $0 + $1.count } }
    }

    /// Live refuse filters of a framework at `now`.
    public func refuseFilterCount(framework id: FrameworkID, now: Double) -> Int {
        (filters[id] ?? [:]).values.reduce(0) { sum, list in sum + list.filter { now < $0.expiresAt }.count }
    }
}
