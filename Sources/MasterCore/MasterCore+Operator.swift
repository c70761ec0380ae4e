import MesosModel

extension MasterCore {
    /// `PUT /weights` and UPDATE_WEIGHTS: weights are durable and take effect at the next allocation.
    public mutating func updateWeights(
        _ weights: [(role: String, weight: Double)]
    ) -> Result<[MasterAction], MasterCallError> {
        for entry in weights {
            if let error = isValidRoleName(entry.role) {
                return .failure(.badRequest("Invalid role '\(entry.role)': \(error)"))
            }
            if entry.role == "*" { return .failure(.badRequest("The weight of role '*' cannot be changed")) }
            if !(entry.weight.isFinite && entry.weight > 0) {
                return .failure(.badRequest("Weight of role '\(entry.role)' must be a positive number"))
            }
        }
        for entry in weights { registry.weights[entry.role] = entry.weight }
        allocator.updateWeights(registry.weights)
        return .success([.persistRegistry, .requestAllocation])
    }

    /// UPDATE_QUOTA: limits for top-level roles, scalar resources only.
    public mutating func updateQuota(
        _ configs: [(role: String, limits: [String: Double])]
    ) -> Result<[MasterAction], MasterCallError> {
        for config in configs {
            if let error = isValidRoleName(config.role) {
                return .failure(.badRequest("Invalid role '\(config.role)': \(error)"))
            }
            if config.role == "*" { return .failure(.badRequest("Quota cannot be set for role '*'")) }
            if config.role.contains("/") {
                return .failure(.badRequest("Quota can only be set for top-level roles, not '\(config.role)'"))
            }
            for (name, value) in config.limits where !(value.isFinite && value >= 0) || name.isEmpty {
                return .failure(.badRequest("Quota limit '\(name)' of role '\(config.role)' must be non-negative"))
            }
        }
        for config in configs {
            registry.quotas[config.role] = config.limits.isEmpty ? nil : config.limits
            allocator.updateQuota(role: config.role, limits: config.limits)
        }
        return .success([.persistRegistry, .requestAllocation])
    }

    /// Operator RESERVE_RESOURCES: unreserved resources on an agent become reserved.
    /// Offers holding them are rescinded first, as in Mesos.
    public mutating func reserveResources(
        agentID: AgentID, resources raw: [Resource], now: Double
    ) -> Result<[MasterAction], MasterCallError> {
        guard let agent = agents[agentID], !agent.removed else {
            return .failure(.badRequest("Unknown agent \(agentID)"))
        }
        let reserved = Resources(raw).withoutAllocationInfo()
        if reserved.isEmpty { return .failure(.badRequest("No resources to reserve")) }
        if let error = reserved.validationError() { return .failure(.badRequest(error)) }
        guard
            reserved.list.allSatisfy({ $0.reservations?.last?.type == .dynamic && $0.reservations?.last?.role != nil })
        else { return .failure(.badRequest("Every resource must carry a DYNAMIC reservation with a role")) }
        let source = reserved.poppingReservation()
        // Offered resources count as free: their offers are rescinded below.
        guard freeResources(on: agentID).contains(source) else {
            return .failure(
                MasterCallError(409, "Agent \(agentID) does not have \(source.summary) unreserved and unused"))
        }
        var actions = rescindOffers(on: agentID, now: now)
        allocator.removeAgent(agentID)
        recordReservationChange(agentID: agentID, add: reserved, remove: Resources())
        allocator.addAgent(agentID, total: agents[agentID]!.totalResources, used: usedResources(on: agentID))
        if !agent.connected { allocator.deactivateAgent(agentID) }
        actions += [.persistRegistry, .requestAllocation]
        return .success(actions)
    }

    /// Operator UNRESERVE_RESOURCES: dynamically reserved, unused resources go back to the pool.
    public mutating func unreserveResources(
        agentID: AgentID, resources raw: [Resource], now: Double
    ) -> Result<[MasterAction], MasterCallError> {
        guard let agent = agents[agentID], !agent.removed else {
            return .failure(.badRequest("Unknown agent \(agentID)"))
        }
        let reserved = Resources(raw).withoutAllocationInfo()
        if reserved.isEmpty { return .failure(.badRequest("No resources to unreserve")) }
        guard reserved.list.allSatisfy({ $0.reservations?.last?.type == .dynamic }) else {
            return .failure(.badRequest("Only dynamically reserved resources can be unreserved"))
        }
        let registered = Resources(registry.reservations[agentID.value] ?? [])
        guard registered.contains(reserved), freeResources(on: agentID).contains(reserved) else {
            return .failure(MasterCallError(409, "Agent \(agentID) has no unused reservation \(reserved.summary)"))
        }
        var actions = rescindOffers(on: agentID, now: now)
        allocator.removeAgent(agentID)
        recordReservationChange(agentID: agentID, add: Resources(), remove: reserved)
        allocator.addAgent(agentID, total: agents[agentID]!.totalResources, used: usedResources(on: agentID))
        if !agent.connected { allocator.deactivateAgent(agentID) }
        actions += [.persistRegistry, .requestAllocation]
        return .success(actions)
    }

    mutating func rescindOffers(on agentID: AgentID, now: Double) -> [MasterAction] {
        var actions: [MasterAction] = []
        for offer in offers.values.filter({ $0.agentID == agentID }).sorted(by: { $0.id < $1.id }) {
            actions += rescindOffer(offer.id, now: now)
        }
        return actions
    }

    /// Total minus everything in use, without allocation tags.
    func freeResources(on agentID: AgentID) -> Resources {
        guard let agent = agents[agentID] else { return Resources() }
        var used = Resources()
        for resources in usedResources(on: agentID).values { used += resources.withoutAllocationInfo() }
        return agent.totalResources - used
    }
}
