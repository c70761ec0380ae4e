import Allocation
import MesosModel
import Testing

/// A random cluster driven through the allocator, with a test-side model of what the allocator
/// must respect (frameworks' roles, suppression, activity, refuse filters). After every
/// allocation run it checks the invariants and reports problems with the seed.
struct AllocatorScenario {
    struct ModelFilter {
        var framework: FrameworkID
        var role: String
        var agent: AgentID
        var resources: Resources
        var expiresAt: Double
    }

    struct ModelFramework {
        var roles: Set<String>
        var suppressed: Set<String> = []
        var active = true
        var gpu: Bool
    }

    static let rolePool = ["a", "b", "c", "a/x", "a/y"]
    static let topRoles = ["a", "b", "c"]

    let seed: UInt64
    let useQuota: Bool
    var random: SeededGenerator
    var allocator = HierarchicalAllocator()
    var now = 0.0
    var frameworks: [FrameworkID: ModelFramework] = [:]
    var activeAgents: Set<AgentID> = []
    var knownAgents: [AgentID] = []
    var filters: [ModelFilter] = []
    var nextID = 0
    var problems: [String] = []
    var offersMade = 0

    init(seed: UInt64) {
        self.seed = seed
        random = SeededGenerator(seed: seed)
        useQuota = seed % 2 == 0
    }

    mutating func fail(_ message: String) {
        problems.append("seed \(seed) t=\(now): \(message)")
    }

    mutating func choose<T>(_ items: [T]) -> T? {
        items.isEmpty ? nil : items[Int.random(in: 0..<items.count, using: &random)]
    }

    // MARK: Random events

    mutating func step() {
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<12: addAgent()
        case 12..<15: removeAgent()
        case 15..<25: addFramework()
        case 25..<28: removeFramework()
        case 28..<33: toggleSuppression()
        case 33..<36: toggleFrameworkActivity()
        case 36..<39: toggleAgentActivity()
        case 39..<43: changeQuotaOrWeights()
        case 43..<55: finishSomeWork()
        default: allocateAndRespond()
        }
    }

    mutating func addAgent() {
        guard knownAgents.count < 12 else { return }
        let id = AgentID("agent-\(nextID)")
        nextID += 1
        var text = "cpus:\(Int.random(in: 1...16, using: &random));mem:\(64 * Int.random(in: 1...32, using: &random))"
        text += ";ports:[\(31000 + Int.random(in: 0...10, using: &random))-31100]"
        if Int.random(in: 0..<4, using: &random) == 0, let role = choose(AllocatorScenario.rolePool) {
            text += ";cpus(\(role)):\(Int.random(in: 1...4, using: &random));mem(\(role)):128"
        }
        if Int.random(in: 0..<8, using: &random) == 0 { text += ";gpus:1" }
        allocator.addAgent(id, total: res(text), used: [:])
        knownAgents.append(id)
        activeAgents.insert(id)
    }

    mutating func removeAgent() {
        guard let id = choose(knownAgents) else { return }
        allocator.removeAgent(id)
        knownAgents.removeAll { $0 == id }
        activeAgents.remove(id)
        filters.removeAll { $0.agent == id }
    }

    mutating func addFramework() {
        guard frameworks.count < 6 else { return }
        let id = FrameworkID("framework-\(nextID)")
        nextID += 1
        var roles: Set<String> = []
        for _ in 0..<Int.random(in: 1...2, using: &random) {
            if let role = choose(AllocatorScenario.rolePool) { roles.insert(role) }
        }
        let gpu = Bool.random(using: &random)
        frameworks[id] = ModelFramework(roles: roles, gpu: gpu)
        allocator.addFramework(
            id, roles: roles, suppressedRoles: [], active: true, used: [:], options: FrameworkOptions(gpuResources: gpu)
        )
    }

    mutating func removeFramework() {
        guard let id = choose(frameworks.keys.sorted()) else { return }
        allocator.removeFramework(id)
        frameworks[id] = nil
        filters.removeAll { $0.framework == id }
    }

    mutating func toggleSuppression() {
        guard let id = choose(frameworks.keys.sorted()), let role = choose(frameworks[id]!.roles.sorted()) else {
            return
        }
        if frameworks[id]!.suppressed.contains(role) {
            allocator.reviveOffers(framework: id, roles: [role])
            frameworks[id]!.suppressed.remove(role)
            filters.removeAll { $0.framework == id && $0.role == role }
        } else {
            allocator.suppressOffers(framework: id, roles: [role])
            frameworks[id]!.suppressed.insert(role)
        }
    }

    mutating func toggleFrameworkActivity() {
        guard let id = choose(frameworks.keys.sorted()) else { return }
        if frameworks[id]!.active {
            allocator.deactivateFramework(id)
            filters.removeAll { $0.framework == id }
        } else {
            allocator.activateFramework(id)
        }
        frameworks[id]!.active.toggle()
    }

    mutating func toggleAgentActivity() {
        guard let id = choose(knownAgents) else { return }
        if activeAgents.contains(id) {
            allocator.deactivateAgent(id)
            activeAgents.remove(id)
        } else {
            allocator.activateAgent(id)
            activeAgents.insert(id)
        }
    }

    mutating func changeQuotaOrWeights() {
        guard let role = choose(AllocatorScenario.topRoles) else { return }
        if useQuota, Bool.random(using: &random) {
            let limits = Bool.random(using: &random) ? [:] : ["cpus": Double(Int.random(in: 0...20, using: &random))]
            allocator.updateQuota(role: role, limits: limits)
        } else {
            allocator.updateWeights([role: Double(Int.random(in: 1...4, using: &random))])
        }
    }

    /// Tasks end: a framework gives back part of what it holds on one agent, without a filter.
    mutating func finishSomeWork() {
        guard let id = choose(frameworks.keys.sorted()) else { return }
        let held = allocator.allocated(framework: id).sorted { $0.key < $1.key }
        guard let (agentID, resources) = choose(held.map { ($0.key, $0.value) }) else { return }
        let part = Bool.random(using: &random) ? resources : resources.filter { $0.name == "cpus" }
        allocator.recoverResources(framework: id, agent: agentID, resources: part, refuseSeconds: nil, now: now)
    }

    mutating func allocateAndRespond() {
        now += Double(Int.random(in: 0...3, using: &random))
        filters.removeAll { now >= $0.expiresAt }
        let before = Dictionary(uniqueKeysWithValues: knownAgents.map { ($0, allocator.available(onAgent: $0)!) })
        let quotaBefore = quotaConsumptionModel()
        let offers = allocator.allocate(now: now, using: &random)
        offersMade += offers.count
        check(offers, availableBefore: before, quotaBefore: quotaBefore)
        for offer in offers { respond(to: offer) }
    }

    /// Each offer is accepted, partly used, declined, or declined with a refuse filter.
    mutating func respond(to offer: OfferAllocation) {
        switch Int.random(in: 0..<4, using: &random) {
        case 0: return
        case 1:
            let unused = offer.resources.filter { $0.name != "cpus" }
            allocator.recoverResources(
                framework: offer.framework, agent: offer.agent, resources: unused, refuseSeconds: nil, now: now)
        case 2:
            allocator.recoverResources(
                framework: offer.framework, agent: offer.agent, resources: offer.resources, refuseSeconds: nil,
                now: now)
        default:
            let refuse = Double(Int.random(in: 1...8, using: &random))
            allocator.recoverResources(
                framework: offer.framework, agent: offer.agent, resources: offer.resources, refuseSeconds: refuse,
                now: now)
            filters.append(
                ModelFilter(
                    framework: offer.framework, role: offer.role, agent: offer.agent,
                    resources: offer.resources.withoutAllocationInfo(), expiresAt: now + max(refuse, 1)))
        }
    }
}
