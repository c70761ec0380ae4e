import MesosModel

/// Allocator settings (Mesos master flags of the same meaning).
public struct AllocatorConfig: Sendable, Hashable {
    /// `--allocation_interval`, seconds; also the shortest lifetime of a refuse filter.
    public var allocationInterval: Double
    /// `--min_allocatable_resources`: an offer must reach every amount of at least one entry
    /// (any-of). Empty = any non-empty offer is fine.
    public var minAllocatableResources: [[String: Double]]
    /// `--fair_sharing_excluded_resource_names`: scalars ignored when computing DRF shares.
    public var fairnessExcludedResourceNames: Set<String>
    /// `--filter_gpu_resources`: agents with GPUs are offered only to GPU_RESOURCES frameworks.
    public var filterGPUResources: Bool

    public init(
        allocationInterval: Double = 1,
        minAllocatableResources: [[String: Double]] = [["cpus": 0.01], ["mem": 32]],
        fairnessExcludedResourceNames: Set<String> = [],
        filterGPUResources: Bool = true
    ) {
        self.allocationInterval = allocationInterval
        self.minAllocatableResources = minAllocatableResources
        self.fairnessExcludedResourceNames = fairnessExcludedResourceNames
        self.filterGPUResources = filterGPUResources
    }
}

/// What the allocator needs to know about a framework beyond its roles.
public struct FrameworkOptions: Sendable, Hashable {
    /// The framework declared the GPU_RESOURCES capability.
    public var gpuResources: Bool
    /// `FrameworkInfo.offer_filters[role].min_allocatable_resources`; replaces the global
    /// minimum for that role when present.
    public var minAllocatableResources: [String: [[String: Double]]]

    public init(gpuResources: Bool = false, minAllocatableResources: [String: [[String: Double]]] = [:]) {
        self.gpuResources = gpuResources
        self.minAllocatableResources = minAllocatableResources
    }
}

/// One offer to make: all of `resources` (tagged with `allocation_info.role = role`) on one
/// agent for one framework in one role. The master turns each into one Offer.
public struct OfferAllocation: Sendable, Hashable {
    public var framework: FrameworkID
    public var role: String
    public var agent: AgentID
    public var resources: Resources

    public init(framework: FrameworkID, role: String, agent: AgentID, resources: Resources) {
        self.framework = framework
        self.role = role
        self.agent = agent
        self.resources = resources
    }
}

/// Bookkeeping for one framework.
struct FrameworkRecord: Sendable {
    var roles: Set<String>
    var suppressedRoles: Set<String>
    var active: Bool
    var options: FrameworkOptions
    /// Roles whose framework sorter lists this framework (subscribed, or still holding resources).
    var trackedRoles: Set<String> = []
    /// Parsed per-role minimums (nil entry = use the global minimum).
    var minimums: [String: [ResourceQuantities]]

    init(roles: Set<String>, suppressedRoles: Set<String>, active: Bool, options: FrameworkOptions) {
        self.roles = roles
        self.suppressedRoles = suppressedRoles.intersection(roles)
        self.active = active
        self.options = options
        minimums = options.minAllocatableResources.mapValues { $0.map(ResourceQuantities.init) }
    }

    func isOfferable(in role: String) -> Bool {
        active && roles.contains(role) && !suppressedRoles.contains(role)
    }
}

/// Bookkeeping for one agent.
///
/// Invariant: `available == total - Σ allocated` (without allocation info, clamped). It is kept
/// incrementally — an offer subtracts what it takes, a release adds back what it frees — because
/// re-deriving it from the sum costs a range union per offer (fragmented port ranges make that
/// the bulk of an allocation run). The incremental form is exact only while the allocations fit
/// inside the total; an agent whose total shrank below them (`overcommitted`) re-derives
/// `available` from scratch on every change instead.
struct AgentRecord: Sendable {
    var total: Resources
    /// Offered or used, per framework, tagged with allocation roles.
    var allocated: [FrameworkID: Resources] = [:]
    private(set) var available: Resources
    private(set) var overcommitted = false
    var active: Bool

    init(total: Resources, active: Bool) {
        self.total = total
        available = total
        self.active = active
    }

    var hasGPUs: Bool { total.gpus > 0 }

    /// Takes `plain` (no allocation info) out of `available` after it was added to `allocated`.
    /// Subtracting is exact whenever `plain` lies inside `available`, overcommitted or not.
    mutating func take(_ plain: Resources) {
        if available.contains(plain) { takeOffered(plain) } else { recomputeAvailable() }
    }

    /// `take` for what an allocation run just carved out of `available` itself.
    mutating func takeOffered(_ plain: Resources) {
        // Usually the offer is all there is (an unreserved agent, no quota): the very same bag,
        // which compares equal at once, where the subtraction would walk every port range.
        if plain == available { available = Resources() } else { available -= plain }
    }

    /// Puts `plain` back into `available` after it was removed from `allocated`.
    mutating func giveBack(_ plain: Resources) {
        if overcommitted { recomputeAvailable() } else { available += plain }
    }

    /// Re-derives `available` (and whether the allocations still fit) from the allocations.
    mutating func recomputeAvailable() {
        var allocatedTotal = Resources()
        for held in allocated.values { allocatedTotal += held.withoutAllocationInfo() }
        overcommitted = !total.contains(allocatedTotal)
        available = total - allocatedTotal
    }
}

/// A framework's refusal of some resources on one agent in one role, until `expiresAt`.
struct RefuseFilter: Sendable {
    var resources: Resources
    var expiresAt: Double
}

struct FilterKey: Hashable, Sendable {
    var role: String
    var agent: AgentID
}

struct QuotaLimit: Sendable {
    var limits: ResourceQuantities
    /// Names with a limit, including limits of zero (which `limits` does not store).
    var names: Set<String>
    var plain: [String: Double]
}
