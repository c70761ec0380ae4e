import Allocation
import MesosModel
import Testing

@Suite struct AllocatorFairnessTests {
    @Test func theRoleWithTheLowestShareGetsTheNextAgent() {
        var allocator = HierarchicalAllocator()
        allocator.addFramework(fw("busy"), roles: ["busy"], used: [:])
        allocator.addFramework(fw("idle"), roles: ["idle"], used: [:])
        allocator.addAgent(
            agent("used"), total: res("cpus:8;mem:512"), used: [fw("busy"): res("cpus:4;mem:256").allocated(to: "busy")]
        )
        allocator.addAgent(agent("new"), total: res("cpus:8;mem:512"), used: [:])
        // "used" has cpus:4 left, "new" cpus:8; whichever comes first goes to "idle" (share 0).
        let offers = allocator.allocate(now: 1, seed: 3)
        #expect(offers.count == 2)
        #expect(offers.first?.framework == fw("idle"))
        // Either way the busy role is then behind (or tied with more allocations) and gets the other.
        #expect(offers.last?.framework == fw("busy"))
    }

    @Test func frameworksInsideARoleAreOrderedByDRF() {
        var allocator = HierarchicalAllocator()
        allocator.addAgent(
            agent("x"), total: res("cpus:8;mem:512"), used: [fw("a"): res("cpus:1;mem:8").allocated(to: "r")])
        allocator.addFramework(fw("a"), roles: ["r"], used: [:])
        allocator.addFramework(fw("b"), roles: ["r"], used: [:])
        #expect(allocator.allocate(now: 0).map(\.framework) == [fw("b")])
        #expect(allocator.share(framework: fw("b"), role: "r") == 504.0 / 512.0)
    }

    @Test func weightsDivideShares() {
        var allocator = HierarchicalAllocator()
        allocator.updateWeights(["heavy": 4, "bad": -1, "nan": .nan])
        #expect(allocator.weights == ["heavy": 4])
        allocator.addAgent(
            agent("x"), total: res("cpus:8;mem:800"), used: [fw("h"): res("cpus:4;mem:100").allocated(to: "heavy")])
        allocator.addFramework(fw("h"), roles: ["heavy"], used: [:])
        #expect(allocator.share(role: "heavy") == 0.125)
        #expect(allocator.dominantShare(role: "heavy") == 0.5)
        allocator.updateWeights(["heavy": 1])
        #expect(allocator.weights.isEmpty)
    }

    @Test func excludedResourceNamesDoNotCountTowardShares() {
        var allocator = HierarchicalAllocator(config: AllocatorConfig(fairnessExcludedResourceNames: ["gpus"]))
        allocator.addAgent(
            agent("x"), total: res("cpus:8;mem:800;gpus:2"), used: [fw("f"): res("cpus:2;gpus:2").allocated(to: "r")])
        allocator.addFramework(fw("f"), roles: ["r"], used: [:])
        #expect(allocator.share(role: "r") == 0.25)
    }

    @Test func childAllocationsCountTowardTheParent() {
        var allocator = HierarchicalAllocator()
        allocator.addAgent(
            agent("x"), total: res("cpus:10;mem:1000"),
            used: [
                fw("w"): res("cpus:2").allocated(to: "eng/web"), fw("d"): res("cpus:3").allocated(to: "eng/db"),
            ])
        allocator.addFramework(fw("w"), roles: ["eng/web"], used: [:])
        allocator.addFramework(fw("d"), roles: ["eng/db"], used: [:])
        #expect(allocator.allocated(role: "eng") == ResourceQuantities(["cpus": 5]))
        #expect(allocator.share(role: "eng") == 0.5)
        #expect(allocator.share(role: "eng/web") == 0.2)
        #expect(Set(allocator.knownRoles) == ["eng", "eng/web", "eng/db"])
    }

    @Test func hierarchicalOrderComparesSubtreesFirst() {
        // eng has two roles with small allocations each; ops one role with a medium one. At the
        // top level eng (sum) is ahead of ops, so ops's role is offered first even though each
        // eng child alone has less.
        var allocator = HierarchicalAllocator()
        allocator.addAgent(
            agent("x"), total: res("cpus:70;mem:1000"),
            used: [
                fw("w"): res("cpus:20;mem:300").allocated(to: "eng/web"),
                fw("d"): res("cpus:20;mem:300").allocated(to: "eng/db"),
                fw("o"): res("cpus:30;mem:400").allocated(to: "ops"),
            ])
        for (id, role) in [("w", "eng/web"), ("d", "eng/db"), ("o", "ops")] {
            allocator.addFramework(fw(id), roles: [role], used: [:])
        }
        allocator.addAgent(agent("y"), total: res("cpus:1;mem:64"), used: [:])
        let offers = allocator.allocate(now: 0, seed: 9)
        #expect(offers.map(\.role) == ["ops"])
    }
}

@Suite struct AllocatorQuotaTests {
    @Test func quotaLimitsTrimOffers() {
        var allocator = HierarchicalAllocator()
        allocator.updateQuota(role: "q", limits: ["cpus": 10])
        #expect(allocator.quotas == ["q": ["cpus": 10]])
        allocator.addFramework(fw("f"), roles: ["q"], used: [:])
        for index in 0..<4 {
            allocator.addAgent(agent("a\(index)"), total: res("cpus:4;mem:256"), used: [:])
        }
        let offers = allocator.allocate(now: 0)
        let cpus = offers.reduce(0.0) { $0 + $1.resources.cpus }
        #expect(cpus == 10)
        #expect(allocator.quotaConsumption(role: "q")["cpus"] == 10)
        // Memory has no limit: every agent's memory is offered (a cpu-less rest still passes mem:32).
        #expect(offers.reduce(0.0) { $0 + $1.resources.mem } == 1024)
        allocator.addFramework(fw("g"), roles: ["other"], used: [:])
        let rest = allocator.allocate(now: 1)
        #expect(rest.reduce(0.0) { $0 + $1.resources.cpus } == 6)
    }

    @Test func reservationsCountAsConsumption() {
        var allocator = HierarchicalAllocator()
        allocator.updateQuota(role: "q", limits: ["cpus": 8])
        allocator.addFramework(fw("f"), roles: ["q/sub"], used: [:])
        allocator.addAgent(agent("r"), total: res("cpus(q):6;mem(q):64"), used: [:])
        allocator.addAgent(agent("u"), total: res("cpus:6;mem:64"), used: [:])
        let offers = allocator.allocate(now: 0)
        #expect(offers.reduce(0.0) { $0 + $1.resources.cpus } == 8)
        #expect(allocator.quotaConsumption(role: "q")["cpus"] == 8)
    }

    @Test func removingQuotaLiftsTheLimit() {
        var allocator = HierarchicalAllocator()
        allocator.updateQuota(role: "q", limits: ["cpus": 0])
        allocator.addFramework(fw("f"), roles: ["q"], used: [:])
        allocator.addAgent(agent("a"), total: res("cpus:4"), used: [:])
        #expect(allocator.allocate(now: 0).isEmpty)
        allocator.updateQuota(role: "q", limits: [:])
        #expect(allocator.quotas.isEmpty)
        #expect(allocator.allocate(now: 1).first?.resources.cpus == 4)
    }
}
