import Allocation
import MesosModel
import Testing

extension AllocatorScenario {
    /// Invariants of one allocation run, checked against the test-side model.
    mutating func check(
        _ offers: [OfferAllocation], availableBefore: [AgentID: Resources], quotaBefore: [String: ResourceQuantities]
    ) {
        for problem in allocator.bookkeepingProblems() { fail(problem) }
        var offeredPerAgent: [AgentID: Resources] = [:]
        for offer in offers {
            checkEligibility(of: offer)
            offeredPerAgent[offer.agent, default: Resources()] += offer.resources.withoutAllocationInfo()
        }
        for (agentID, offered) in offeredPerAgent where !(availableBefore[agentID] ?? Resources()).contains(offered) {
            fail("offers on \(agentID) (\(offered)) exceed what was available (\(availableBefore[agentID]!))")
        }
        let quotaAfter = quotaConsumptionModel()
        for (role, limits) in allocator.quotas {
            for (name, limit) in limits {
                let after = quotaAfter[role]?[name] ?? 0
                let before = quotaBefore[role]?[name] ?? 0
                if after > max(limit, before) + 1e-9 {
                    fail("quota of \(role) exceeded for \(name): \(after) > limit \(limit) (before \(before))")
                }
            }
        }
        if allocator.quotas.isEmpty { checkNothingLeftIdle() }
    }

    private mutating func checkEligibility(of offer: OfferAllocation) {
        let plain = offer.resources.withoutAllocationInfo()
        guard let framework = frameworks[offer.framework] else {
            return fail("offer to unknown framework \(offer.framework)")
        }
        if !framework.roles.contains(offer.role) { fail("offer to \(offer.framework) in foreign role \(offer.role)") }
        if framework.suppressed.contains(offer.role) { fail("offer to suppressed \(offer.framework)/\(offer.role)") }
        if !framework.active { fail("offer to inactive framework \(offer.framework)") }
        if !activeAgents.contains(offer.agent) { fail("offer on inactive agent \(offer.agent)") }
        if offer.resources.allocationRoles != [offer.role] { fail("offer not tagged with its role: \(offer)") }
        if plain.allocatable(to: offer.role) != plain {
            fail("offer to role \(offer.role) carries another role's reservation: \(plain)")
        }
        if plain.cpus < 0.01 && plain.mem < 32 { fail("offer below the minimum: \(plain)") }
        if plain.gpus > 0 && !framework.gpu { fail("GPU offer to a framework without GPU_RESOURCES") }
        if (allocator.total(ofAgent: offer.agent)?.gpus ?? 0) > 0 && !framework.gpu {
            fail("offer of a GPU agent to a framework without GPU_RESOURCES")
        }
        for filter in filters
        where filter.framework == offer.framework && filter.role == offer.role && filter.agent == offer.agent
            && now < filter.expiresAt && filter.resources.contains(plain)
        {
            fail("offer \(plain) to \(offer.framework) should have been filtered until \(filter.expiresAt)")
        }
    }

    /// Without quota the allocator is work conserving: whatever is left on an active agent is
    /// unusable for every eligible framework (below minimum or covered by one of its filters).
    private mutating func checkNothingLeftIdle() {
        for agentID in knownAgents where activeAgents.contains(agentID) {
            let available = allocator.available(onAgent: agentID)!
            let hasGPUs = allocator.total(ofAgent: agentID)!.gpus > 0
            for (id, framework) in frameworks where framework.active {
                if hasGPUs && !framework.gpu { continue }
                for role in framework.roles.subtracting(framework.suppressed) {
                    let candidate = available.allocatable(to: role)
                    let usable = candidate.cpus >= 0.01 || candidate.mem >= 32
                    let filtered = filters.contains { filter in
                        filter.framework == id && filter.role == role && filter.agent == agentID
                            && now < filter.expiresAt && filter.resources.contains(candidate)
                    }
                    if usable && !filtered {
                        fail("\(candidate) left idle on \(agentID) although \(id)/\(role) could take it")
                    }
                }
            }
        }
    }

    /// Quota consumption computed from public views only: reservations of the role's subtree
    /// plus what is held in the subtree that is not reserved inside it.
    func quotaConsumptionModel() -> [String: ResourceQuantities] {
        var result: [String: ResourceQuantities] = [:]
        for quotaRole in allocator.quotas.keys {
            var consumed = ResourceQuantities()
            for agentID in knownAgents {
                for (role, reserved) in allocator.total(ofAgent: agentID)!.reservationsByRole
                where RoleName.isSelfOrSubrole(role, of: quotaRole) {
                    consumed += reserved.scalarQuantities
                }
                for held in allocator.allocated(onAgent: agentID).values {
                    for (role, part) in held.allocations where RoleName.isSelfOrSubrole(role, of: quotaRole) {
                        consumed += part.scalarQuantities { reservationRole in
                            guard let reservationRole else { return true }
                            return !RoleName.isSelfOrSubrole(reservationRole, of: quotaRole)
                        }
                    }
                }
            }
            result[quotaRole] = consumed
        }
        return result
    }
}
