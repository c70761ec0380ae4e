import MesosModel

extension HierarchicalAllocator {
    /// Longest refuse filter Mesos accepts (365 days); longer requests are capped.
    public static let maximumRefuseSeconds: Double = 365 * 24 * 3600
    /// `Filters.refuse_seconds` default, used when a negative value is given.
    public static let defaultRefuseSeconds: Double = 5

    /// One allocation run. Active agents are visited in a random order; on each, roles are taken
    /// in hierarchical weighted-DRF order (re-evaluated per agent, so earlier offers count), and
    /// inside a role frameworks in DRF order. A framework gets everything on the agent that its
    /// role may use (unreserved plus reserved for the role or an ancestor), trimmed by quota,
    /// unless it is suppressed, the offer is below its minimum, or a refuse filter covers it.
    public mutating func allocate<G: RandomNumberGenerator>(
        now: Double, using generator: inout G
    )
        -> [OfferAllocation]
    {
        allocationRequested = false
        if now >= earliestFilterExpiry { pruneFilters(now: now) }
        var candidates = (0..<agents.count).filter { agents[$0].active }
        candidates.shuffle(using: &generator)
        let context = shareContext
        var offers: [OfferAllocation] = []
        for position in candidates {
            allocate(on: position, now: now, context: context, into: &offers)
        }
        return offers
    }

    private mutating func allocate(
        on position: Int, now: Double, context: ShareContext, into offers: inout [OfferAllocation]
    ) {
        if agents[position].available.isEmpty { return }
        let agentID = agents.ids[position]
        let hasGPUs = agents[position].hasGPUs
        for roleIndex in roleTree.orderedRoles(context: context) {
            let available = agents[position].available
            if available.isEmpty { break }
            let role = roleTree.nodes[roleIndex]!.path
            let candidate = trimmedToQuota(available.allocatable(to: role), role: role)
            if candidate.isEmpty { continue }
            let quantities = candidate.scalarQuantities
            roleTree.refreshFrameworks(of: roleIndex, context: context)
            // The first eligible framework takes everything this role may have here; later
            // frameworks of the role would only see the quota-trimmed rest, which the role
            // cannot take. (Chosen before charging: charging re-sorts the order being read,
            // which would copy it if it were still being iterated.)
            guard
                let frameworkID = firstTaker(
                    of: roleIndex, candidate: candidate, quantities: quantities, hasGPUs: hasGPUs, agent: agentID,
                    now: now)
            else { continue }
            let offered = candidate.allocated(to: role)
            agents[position].allocated[frameworkID, default: Resources()] += offered
            agents[position].takeOffered(candidate)
            heldBy[frameworkID, default: []].insert(agentID)
            roleTree.charge(
                quantities, framework: frameworkID.value, at: roleIndex, adding: true, countsAsAllocation: true,
                context: context)
            chargeReservations(offered, adding: true)
            offers.append(OfferAllocation(framework: frameworkID, role: role, agent: agentID, resources: offered))
        }
    }

    /// The first framework of the role, in DRF order, that may be offered `candidate`.
    private func firstTaker(
        of roleIndex: Int, candidate: Resources, quantities: ResourceQuantities, hasGPUs: Bool, agent: AgentID,
        now: Double
    ) -> FrameworkID? {
        let role = roleTree.nodes[roleIndex]!.path
        for key in roleTree.nodes[roleIndex]!.frameworks.order {
            let frameworkID = FrameworkID(key.name)
            guard let framework = frameworks[frameworkID] else { continue }
            if config.filterGPUResources && hasGPUs && !framework.options.gpuResources { continue }
            if !isAllocatable(quantities, for: framework, role: role) { continue }
            if isFiltered(candidate, framework: frameworkID, role: role, agent: agent, now: now) { continue }
            return frameworkID
        }
        return nil
    }

    /// Any-of minimum check (`--min_allocatable_resources` or the framework's offer filter)
    /// on the scalar quantities of a non-empty offer.
    func isAllocatable(_ quantities: ResourceQuantities, for framework: FrameworkRecord, role: String) -> Bool {
        let minimums = framework.minimums[role] ?? globalMinimums
        if minimums.isEmpty { return true }
        return minimums.contains { quantities.contains($0) }
    }

    /// Trims unreserved (and ancestor-reserved) scalars so that no role with quota on the path
    /// from `role` to the top would exceed its limit.
    func trimmedToQuota(_ candidate: Resources, role: String) -> Resources {
        if quotaLimits.isEmpty { return candidate }
        var result = candidate
        for quotaRole in [role] + RoleName.ancestors(of: role) {
            guard let limit = quotaLimits[quotaRole] else { continue }
            let headroom = limit.limits - quotaConsumption(role: quotaRole)
            result = result.shrinkingScalars(toFit: headroom, limitedNames: limit.names) { reservationRole in
                // Reservations of the quota role's own subtree already count as consumed.
                guard let reservationRole else { return true }
                return !RoleName.isSelfOrSubrole(reservationRole, of: quotaRole)
            }
        }
        return result
    }

    /// Quota consumption: reservations of the role's subtree plus everything else allocated
    /// (offered or used) in that subtree.
    public func quotaConsumption(role: String) -> ResourceQuantities {
        let allocated = roleTree.subtreeAllocation(role)
        let allocatedReserved = allocatedReservedByRole[role] ?? ResourceQuantities()
        let reserved = reservedByRole[role] ?? ResourceQuantities()
        return allocated - allocatedReserved + reserved
    }

    // MARK: - Recovery and operations

    /// Gives back resources a framework held on an agent: a declined or rescinded offer, or
    /// resources freed by finished tasks. Only what the framework actually holds is taken back
    /// (the rest is ignored). With `refuseSeconds` a refuse filter is installed for the role:
    /// nil or 0 = none, negative = 5 s, above 365 days = 365 days, and never shorter than the
    /// allocation interval. Recovery does not request an allocation run.
    public mutating func recoverResources(
        framework: FrameworkID, agent: AgentID, resources: Resources, refuseSeconds: Double?, now: Double
    ) {
        guard !resources.isEmpty, agents.contains(agent) else { return }
        let recovered = tagged(resources, for: framework)
        release(recovered, of: framework, on: agent)
        guard frameworks[framework] != nil, let seconds = refuseSeconds, seconds != 0, !seconds.isNaN else { return }
        let requested = seconds < 0 ? HierarchicalAllocator.defaultRefuseSeconds : seconds
        let lifetime = max(min(requested, HierarchicalAllocator.maximumRefuseSeconds), config.allocationInterval)
        for (role, part) in recovered.allocations {
            let filter = RefuseFilter(resources: part.withoutAllocationInfo(), expiresAt: now + lifetime)
            filters[framework, default: [:]][FilterKey(role: role, agent: agent), default: []].append(filter)
            earliestFilterExpiry = min(earliestFilterExpiry, filter.expiresAt)
        }
    }

    /// Applies RESERVE/UNRESERVE (or any other conversion) to resources the framework holds on
    /// the agent: its allocation and the agent's total both change from `from` to `to`.
    /// Returns false (and changes nothing) when the framework does not hold `from`.
    @discardableResult
    public mutating func transformAllocation(
        framework: FrameworkID, agent: AgentID, from: Resources, to: Resources
    ) -> Bool {
        let source = tagged(from, for: framework)
        let target = tagged(to, for: framework)
        guard let held = agents[agent]?.allocated[framework], held.contains(source) else { return false }
        let released = release(source, of: framework, on: agent)
        let total = agents[agent]!.total
        updateTotalKeepingRequestFlag(
            agent, total: total - released.withoutAllocationInfo() + target.withoutAllocationInfo())
        recordOnAgent(agent, framework: framework, target)
        for (role, part) in target.allocations {
            track(framework, role: role, part, adding: true, countsAsAllocation: false)
        }
        return true
    }

    private mutating func updateTotalKeepingRequestFlag(_ agent: AgentID, total: Resources) {
        let requested = allocationRequested
        updateAgent(agent, total: total)
        allocationRequested = requested
    }

    // MARK: - Filters

    func isFiltered(
        _ candidate: Resources, framework: FrameworkID, role: String, agent: AgentID, now: Double
    )
        -> Bool
    {
        guard let active = filters[framework]?[FilterKey(role: role, agent: agent)] else { return false }
        return active.contains { now < $0.expiresAt && $0.resources.contains(candidate) }
    }

    mutating func pruneFilters(now: Double) {
        var earliest = Double.infinity
        for frameworkID in Array(filters.keys) {
            var byKey = filters[frameworkID]!
            for (key, list) in byKey {
                let live = list.filter { now < $0.expiresAt }
                byKey[key] = live.isEmpty ? nil : live
                for filter in live { earliest = min(earliest, filter.expiresAt) }
            }
            filters[frameworkID] = byKey.isEmpty ? nil : byKey
        }
        earliestFilterExpiry = earliest
    }

    mutating func removeFilters(of framework: FrameworkID, roles: Set<String>) {
        guard !roles.isEmpty, let byKey = filters[framework] else { return }
        let kept = byKey.filter { !roles.contains($0.key.role) }
        filters[framework] = kept.isEmpty ? nil : kept
    }
}
