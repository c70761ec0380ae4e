import MesosModel

extension HierarchicalAllocator {
    /// Adds an agent with its `total` resources. `used` is what frameworks already run there
    /// (tagged with allocation roles); usage of frameworks not added yet is kept on the agent
    /// and charged to them when they are added.
    public mutating func addAgent(
        _ id: AgentID, total: Resources, used: [FrameworkID: Resources] = [:], active: Bool = true
    ) {
        guard !agents.contains(id) else {
            updateAgent(id, total: total)
            return
        }
        let cleanTotal = total.withoutAllocationInfo()
        agents.insert(AgentRecord(total: cleanTotal, active: active), for: id)
        changeTotals(adding: cleanTotal)
        for (frameworkID, resources) in used where !resources.isEmpty {
            let usage = tagged(resources, for: frameworkID)
            recordOnAgent(id, framework: frameworkID, usage)
            for (role, part) in usage.allocations {
                track(frameworkID, role: role, part, adding: true, countsAsAllocation: false)
            }
        }
        allocationRequested = true
    }

    /// Replaces an agent's total (agent re-registration with new resources, or operator
    /// RESERVE/UNRESERVE of resources nobody holds). Allocations are kept; if the new total no
    /// longer covers them, nothing more is offered there until they are recovered.
    public mutating func updateAgent(_ id: AgentID, total: Resources) {
        guard let position = agents.position(of: id) else { return }
        let cleanTotal = total.withoutAllocationInfo()
        let oldTotal = agents[position].total
        guard cleanTotal != oldTotal else { return }
        changeTotals(removing: oldTotal)
        changeTotals(adding: cleanTotal)
        agents[position].total = cleanTotal
        agents[position].recomputeAvailable()
        allocationRequested = true
    }

    /// Removes an agent: its allocations are no longer charged to anybody and filters that
    /// mention it are dropped.
    public mutating func removeAgent(_ id: AgentID) {
        guard let record = agents[id] else { return }
        for (frameworkID, held) in record.allocated {
            release(held, of: frameworkID, on: id)
        }
        changeTotals(removing: record.total)
        agents.remove(id)
        for frameworkID in Array(filters.keys) {
            filters[frameworkID] = filters[frameworkID]!.filter { $0.key.agent != id }
            if filters[frameworkID]!.isEmpty { filters[frameworkID] = nil }
        }
    }

    /// An active agent is offered again; triggers an allocation.
    public mutating func activateAgent(_ id: AgentID) {
        guard let position = agents.position(of: id) else { return }
        agents[position].active = true
        allocationRequested = true
    }

    /// A deactivated (e.g. draining or unreachable) agent keeps its allocations but gets no offers.
    public mutating func deactivateAgent(_ id: AgentID) {
        guard let position = agents.position(of: id) else { return }
        agents[position].active = false
    }

    // MARK: - Agent bookkeeping

    /// Adds `resources` (tagged) to what `framework` holds on the agent, without charging shares.
    mutating func recordOnAgent(_ agentID: AgentID, framework: FrameworkID, _ resources: Resources) {
        guard !resources.isEmpty, let position = agents.position(of: agentID) else { return }
        agents[position].allocated[framework, default: Resources()] += resources
        agents[position].take(resources.withoutAllocationInfo())
        heldBy[framework, default: []].insert(agentID)
    }

    /// Takes back from `framework` on the agent whatever part of `resources` it holds, refunds
    /// its shares, and returns what was actually released.
    @discardableResult
    mutating func release(_ resources: Resources, of framework: FrameworkID, on agentID: AgentID) -> Resources {
        guard let position = agents.position(of: agentID), let held = agents[position].allocated[framework] else {
            return Resources()
        }
        let kept = held - resources
        let released = held - kept
        if released.isEmpty { return released }
        agents[position].allocated[framework] = kept.isEmpty ? nil : kept
        if kept.isEmpty {
            heldBy[framework]?.remove(agentID)
            if heldBy[framework]?.isEmpty == true { heldBy[framework] = nil }
        }
        agents[position].giveBack(released.withoutAllocationInfo())
        for (role, part) in released.allocations {
            track(framework, role: role, part, adding: false, countsAsAllocation: false)
            stopTrackingIfIdle(framework, in: role)
        }
        return released
    }

    /// Cluster totals and reservation bookkeeping follow every change of an agent's total.
    mutating func changeTotals(adding total: Resources) {
        totals += total.scalarQuantities
        shareVersion += 1
        for (role, part) in total.reservationsByRole {
            adjust(&reservedByRole, role: role, by: part.scalarQuantities, adding: true)
        }
    }

    mutating func changeTotals(removing total: Resources) {
        totals -= total.scalarQuantities
        shareVersion += 1
        for (role, part) in total.reservationsByRole {
            adjust(&reservedByRole, role: role, by: part.scalarQuantities, adding: false)
        }
    }
}
