import Allocation
import MesosModel
import Testing

/// SplitMix64: seeded so that a failing property case replays from the printed seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

/// Parses resource text, recording a test issue instead of crashing on a typo.
func res(_ text: String) -> Resources {
    do { return try Resources.parse(text) } catch {
        Issue.record("bad resources text \(text): \(error)")
        return Resources()
    }
}

func fw(_ name: String) -> FrameworkID { FrameworkID(name) }
func agent(_ name: String) -> AgentID { AgentID(name) }

extension HierarchicalAllocator {
    /// Allocation with a fixed seed, for tests where the agent order does not matter.
    mutating func allocate(now: Double, seed: UInt64 = 1) -> [OfferAllocation] {
        var generator = SeededGenerator(seed: seed)
        return allocate(now: now, using: &generator)
    }

    /// Declines every offer (optionally with a refuse filter).
    mutating func decline(_ offers: [OfferAllocation], refuseSeconds: Double?, now: Double) {
        for offer in offers {
            recoverResources(
                framework: offer.framework, agent: offer.agent, resources: offer.resources,
                refuseSeconds: refuseSeconds, now: now)
        }
    }

    /// Problems with the per-agent books: allocated must fit the total and available must be
    /// exactly total minus allocated.
    func bookkeepingProblems() -> [String] {
        var problems: [String] = []
        for id in agentIDs {
            let total = self.total(ofAgent: id)!
            let allocated = self.allocated(onAgent: id).values.reduce(Resources(), +).withoutAllocationInfo()
            if !total.contains(allocated) {
                problems.append("agent \(id) over-allocated: total \(total), allocated \(allocated)")
            }
            if available(onAgent: id)! != total - allocated {
                problems.append("agent \(id) available \(available(onAgent: id)!) != \(total) - \(allocated)")
            }
        }
        return problems
    }
}

/// Dominant share of `quantities` against `totals`, divided by `weight` (test-side model).
func modelShare(_ quantities: ResourceQuantities, totals: ResourceQuantities, weight: Double) -> Double {
    var dominant = 0.0
    for item in totals.items where item.millis > 0 {
        dominant = max(dominant, quantities[item.name] / totals[item.name])
    }
    return dominant / weight
}
