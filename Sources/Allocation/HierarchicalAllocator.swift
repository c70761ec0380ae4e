import MesosModel

/// Mesos' hierarchical weighted-DRF allocator as a pure value type.
///
/// Events go in through the mutating methods; `allocate(now:using:)` returns the offers to
/// make. Time is passed in as seconds on a monotonic clock and randomness (the agent shuffle)
/// comes from the caller's generator, so a run is reproducible from a seed.
///
/// Everything offered or used counts as allocated until `recoverResources` gives it back.
/// Invariant: for every agent, what the allocator hands out never exceeds what is available,
/// so allocated ≤ total holds for everything the allocator itself decided.
public struct HierarchicalAllocator: Sendable {
    public let config: AllocatorConfig

    var frameworks: [FrameworkID: FrameworkRecord] = [:]
    var agents = AgentTable()
    /// Agents on which each framework (known or not yet added) holds resources.
    var heldBy: [FrameworkID: Set<AgentID>] = [:]
    var roleTree = RoleTree()
    var filters: [FrameworkID: [FilterKey: [RefuseFilter]]] = [:]
    var earliestFilterExpiry = Double.infinity
    var roleWeights: [String: Double] = [:]
    var quotaLimits: [String: QuotaLimit] = [:]
    /// Scalar totals over all agents (the DRF denominator).
    var totals = ResourceQuantities() {
        didSet {
            let excluded = config.fairnessExcludedResourceNames
            shareDenominators = totals.items.filter { $0.millis > 0 && !excluded.contains($0.name) }
        }
    }
    /// `totals` without the names excluded from fairness; shares are computed per offer, so
    /// the filtering is done once per change of the totals instead.
    var shareDenominators: [ResourceQuantities.Item] = []
    var shareVersion = 0
    /// Reserved scalars per role, including reservations of sub-roles.
    var reservedByRole: [String: ResourceQuantities] = [:]
    /// Allocated reserved scalars per reservation role, including sub-roles.
    var allocatedReservedByRole: [String: ResourceQuantities] = [:]
    let globalMinimums: [ResourceQuantities]

    /// Set by events after which Mesos runs an allocation at once (framework added or
    /// activated, agent added or updated, revive); cleared by `allocate`. Declines and
    /// recovered resources do not set it: they wait for the next periodic run.
    public internal(set) var allocationRequested = false

    public init(config: AllocatorConfig = AllocatorConfig()) {
        self.config = config
        globalMinimums = config.minAllocatableResources.map(ResourceQuantities.init)
    }

    var shareContext: ShareContext {
        ShareContext(denominators: shareDenominators, weights: roleWeights, version: shareVersion)
    }

    // MARK: - Frameworks

    /// Adds a framework. `used` lists what it already runs on agents (after a master failover);
    /// when the agent was added with that usage already, the agent's record wins.
    public mutating func addFramework(
        _ id: FrameworkID, roles: Set<String>, suppressedRoles: Set<String> = [], active: Bool = true,
        used: [AgentID: Resources] = [:], options: FrameworkOptions = FrameworkOptions()
    ) {
        guard frameworks[id] == nil else {
            updateFramework(id, roles: roles, suppressedRoles: suppressedRoles, options: options)
            return
        }
        frameworks[id] = FrameworkRecord(
            roles: roles, suppressedRoles: suppressedRoles, active: active, options: options)
        for role in roles { startTracking(id, in: role) }
        for (agentID, resources) in used {
            guard let position = agents.position(of: agentID) else { continue }
            if (agents[position].allocated[id] ?? Resources()).isEmpty {
                recordOnAgent(agentID, framework: id, tagged(resources, for: id))
            }
        }
        for agentID in heldBy[id] ?? [] {
            for (role, part) in (agents[agentID]?.allocated[id] ?? Resources()).allocations {
                track(id, role: role, part, adding: true, countsAsAllocation: false)
            }
        }
        syncActivity(of: id)
        if active { allocationRequested = true }
    }

    /// Changes a framework's roles and suppressed roles (UPDATE_FRAMEWORK / re-subscription).
    /// Removed roles lose their filters; the framework stays listed in a removed role while it
    /// still holds resources there. Newly added or unsuppressed roles trigger an allocation.
    public mutating func updateFramework(
        _ id: FrameworkID, roles: Set<String>, suppressedRoles: Set<String>, options: FrameworkOptions? = nil
    ) {
        guard let old = frameworks[id] else { return }
        let suppressed = suppressedRoles.intersection(roles)
        let revived = old.suppressedRoles.subtracting(suppressed).intersection(roles)
        let added = roles.subtracting(old.roles)
        let removed = old.roles.subtracting(roles)
        frameworks[id]!.roles = roles
        frameworks[id]!.suppressedRoles = suppressed
        if let options {
            frameworks[id]!.options = options
            frameworks[id]!.minimums = options.minAllocatableResources.mapValues { $0.map(ResourceQuantities.init) }
        }
        for role in added { startTracking(id, in: role) }
        removeFilters(of: id, roles: removed.union(revived))
        syncActivity(of: id)
        for role in removed { stopTrackingIfIdle(id, in: role) }
        if !added.isEmpty || !revived.isEmpty { allocationRequested = true }
    }

    /// Removes a framework and frees everything it holds on every agent.
    public mutating func removeFramework(_ id: FrameworkID) {
        guard let record = frameworks[id] else { return }
        for agentID in heldBy[id] ?? [] {
            guard let held = agents[agentID]?.allocated[id] else { continue }
            release(held, of: id, on: agentID)
        }
        heldBy[id] = nil
        for role in record.trackedRoles {
            roleTree.removeFramework(id.value, from: role, context: shareContext)
        }
        filters[id] = nil
        frameworks[id] = nil
    }

    public mutating func activateFramework(_ id: FrameworkID) {
        guard frameworks[id] != nil else { return }
        frameworks[id]!.active = true
        syncActivity(of: id)
        allocationRequested = true
    }

    /// Deactivation keeps the framework's allocations but drops its refuse filters (as Mesos).
    public mutating func deactivateFramework(_ id: FrameworkID) {
        guard frameworks[id] != nil else { return }
        frameworks[id]!.active = false
        filters[id] = nil
        syncActivity(of: id)
    }

    /// SUPPRESS: no offers for `roles` (empty = all the framework's roles) until revived.
    public mutating func suppressOffers(framework id: FrameworkID, roles: Set<String> = []) {
        guard let record = frameworks[id] else { return }
        let target = roles.isEmpty ? record.roles : roles.intersection(record.roles)
        frameworks[id]!.suppressedRoles.formUnion(target)
        syncActivity(of: id)
    }

    /// REVIVE: un-suppresses `roles` (empty = all), clears their refuse filters and requests
    /// an allocation.
    public mutating func reviveOffers(framework id: FrameworkID, roles: Set<String> = []) {
        guard let record = frameworks[id] else { return }
        let target = roles.isEmpty ? record.roles : roles.intersection(record.roles)
        frameworks[id]!.suppressedRoles.subtract(target)
        removeFilters(of: id, roles: target)
        syncActivity(of: id)
        allocationRequested = true
    }

    // MARK: - Weights and quota

    /// Role weights (only non-default ones are stored; weight 1 is the default).
    public var weights: [String: Double] { roleWeights }

    /// Sets the weights of the listed roles (UPDATE_WEIGHTS); others keep theirs. Weights
    /// must be positive and finite; others are ignored. Takes effect at the next allocation.
    public mutating func updateWeights(_ weights: [String: Double]) {
        for (role, weight) in weights where weight.isFinite && weight > 0 {
            roleWeights[role] = weight == 1 ? nil : weight
        }
        shareVersion += 1
    }

    /// Sets the quota limits of `role` (scalar name → amount); empty limits remove the quota.
    /// A role's consumption is its reservations plus its unreserved allocations (offered or
    /// used), sub-roles included; offers are trimmed so consumption never exceeds a limit.
    public mutating func updateQuota(role: String, limits: [String: Double]) {
        let valid = limits.filter { $0.value.isFinite && $0.value >= 0 }
        if valid.isEmpty {
            quotaLimits[role] = nil
        } else {
            quotaLimits[role] = QuotaLimit(
                limits: ResourceQuantities(valid), names: Set(valid.keys), plain: valid)
        }
    }

    /// Configured quota limits by role.
    public var quotas: [String: [String: Double]] { quotaLimits.mapValues(\.plain) }

    // MARK: - Framework tracking helpers

    mutating func startTracking(_ id: FrameworkID, in role: String) {
        guard let record = frameworks[id], !record.trackedRoles.contains(role) else { return }
        roleTree.addFramework(id.value, to: role)
        frameworks[id]!.trackedRoles.insert(role)
        roleTree.setFramework(id.value, in: role, active: record.isOfferable(in: role), context: shareContext)
    }

    /// Drops the framework from a role it no longer subscribes to once it holds nothing there.
    mutating func stopTrackingIfIdle(_ id: FrameworkID, in role: String) {
        guard let record = frameworks[id], record.trackedRoles.contains(role), !record.roles.contains(role) else {
            return
        }
        let stillHolds = (heldBy[id] ?? []).contains { agentID in
            agents[agentID]?.allocated[id]?.allocationRoles.contains(role) ?? false
        }
        if stillHolds { return }
        roleTree.removeFramework(id.value, from: role, context: shareContext)
        frameworks[id]!.trackedRoles.remove(role)
    }

    /// Brings every sorter entry of the framework in line with active/subscribed/suppressed.
    mutating func syncActivity(of id: FrameworkID) {
        guard let record = frameworks[id] else { return }
        let context = shareContext
        for role in record.trackedRoles {
            roleTree.setFramework(id.value, in: role, active: record.isOfferable(in: role), context: context)
        }
    }

    /// Charges or refunds resources (tagged for `role`) to the framework's shares and to quota
    /// bookkeeping. Only frameworks the allocator knows are charged, as in Mesos.
    mutating func track(
        _ id: FrameworkID, role: String, _ resources: Resources, adding: Bool, countsAsAllocation: Bool
    ) {
        guard frameworks[id] != nil else { return }
        if adding { startTracking(id, in: role) }
        if let roleIndex = roleTree.index(of: role) {
            roleTree.charge(
                resources.scalarQuantities, framework: id.value, at: roleIndex, adding: adding,
                countsAsAllocation: countsAsAllocation, context: shareContext)
        }
        chargeReservations(resources, adding: adding)
    }

    /// Quota bookkeeping of allocated reserved scalars, by reservation role.
    mutating func chargeReservations(_ resources: Resources, adding: Bool) {
        let reserved = resources.reserved()
        if reserved.isEmpty { return }
        for (reservationRole, part) in reserved.reservationsByRole {
            adjust(&allocatedReservedByRole, role: reservationRole, by: part.scalarQuantities, adding: adding)
        }
    }

    /// Adds or removes quantities for `role` and all its ancestors in a per-role table.
    func adjust(
        _ table: inout [String: ResourceQuantities], role: String, by quantities: ResourceQuantities, adding: Bool
    ) {
        if quantities.isEmpty { return }
        for target in [role] + RoleName.ancestors(of: role) {
            var value = table[target] ?? ResourceQuantities()
            if adding { value += quantities } else { value -= quantities }
            table[target] = value.isEmpty ? nil : value
        }
    }

    /// Tags untagged resources with the framework's role when it has exactly one; resources
    /// already carrying allocation info are left alone.
    func tagged(_ resources: Resources, for id: FrameworkID) -> Resources {
        let untagged = resources.unallocated
        guard !untagged.isEmpty, let roles = frameworks[id]?.roles, roles.count == 1, let role = roles.first else {
            return resources
        }
        return (resources - untagged) + untagged.allocated(to: role)
    }
}
