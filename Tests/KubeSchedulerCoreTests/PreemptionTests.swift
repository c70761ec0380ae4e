import KubeTypes
import Testing

@testable import KubeSchedulerCore

@Suite struct PreemptionTests {
    typealias F = Fixture

    static func victims(_ outcome: SchedulingOutcome, _ key: String) -> [String]? {
        outcome.failure(of: key)?.nomination?.victims.map(\.key)
    }

    @Test func evictsOnlyTheLowestPriorityPodsNeeded() {
        let nodes = [
            F.node(
                "n1", cpu: 3000,
                boundPods: [
                    F.pod("prio1", cpu: "1", priority: 1), F.pod("prio2", cpu: "1", priority: 2),
                    F.pod("prio3", cpu: "1", priority: 3),
                ])
        ]
        let outcome = F.schedule([F.pod("urgent", cpu: "1", priority: 10)], on: nodes)
        let failure = outcome.failure(of: "default/urgent")
        #expect(failure?.nomination?.nodeName == "n1")
        #expect(Self.victims(outcome, "default/urgent") == ["default/prio1"])
        #expect(failure?.nomination?.victims.first?.uid == "uid-prio1")
        #expect(failure?.message == "0/1 nodes are available: 1 Insufficient cpu.", "no preemption sentence on success")
        #expect(outcome.assignments.isEmpty, "the preemptor waits for its victims to go")
        #expect(outcome.nodes[0].nominatedPods.map(\.name) == ["urgent"])
    }

    @Test func evictsSeveralWhenOneIsNotEnough() {
        let nodes = [
            F.node(
                "n1", cpu: 2000,
                boundPods: [
                    F.pod("a", cpu: "500m", priority: 1), F.pod("b", cpu: "500m", priority: 2),
                    F.pod("keep", cpu: "1", priority: 50),
                ])
        ]
        let outcome = F.schedule([F.pod("urgent", cpu: "1", priority: 10)], on: nodes)
        #expect(Self.victims(outcome, "default/urgent") == ["default/b", "default/a"])
    }

    @Test func neverEvictsPodsOfEqualOrHigherPriority() {
        let nodes = [F.node("n1", cpu: 1000, boundPods: [F.pod("peer", cpu: "1", priority: 10)])]
        let outcome = F.schedule([F.pod("urgent", cpu: "1", priority: 10)], on: nodes)
        #expect(outcome.failure(of: "default/urgent")?.nomination == nil)
        #expect(
            outcome.failure(of: "default/urgent")?.message
                == "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: "
                + "1 No preemption victims found for incoming pod.")
    }

    @Test func choosesTheNodeWhoseMostImportantVictimMattersLeast() {
        let nodes = [
            F.node("n1", cpu: 1000, boundPods: [F.pod("medium", cpu: "1", priority: 5)]),
            F.node("n2", cpu: 1000, boundPods: [F.pod("low", cpu: "1", priority: 1)]),
        ]
        for seed in UInt64(1)...5 {
            let outcome = F.schedule([F.pod("urgent", cpu: "1", priority: 10)], on: nodes, seed: seed)
            #expect(outcome.failure(of: "default/urgent")?.nomination?.nodeName == "n2")
        }
    }

    @Test func thenTheSmallestSumOfPrioritiesThenFewestVictims() {
        let bySum = [
            F.node(
                "two", cpu: 1000,
                boundPods: [F.pod("a", cpu: "500m", priority: 1), F.pod("b", cpu: "500m", priority: 1)]),
            F.node("one", cpu: 1000, boundPods: [F.pod("c", cpu: "1", priority: 1)]),
        ]
        for seed in UInt64(1)...5 {
            let outcome = F.schedule([F.pod("urgent", cpu: "1", priority: 10)], on: bySum, seed: seed)
            #expect(outcome.failure(of: "default/urgent")?.nomination?.nodeName == "one")
        }
        let candidates = [
            Preemption.Candidate(
                nodeName: "x", victims: [PodInfo(F.pod("a", priority: 3)), PodInfo(F.pod("b", priority: -5))]),
            Preemption.Candidate(
                nodeName: "y", victims: [PodInfo(F.pod("c", priority: 3)), PodInfo(F.pod("d", priority: -4))]),
        ]
        #expect(Preemption.pickOneNode(candidates)?.nodeName == "x", "lower sum wins before count")
    }

    static func budget(app: String, allowed: Int64, disrupted: [String] = []) -> JSON {
        var status: JSON = ["disruptionsAllowed": .int(allowed)]
        if !disrupted.isEmpty {
            status["disruptedPods"] = .object(
                Dictionary(uniqueKeysWithValues: disrupted.map { ($0, "2026-01-01T00:00:00Z") }))
        }
        return [
            "metadata": ["name": .string(app), "namespace": "default"],
            "spec": ["minAvailable": 1, "selector": ["matchLabels": ["app": .string(app)]]], "status": status,
        ]
    }

    @Test func prefersTheNodeWhoseVictimsViolateNoDisruptionBudget() {
        let nodes = [
            F.node("guarded", cpu: 1000, boundPods: [F.pod("db", cpu: "1", priority: 1, labels: ["app": "db"])]),
            F.node("free", cpu: 1000, boundPods: [F.pod("batch", cpu: "1", priority: 5, labels: ["app": "batch"])]),
        ]
        let budgets = [Self.budget(app: "db", allowed: 0)]
        for seed in UInt64(1)...5 {
            let outcome = F.schedule([F.pod("urgent", cpu: "1", priority: 10)], on: nodes, seed: seed, budgets: budgets)
            // Without the budget the lower-priority db pod would go (see the test above).
            #expect(outcome.failure(of: "default/urgent")?.nomination?.nodeName == "free")
        }
        let allowed = F.schedule(
            [F.pod("urgent", cpu: "1", priority: 10)], on: nodes, budgets: [Self.budget(app: "db", allowed: 1)])
        #expect(allowed.failure(of: "default/urgent")?.nomination?.nodeName == "guarded")
        // A pod the budget already counts as disrupted costs it nothing more.
        let counted = F.schedule(
            [F.pod("urgent", cpu: "1", priority: 10)], on: nodes,
            budgets: [Self.budget(app: "db", allowed: 0, disrupted: ["db"])])
        #expect(counted.failure(of: "default/urgent")?.nomination?.nodeName == "guarded")
    }

    @Test func reprievesBudgetProtectedVictimsFirstAndStillEvictsThemIfNeeded() {
        let node = F.node(
            "n1", cpu: 2000,
            boundPods: [
                F.pod("db", cpu: "1", priority: 1, labels: ["app": "db"]),
                F.pod("batch", cpu: "1", priority: 2, labels: ["app": "batch"]),
            ])
        let budgets = [Self.budget(app: "db", allowed: 0)]
        let one = F.schedule([F.pod("urgent", cpu: "1", priority: 10)], on: [node], budgets: budgets)
        #expect(Self.victims(one, "default/urgent") == ["default/batch"], "the protected pod is put back first")
        // When both must go, the budget does not save the pod: preemption may violate it.
        let both = F.schedule([F.pod("urgent", cpu: "2", priority: 10)], on: [node], budgets: budgets)
        #expect(Self.victims(both, "default/urgent") == ["default/batch", "default/db"])
    }

    @Test func amongEqualVictimsTheOneStartedLaterGoes() {
        let nodes = [
            F.node(
                "n1", cpu: 2000,
                boundPods: [
                    F.bound(F.pod("early", cpu: "1", priority: 1), to: "n1", started: "2026-01-01T10:00:00Z"),
                    F.bound(F.pod("late", cpu: "1", priority: 1), to: "n1", started: "2026-01-01T11:00:00Z"),
                ])
        ]
        let outcome = F.schedule([F.pod("urgent", cpu: "1", priority: 10)], on: nodes)
        #expect(Self.victims(outcome, "default/urgent") == ["default/late"])
    }

    @Test func nodesPreemptionCannotHelpAreSkipped() {
        let nodes = [
            F.node(
                "tainted", cpu: 1000, taints: [Taint(key: "k", value: "v", effect: .noSchedule)],
                boundPods: [F.pod("low1", cpu: "1", priority: 1)]),
            F.node("small", cpu: 500, boundPods: [F.pod("low2", cpu: "500m", priority: 1)]),
        ]
        let outcome = F.schedule([F.pod("urgent", cpu: "1", priority: 10)], on: nodes)
        #expect(outcome.failure(of: "default/urgent")?.nomination == nil)
        #expect(
            outcome.failure(of: "default/urgent")?.message
                == "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {k: v}. "
                + "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.")
    }

    @Test func aNodeThatStaysTooFullReportsWhy() {
        let nodes = [
            F.node(
                "n1", cpu: 2000,
                boundPods: [F.pod("vip", cpu: "1500m", priority: 100), F.pod("low", cpu: "500m", priority: 1)])
        ]
        let outcome = F.schedule([F.pod("urgent", cpu: "1", priority: 10)], on: nodes)
        #expect(
            outcome.failure(of: "default/urgent")?.message
                == "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Insufficient cpu."
        )
    }

    @Test func evictingFreesOfferedResourcesToo() {
        // Allocatable has room, but the agent offers nothing: only killing the low-priority task
        // brings resources back to the framework.
        let nodes = [F.node("n1", cpu: 4000, offeredCPU: 0, boundPods: [F.pod("low", cpu: "1", priority: 1)])]
        let outcome = F.schedule([F.pod("urgent", cpu: "1", priority: 10)], on: nodes)
        #expect(Self.victims(outcome, "default/urgent") == ["default/low"])
    }

    @Test func evictsAPodThatAntiAffinityForbids() {
        let nodes = [F.node("n1", boundPods: [F.pod("old-web", cpu: "100m", priority: 1, labels: ["app": "web"])])]
        let pod = F.with(
            F.pod("new-web", cpu: "100m", priority: 10, labels: ["app": "web"]), ["affinity", "podAntiAffinity"],
            [
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    ["labelSelector": F.selector(["app": "web"]), "topologyKey": "kubernetes.io/hostname"]
                ]
            ])
        #expect(Self.victims(F.schedule([pod], on: nodes), "default/new-web") == ["default/old-web"])
    }

    @Test func clearsLowerPriorityNominationsOnTheChosenNode() {
        var waiting = F.pod("waiting", cpu: "100m", priority: 5)
        waiting[path: ["status", "nominatedNodeName"]] = "n1"
        var node = F.node("n1", cpu: 1000, boundPods: [F.pod("low", cpu: "1", priority: 1)])
        node.nominatedPods = [waiting]
        let outcome = F.schedule([F.pod("urgent", cpu: "1", priority: 10)], on: [node])
        #expect(outcome.failure(of: "default/urgent")?.nomination?.nominationsToClear.map(\.key) == ["default/waiting"])
        #expect(outcome.nodes[0].nominatedPods.map(\.name) == ["urgent"])
    }

    @Test func waitsWhileItsEarlierVictimsAreStillTerminating() {
        var leaving = F.pod("leaving", cpu: "1", priority: 1)
        leaving[path: ["metadata", "deletionTimestamp"]] = "2026-01-01T00:00:00Z"
        leaving[path: ["status", "conditions"]] = [
            ["type": "DisruptionTarget", "status": "True", "reason": "PreemptionByScheduler"]
        ]
        var pod = F.pod("urgent", cpu: "1", priority: 10)
        pod[path: ["status", "nominatedNodeName"]] = "n1"
        let nodes = [F.node("n1", cpu: 1000, boundPods: [leaving])]
        let outcome = F.schedule([pod], on: nodes)
        #expect(
            outcome.failure(of: "default/urgent")?.message
                == "0/1 nodes are available: 1 Insufficient cpu. "
                + "preemption: not eligible due to a terminating pod on the nominated node.")
    }

    @Test func aLaterLowerPriorityPodDoesNotTakeTheNominatedRoom() {
        // The preemptor is nominated to n1; its victim still runs, and the next pod in the batch,
        // of lower priority, must not be placed into the room being freed.
        let nodes = [F.node("n1", cpu: 2000, boundPods: [F.pod("low", cpu: "1", priority: 1)])]
        let pods = [F.pod("urgent", cpu: "2", priority: 10), F.pod("medium", cpu: "1", priority: 5)]
        let outcome = F.schedule(pods, on: nodes)
        #expect(Self.victims(outcome, "default/urgent") == ["default/low"])
        #expect(outcome.nodeName(of: "default/medium") == nil)
    }
    @Test func evictionUpdatesTopologySpreadCounts() {
        // Zone a holds two low-priority replicas, zone b none (its node is tainted, so nothing can
        // go there, yet it still counts as a domain): the new replica fits zone a only once both
        // old ones are gone.
        func web(_ name: String, _ priority: Int64) -> JSON {
            F.with(
                F.pod(name, cpu: "100m", priority: priority, labels: ["app": "web"]), ["topologySpreadConstraints"],
                [
                    [
                        "maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
                        "labelSelector": F.selector(["app": "web"]),
                    ]
                ])
        }
        let nodes = [
            F.node("a1", labels: ["zone": "a"], boundPods: [web("old1", 1), web("old2", 1)]),
            F.node("b1", labels: ["zone": "b"], taints: [Taint(key: "k", effect: .noSchedule)]),
        ]
        let outcome = F.schedule([web("new", 10)], on: nodes)
        #expect(
            outcome.failure(of: "default/new")?.message
                == "0/2 nodes are available: 1 node(s) didn't match pod topology spread constraints, "
                + "1 node(s) had untolerated taint {k: }.")
        #expect(Set(Self.victims(outcome, "default/new") ?? []) == ["default/old1", "default/old2"])
    }

    @Test func evictsAnExistingPodWhoseAntiAffinityShutsThePodOut() {
        let guardPod = F.with(
            F.pod("guard", cpu: "100m", priority: 1, labels: ["app": "db"]), ["affinity", "podAntiAffinity"],
            [
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    ["labelSelector": F.selector(["app": "web"]), "topologyKey": "kubernetes.io/hostname"]
                ]
            ])
        let nodes = [F.node("n1", boundPods: [guardPod, F.pod("bystander", cpu: "100m", priority: 1)])]
        let outcome = F.schedule([F.pod("web", cpu: "100m", priority: 10, labels: ["app": "web"])], on: nodes)
        #expect(Self.victims(outcome, "default/web") == ["default/guard"])
    }
}
