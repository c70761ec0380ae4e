import Allocation
import MesosModel
import TestSupport
import Testing

@Suite struct AllocatorPropertyTests {
    /// Random clusters and events; after every allocation run: no agent over-allocated, offers
    /// within what was available, only to eligible subscribed/unsuppressed/active frameworks,
    /// reservations only to their role, refuse filters respected, quota never exceeded, and
    /// (without quota) nothing usable left idle.
    @Test func randomScenariosKeepTheInvariants() async {
        let outcomes = await runOffCooperativePool {
            (UInt64(1)...60).map { seed -> (offers: Int, problems: [String]) in
                var scenario = AllocatorScenario(seed: seed)
                for _ in 0..<200 { scenario.step() }
                return (scenario.offersMade, Array(scenario.problems.prefix(3)))
            }
        }
        var totalOffers = 0
        for outcome in outcomes {
            totalOffers += outcome.offers
            for problem in outcome.problems { Issue.record(Comment(rawValue: problem)) }
        }
        // Guard against a vacuous run: the scenarios must actually produce offers.
        #expect(totalOffers > 1000)
    }

    /// Each agent goes to the role whose weighted dominant share is lowest at that moment.
    @Test func drfOrderHolds() {
        for seed in UInt64(1)...60 {
            var random = SeededGenerator(seed: seed)
            let roles = Array(["r1", "r2", "r3", "r4", "r5"].prefix(Int.random(in: 2...5, using: &random)))
            var weights: [String: Double] = [:]
            for role in roles { weights[role] = Double(Int.random(in: 1...4, using: &random)) }
            var allocator = HierarchicalAllocator()
            allocator.updateWeights(weights)
            var allocated: [String: ResourceQuantities] = [:]
            var totals = ResourceQuantities()
            for index in 0..<Int.random(in: 5...40, using: &random) {
                let total = res(
                    "cpus:\(Int.random(in: 1...32, using: &random));mem:\(Int.random(in: 64...8192, using: &random))")
                totals += total.scalarQuantities
                var used: [FrameworkID: Resources] = [:]
                if Bool.random(using: &random), let role = roles.randomElement(using: &random) {
                    let part = res("cpus:\(total.cpus / 2)").allocated(to: role)
                    used[FrameworkID(role)] = part
                    allocated[role, default: ResourceQuantities()] += part.scalarQuantities
                }
                allocator.addAgent(AgentID("agent-\(index)"), total: total, used: used)
            }
            for role in roles { allocator.addFramework(FrameworkID(role), roles: [role], used: [:]) }
            for offer in allocator.allocate(now: 0, using: &random) {
                let shares = roles.map { role in
                    (role, modelShare(allocated[role] ?? ResourceQuantities(), totals: totals, weight: weights[role]!))
                }
                let lowest = shares.map(\.1).min()!
                let chosen = shares.first { $0.0 == offer.role }!.1
                #expect(
                    chosen <= lowest + 1e-12,
                    "seed \(seed): \(offer.role) got \(offer.agent) with share \(chosen), lowest \(lowest)")
                allocated[offer.role, default: ResourceQuantities()] += offer.resources.scalarQuantities
            }
        }
    }

    /// With more demand than supply, weights w1:w2 give allocations in about that ratio.
    @Test(arguments: [(1.0, 3.0), (1.0, 1.0), (2.0, 5.0)])
    func weightsConverge(light: Double, heavy: Double) {
        for seed in UInt64(1)...10 {
            var allocator = HierarchicalAllocator()
            allocator.updateWeights(["light": light, "heavy": heavy])
            allocator.addFramework(fw("light"), roles: ["light"], used: [:])
            allocator.addFramework(fw("heavy"), roles: ["heavy"], used: [:])
            let agents = 400
            for index in 0..<agents {
                allocator.addAgent(agent("agent-\(index)"), total: res("cpus:4;mem:1024"), used: [:])
            }
            let offers = allocator.allocate(now: 0, seed: seed)
            let heavyCount = Double(offers.filter { $0.role == "heavy" }.count)
            let lightCount = Double(offers.filter { $0.role == "light" }.count)
            #expect(heavyCount + lightCount == Double(agents), "seed \(seed)")
            let expectedHeavy = Double(agents) * heavy / (light + heavy)
            #expect(
                abs(heavyCount - expectedHeavy) <= 1,
                "seed \(seed): heavy got \(heavyCount), expected ~\(expectedHeavy)")
            let ratio = allocator.dominantShare(role: "heavy") / allocator.dominantShare(role: "light")
            #expect(abs(ratio - heavy / light) < 0.05, "seed \(seed): share ratio \(ratio)")
        }
    }

    /// A refuse filter blocks the refused resources exactly until max(refuse, interval) passes.
    @Test func refuseFiltersBlockUntilTheyExpire() {
        for seed in UInt64(1)...100 {
            var random = SeededGenerator(seed: seed)
            let interval = Double(Int.random(in: 1...3, using: &random))
            var allocator = HierarchicalAllocator(config: AllocatorConfig(allocationInterval: interval))
            allocator.addFramework(fw("f"), roles: ["*"], used: [:])
            allocator.addAgent(agent("a"), total: res("cpus:2;mem:128"), used: [:])
            var now = Double(Int.random(in: 0...100, using: &random))
            let offers = allocator.allocate(now: now, using: &random)
            let refuse = Double(Int.random(in: 1...400, using: &random)) / 10
            allocator.decline(offers, refuseSeconds: refuse, now: now)
            let expiry = now + max(refuse, interval)
            while now < expiry + 3 {
                now += Double(Int.random(in: 1...20, using: &random)) / 10
                let again = allocator.allocate(now: now, using: &random)
                #expect(
                    again.isEmpty == (now < expiry), "seed \(seed): t=\(now) expiry=\(expiry) offers=\(again.count)")
                if !again.isEmpty { break }
            }
        }
    }

    /// Suppressed roles never get offers; reviving brings them back; reserved resources only
    /// ever reach their role (or its sub-roles).
    @Test func suppressReviveAndReservations() {
        for seed in UInt64(1)...40 {
            var random = SeededGenerator(seed: seed)
            var allocator = HierarchicalAllocator()
            let roles = ["a", "a/b", "c"]
            for role in roles { allocator.addFramework(FrameworkID(role), roles: [role], used: [:]) }
            for index in 0..<10 {
                let role = roles.randomElement(using: &random)!
                allocator.addAgent(
                    agent("agent-\(index)"), total: res("cpus:2;mem:64;cpus(\(role)):1;mem(\(role)):64"), used: [:])
            }
            var suppressed: Set<String> = []
            var now = 0.0
            for _ in 0..<30 {
                let role = roles.randomElement(using: &random)!
                if suppressed.remove(role) != nil {
                    allocator.reviveOffers(framework: FrameworkID(role), roles: [])
                } else {
                    suppressed.insert(role)
                    allocator.suppressOffers(framework: FrameworkID(role), roles: [])
                }
                let offers = allocator.allocate(now: now, using: &random)
                for offer in offers {
                    #expect(!suppressed.contains(offer.role), "seed \(seed): offer to suppressed \(offer.role)")
                    for (reservationRole, _) in offer.resources.reservationsByRole {
                        #expect(RoleName.isSelfOrSubrole(offer.role, of: reservationRole), "seed \(seed): \(offer)")
                    }
                }
                allocator.decline(offers, refuseSeconds: nil, now: now)
                now += 1
            }
            allocator.reviveOffers(framework: FrameworkID("a"), roles: [])
            allocator.reviveOffers(framework: FrameworkID("a/b"), roles: [])
            allocator.reviveOffers(framework: FrameworkID("c"), roles: [])
            let final = allocator.allocate(now: now, using: &random)
            #expect(
                Set(final.map(\.agent)).count == 10, "seed \(seed): after reviving everything every agent is offered")
            for index in 0..<10 {
                let left = allocator.available(onAgent: agent("agent-\(index)"))!
                #expect(left.isEmpty, "seed \(seed): \(left) left on agent-\(index) though every role has a taker")
            }
        }
    }
}
