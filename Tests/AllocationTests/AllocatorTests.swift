import Allocation
import MesosModel
import Testing

@Suite struct AllocatorBasicsTests {
    @Test func offersEverythingOnTheAgentToTheOnlyFramework() {
        var allocator = HierarchicalAllocator()
        allocator.addFramework(fw("f"), roles: ["web"], suppressedRoles: [], active: true, used: [:])
        allocator.addAgent(agent("a"), total: res("cpus:4;mem:1024;ports:[31000-32000]"), used: [:])
        #expect(allocator.allocationRequested)
        let offers = allocator.allocate(now: 0)
        #expect(!allocator.allocationRequested)
        #expect(offers.count == 1)
        #expect(offers.first?.role == "web")
        #expect(offers.first?.resources == res("cpus:4;mem:1024;ports:[31000-32000]").allocated(to: "web"))
        #expect(allocator.available(onAgent: agent("a"))!.isEmpty)
        // Held resources are not offered twice.
        #expect(allocator.allocate(now: 1).isEmpty)
        allocator.decline(offers, refuseSeconds: nil, now: 1)
        #expect(allocator.allocate(now: 2).count == 1)
        #expect(allocator.bookkeepingProblems().isEmpty)
    }

    @Test func recoveringPartOfAnOfferKeepsTheRest() {
        var allocator = HierarchicalAllocator()
        allocator.addFramework(fw("f"), roles: ["*"], suppressedRoles: [], active: true, used: [:])
        allocator.addAgent(agent("a"), total: res("cpus:4;mem:1024"), used: [:])
        _ = allocator.allocate(now: 0)
        allocator.recoverResources(
            framework: fw("f"), agent: agent("a"), resources: res("cpus:1;mem:24").allocated(to: "*"),
            refuseSeconds: nil, now: 0)
        #expect(allocator.allocated(framework: fw("f"))[agent("a")] == res("cpus:3;mem:1000").allocated(to: "*"))
        #expect(allocator.available(onAgent: agent("a")) == res("cpus:1;mem:24"))
        // Recovering more than is held only recovers what is held.
        allocator.recoverResources(
            framework: fw("f"), agent: agent("a"), resources: res("cpus:10;mem:5000").allocated(to: "*"),
            refuseSeconds: nil, now: 0)
        #expect(allocator.available(onAgent: agent("a")) == res("cpus:4;mem:1024"))
        #expect(allocator.bookkeepingProblems().isEmpty)
    }

    @Test func untaggedRecoveryIsAttributedToTheSingleRole() {
        var allocator = HierarchicalAllocator()
        allocator.addFramework(fw("f"), roles: ["web"], suppressedRoles: [], active: true, used: [:])
        allocator.addAgent(agent("a"), total: res("cpus:2;mem:64"), used: [:])
        _ = allocator.allocate(now: 0)
        allocator.recoverResources(
            framework: fw("f"), agent: agent("a"), resources: res("cpus:2;mem:64"), refuseSeconds: 5, now: 0)
        #expect(allocator.available(onAgent: agent("a")) == res("cpus:2;mem:64"))
        #expect(allocator.refuseFilterCount == 1)
    }

    @Test func belowMinimumAllocatableIsNotOffered() {
        var allocator = HierarchicalAllocator()
        allocator.addFramework(fw("f"), roles: ["*"], suppressedRoles: [], active: true, used: [:])
        allocator.addAgent(agent("small"), total: res("mem:16;disk:100"), used: [:])
        allocator.addAgent(agent("cpu"), total: res("cpus:0.01"), used: [:])
        let offers = allocator.allocate(now: 0)
        #expect(offers.map(\.agent) == [agent("cpu")])
    }

    @Test func frameworkOfferFiltersReplaceTheGlobalMinimum() {
        var allocator = HierarchicalAllocator()
        let picky = FrameworkOptions(minAllocatableResources: ["*": [["cpus": 2, "mem": 100]]])
        allocator.addFramework(fw("f"), roles: ["*"], used: [:], options: picky)
        allocator.addAgent(agent("a"), total: res("cpus:1;mem:1000"), used: [:])
        allocator.addAgent(agent("b"), total: res("cpus:2;mem:100"), used: [:])
        #expect(allocator.allocate(now: 0).map(\.agent) == [agent("b")])
    }

    @Test func inactiveAgentsAndFrameworksGetNothing() {
        var allocator = HierarchicalAllocator()
        allocator.addFramework(fw("f"), roles: ["*"], suppressedRoles: [], active: false, used: [:])
        allocator.addAgent(agent("a"), total: res("cpus:1;mem:64"), used: [:])
        #expect(allocator.allocate(now: 0).isEmpty)
        allocator.activateFramework(fw("f"))
        allocator.deactivateAgent(agent("a"))
        #expect(allocator.allocate(now: 1).isEmpty)
        allocator.activateAgent(agent("a"))
        #expect(allocator.allocationRequested)
        #expect(allocator.allocate(now: 2).count == 1)
    }

    @Test func gpuAgentsGoOnlyToGPUFrameworks() {
        var allocator = HierarchicalAllocator()
        allocator.addFramework(fw("plain"), roles: ["*"], used: [:])
        allocator.addAgent(agent("gpu"), total: res("cpus:4;mem:64;gpus:1"), used: [:])
        #expect(allocator.allocate(now: 0).isEmpty)
        allocator.addFramework(fw("ml"), roles: ["*"], used: [:], options: FrameworkOptions(gpuResources: true))
        #expect(allocator.allocate(now: 1).map(\.framework) == [fw("ml")])
    }

    @Test func removingAFrameworkFreesItsResources() {
        var allocator = HierarchicalAllocator()
        allocator.addFramework(fw("f"), roles: ["*"], used: [:])
        allocator.addAgent(agent("a"), total: res("cpus:1;mem:64"), used: [:])
        _ = allocator.allocate(now: 0)
        allocator.removeFramework(fw("f"))
        #expect(allocator.available(onAgent: agent("a")) == res("cpus:1;mem:64"))
        #expect(allocator.knownRoles.isEmpty)
        allocator.addFramework(fw("g"), roles: ["*"], used: [:])
        #expect(allocator.allocate(now: 1).map(\.framework) == [fw("g")])
    }

    @Test func removingAnAgentForgetsItsAllocationsAndFilters() {
        var allocator = HierarchicalAllocator()
        allocator.addFramework(fw("f"), roles: ["*"], used: [:])
        allocator.addAgent(agent("a"), total: res("cpus:1;mem:64"), used: [:])
        let offers = allocator.allocate(now: 0)
        allocator.decline(offers, refuseSeconds: 100, now: 0)
        _ = allocator.allocate(now: 1)
        allocator.removeAgent(agent("a"))
        #expect(allocator.refuseFilterCount == 0)
        #expect(allocator.clusterTotals.isEmpty)
        #expect(allocator.allocated(role: "*").isEmpty)
    }

    @Test func usageOfNotYetAddedFrameworksIsChargedWhenTheyArrive() {
        var allocator = HierarchicalAllocator()
        let used = res("cpus:2;mem:32").allocated(to: "web")
        allocator.addAgent(agent("a"), total: res("cpus:4;mem:64"), used: [fw("late"): used])
        #expect(allocator.available(onAgent: agent("a")) == res("cpus:2;mem:32"))
        #expect(allocator.allocated(role: "web").isEmpty)
        allocator.addFramework(fw("late"), roles: ["web"], suppressedRoles: [], active: true, used: [agent("a"): used])
        #expect(allocator.allocated(role: "web") == ResourceQuantities(["cpus": 2, "mem": 32]))
        #expect(allocator.share(role: "web") == 0.5)
        // The usage is not counted twice on the agent.
        #expect(allocator.available(onAgent: agent("a")) == res("cpus:2;mem:32"))
        #expect(allocator.bookkeepingProblems().isEmpty)
    }

    @Test func frameworkUsageForAnAgentWithoutRecordIsRecorded() {
        var allocator = HierarchicalAllocator()
        allocator.addAgent(agent("a"), total: res("cpus:4;mem:64"), used: [:])
        allocator.addFramework(
            fw("f"), roles: ["web"], suppressedRoles: [], active: true, used: [agent("a"): res("cpus:1;mem:8")])
        #expect(allocator.available(onAgent: agent("a")) == res("cpus:3;mem:56"))
        #expect(allocator.allocated(role: "web") == ResourceQuantities(["cpus": 1, "mem": 8]))
    }
}

@Suite struct AllocatorReservationTests {
    @Test func reservedResourcesGoOnlyToTheirRoleAndSubroles() {
        var allocator = HierarchicalAllocator()
        allocator.addFramework(fw("other"), roles: ["other"], used: [:])
        allocator.addAgent(agent("a"), total: res("cpus:4;mem:64;cpus(eng):2;mem(eng):32"), used: [:])
        let first = allocator.allocate(now: 0)
        #expect(first.count == 1)
        #expect(first.first?.resources == res("cpus:4;mem:64").allocated(to: "other"))
        allocator.addFramework(fw("web"), roles: ["eng/web"], used: [:])
        let second = allocator.allocate(now: 1)
        #expect(second.map(\.framework) == [fw("web")])
        #expect(second.first?.resources.withoutAllocationInfo() == res("cpus(eng):2;mem(eng):32"))
    }

    @Test func reserveOperationTransformsHeldResourcesAndTheTotal() {
        var allocator = HierarchicalAllocator()
        allocator.addFramework(fw("f"), roles: ["eng"], used: [:])
        allocator.addFramework(fw("g"), roles: ["ops"], suppressedRoles: ["ops"], active: true, used: [:])
        allocator.addAgent(agent("a"), total: res("cpus:4;mem:64"), used: [:])
        let offer = allocator.allocate(now: 0)[0]
        let reservation = Resource.Reservation(type: .dynamic, role: "eng", principal: "p")
        let from = res("cpus:2").allocated(to: "eng")
        let to = res("cpus:2").pushingReservation(reservation).allocated(to: "eng")
        let applied = allocator.transformAllocation(framework: fw("f"), agent: agent("a"), from: from, to: to)
        #expect(applied)
        let overdrawn = allocator.transformAllocation(framework: fw("f"), agent: agent("a"), from: from + from, to: to)
        #expect(!overdrawn)
        #expect(allocator.total(ofAgent: agent("a"))!.reserved(for: "eng").cpus == 2)
        #expect(allocator.reserved(role: "eng") == ResourceQuantities(["cpus": 2]))
        allocator.recoverResources(
            framework: fw("f"), agent: agent("a"), resources: offer.resources - from + to, refuseSeconds: nil, now: 0)
        allocator.removeFramework(fw("f"))
        allocator.reviveOffers(framework: fw("g"), roles: [])
        let offers = allocator.allocate(now: 1)
        #expect(offers.map(\.framework) == [fw("g")])
        #expect(offers.first?.resources.withoutAllocationInfo() == res("cpus:2;mem:64"))
        #expect(allocator.bookkeepingProblems().isEmpty)
    }
}

@Suite struct AllocatorFilterTests {
    @Test func refuseFilterBlocksUntilItExpires() {
        var allocator = HierarchicalAllocator()
        allocator.addFramework(fw("f"), roles: ["*"], used: [:])
        allocator.addAgent(agent("a"), total: res("cpus:1;mem:64"), used: [:])
        allocator.decline(allocator.allocate(now: 0), refuseSeconds: 10, now: 0)
        #expect(allocator.allocate(now: 5).isEmpty)
        #expect(allocator.allocate(now: 9.999).isEmpty)
        #expect(allocator.allocate(now: 10).count == 1)
        #expect(allocator.refuseFilterCount == 0)
    }

    @Test func filterLifetimeIsAtLeastTheAllocationInterval() {
        var allocator = HierarchicalAllocator(config: AllocatorConfig(allocationInterval: 2))
        allocator.addFramework(fw("f"), roles: ["*"], used: [:])
        allocator.addAgent(agent("a"), total: res("cpus:1;mem:64"), used: [:])
        allocator.decline(allocator.allocate(now: 0), refuseSeconds: 0.5, now: 0)
        #expect(allocator.allocate(now: 1).isEmpty)
        #expect(allocator.allocate(now: 2).count == 1)
    }

    @Test(arguments: [
        (Double?.none, 0.0, true), (0.0, 0.0, true), (-1.0, 4.9, false), (-1.0, 5.0, true),
        (1e12, 364 * 86400.0, false), (1e12, 365 * 86400.0, true),
    ])
    func refuseSecondsAreInterpretedLikeMesos(refuse: Double?, later: Double, offered: Bool) {
        var allocator = HierarchicalAllocator()
        allocator.addFramework(fw("f"), roles: ["*"], used: [:])
        allocator.addAgent(agent("a"), total: res("cpus:1;mem:64"), used: [:])
        allocator.decline(allocator.allocate(now: 0), refuseSeconds: refuse, now: 0)
        #expect(allocator.allocate(now: later).isEmpty != offered)
    }

    @Test func moreFreeResourcesBypassTheFilter() {
        var allocator = HierarchicalAllocator()
        allocator.addFramework(fw("f"), roles: ["*"], used: [:])
        allocator.addAgent(agent("a"), total: res("cpus:4;mem:64"), used: [:])
        let offer = allocator.allocate(now: 0)[0]
        // Keep cpus:1 for a task, decline the rest with a filter.
        let kept = res("cpus:1;mem:16").allocated(to: "*")
        allocator.recoverResources(
            framework: fw("f"), agent: agent("a"), resources: offer.resources - kept, refuseSeconds: 100, now: 0)
        #expect(allocator.allocate(now: 1).isEmpty)
        // The task ends: now more is free than was refused, so the filter no longer covers it.
        allocator.recoverResources(framework: fw("f"), agent: agent("a"), resources: kept, refuseSeconds: nil, now: 2)
        #expect(allocator.allocate(now: 3).count == 1)
    }

    @Test func filtersAreKeptPerFrameworkAndRole() {
        var allocator = HierarchicalAllocator()
        allocator.addFramework(fw("f"), roles: ["*"], used: [:])
        allocator.addAgent(agent("a"), total: res("cpus:1;mem:64"), used: [:])
        allocator.decline(allocator.allocate(now: 0), refuseSeconds: 100, now: 0)
        allocator.addFramework(fw("g"), roles: ["*"], used: [:])
        #expect(allocator.allocate(now: 1).map(\.framework) == [fw("g")])
    }

    @Test func suppressAndRevive() {
        var allocator = HierarchicalAllocator()
        allocator.addFramework(fw("f"), roles: ["a", "b"], used: [:])
        allocator.suppressOffers(framework: fw("f"), roles: [])
        #expect(allocator.suppressedRoles(of: fw("f")) == ["a", "b"])
        allocator.addAgent(agent("x"), total: res("cpus:1;mem:64"), used: [:])
        #expect(allocator.allocate(now: 0).isEmpty)
        allocator.reviveOffers(framework: fw("f"), roles: ["b"])
        #expect(allocator.allocationRequested)
        let offers = allocator.allocate(now: 1)
        #expect(offers.map(\.role) == ["b"])
        // Revive clears the role's refuse filters.
        allocator.decline(offers, refuseSeconds: 1000, now: 1)
        #expect(allocator.allocate(now: 2).isEmpty)
        allocator.reviveOffers(framework: fw("f"), roles: [])
        #expect(allocator.allocate(now: 3).count == 1)
    }

    @Test func deactivationDropsFilters() {
        var allocator = HierarchicalAllocator()
        allocator.addFramework(fw("f"), roles: ["*"], used: [:])
        allocator.addAgent(agent("a"), total: res("cpus:1;mem:64"), used: [:])
        allocator.decline(allocator.allocate(now: 0), refuseSeconds: 1000, now: 0)
        allocator.deactivateFramework(fw("f"))
        #expect(allocator.refuseFilterCount == 0)
        allocator.activateFramework(fw("f"))
        #expect(allocator.allocate(now: 1).count == 1)
    }

    @Test func updateFrameworkChangesRoles() {
        var allocator = HierarchicalAllocator()
        allocator.addFramework(fw("f"), roles: ["a"], used: [:])
        allocator.addAgent(agent("x"), total: res("cpus:1;mem:64"), used: [:])
        let offers = allocator.allocate(now: 0)
        allocator.updateFramework(fw("f"), roles: ["b"], suppressedRoles: [])
        // Still charged to "a" while it holds the offer, then gone from "a".
        #expect(!allocator.allocated(role: "a").isEmpty)
        allocator.decline(offers, refuseSeconds: nil, now: 0)
        #expect(!allocator.knownRoles.contains("a"))
        #expect(allocator.allocate(now: 1).map(\.role) == ["b"])
    }
}
