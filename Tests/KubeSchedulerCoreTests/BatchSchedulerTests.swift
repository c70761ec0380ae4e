import Foundation
import KubeTypes
import Testing

@testable import KubeSchedulerCore

@Suite struct BatchSchedulerTests {
    typealias F = Fixture

    static func counts(_ outcome: SchedulingOutcome) -> [String: Int] {
        outcome.assignments.reduce(into: [:]) { $0[$1.nodeName, default: 0] += 1 }
    }

    @Test func tenSmallPodsPackIntoOneRoundOfOffers() {
        // 3 nodes × 400m offered = 1200m ≥ 10 × 100m, although each node's allocatable is 4 cores.
        let nodes = (1...3).map { F.node("n\($0)", offeredCPU: 400) }
        let pods = (0..<10).map { F.pod("p\($0)", cpu: "100m", memory: "64Mi") }
        let outcome = F.schedule(pods, on: nodes)
        #expect(outcome.assignments.count == 10)
        #expect(outcome.failures.isEmpty)
        #expect(Self.counts(outcome).values.allSatisfy { $0 <= 4 })
        #expect(outcome.nodes.compactMap(\.offered).map(\.milliCPU).reduce(0, +) == 200)
        #expect(outcome.nodes.map(\.pods.count).reduce(0, +) == 10)
        let placed = outcome.nodes.flatMap(\.pods)
        #expect(placed.allSatisfy { $0[path: ["spec", "nodeName"]]?.stringValue?.hasPrefix("n") == true })
    }

    @Test func aLargeBatchFillsEveryOfferExactly() {
        // 20 agents × 1000m offered, 200 pods × 100m spread over 4 zones with a soft constraint:
        // every offer ends up fully used and nothing is overcommitted.
        let nodes = (0..<20).map { F.node("n\($0)", labels: ["zone": "z\($0 % 4)"], offeredCPU: 1000) }
        let pods = (0..<200).map { index in
            F.with(
                F.pod("p\(index)", cpu: "100m", memory: "32Mi", labels: ["app": "batch"]),
                ["topologySpreadConstraints"],
                [
                    [
                        "maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway",
                        "labelSelector": F.selector(["app": "batch"]),
                    ]
                ])
        }
        let outcome = F.schedule(pods, on: nodes)
        #expect(outcome.assignments.count == 200)
        #expect(Self.counts(outcome).values.allSatisfy { $0 == 10 })
        #expect(outcome.nodes.allSatisfy { $0.offered?.milliCPU == 0 })
    }

    @Test func theThirteenthPodFindsTheOffersUsedUp() {
        let nodes = (1...3).map { F.node("n\($0)", offeredCPU: 400) }
        let pods = (0..<13).map { F.pod("p\($0)", cpu: "100m", created: "2026-01-01T00:00:\(10 + $0)Z") }
        let outcome = F.schedule(pods, on: nodes)
        #expect(outcome.assignments.count == 12)
        #expect(outcome.failures.map(\.pod.key) == ["default/p12"], "the youngest pod waits")
        #expect(Self.counts(outcome) == ["n1": 4, "n2": 4, "n3": 4])
    }

    @Test func higherPriorityGoesFirstThenTheOlderPod() {
        let nodes = [F.node("n1", offeredCPU: 1000)]
        let pods = [
            F.pod("old-low", cpu: "1", priority: 1, created: "2026-01-01T00:00:00Z"),
            F.pod("young-high", cpu: "1", priority: 100, created: "2026-01-01T01:00:00Z"),
        ]
        let outcome = F.schedule(pods, on: nodes)
        #expect(outcome.nodeName(of: "default/young-high") == "n1")
        #expect(outcome.failure(of: "default/old-low") != nil)
        let samePriority = [
            F.pod("young", cpu: "1", created: "2026-01-01T01:00:00Z"),
            F.pod("old", cpu: "1", created: "2026-01-01T00:00:00Z"),
        ]
        #expect(F.schedule(samePriority, on: nodes).assignments.map(\.pod.key) == ["default/old"])
    }

    @Test func hardTopologySpreadFillsThreeZonesEvenly() {
        let nodes = ["a", "b", "c"].map { F.node("node-\($0)", labels: ["zone": $0]) }
        let pods = (0..<6).map { index in
            F.with(
                F.pod("web-\(index)", cpu: "100m", labels: ["app": "web"]), ["topologySpreadConstraints"],
                [
                    [
                        "maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
                        "labelSelector": F.selector(["app": "web"]),
                    ]
                ])
        }
        let outcome = F.schedule(pods, on: nodes)
        #expect(Self.counts(outcome) == ["node-a": 2, "node-b": 2, "node-c": 2])
    }

    @Test func softSpreadAndLeastAllocatedSpreadIdenticalPods() {
        let nodes = ["a", "b", "c"].map { F.node("node-\($0)", labels: ["zone": $0]) }
        let pods = (0..<3).map { F.pod("p\($0)", cpu: "1", memory: "1Gi") }
        #expect(Self.counts(F.schedule(pods, on: nodes)) == ["node-a": 1, "node-b": 1, "node-c": 1])
    }

    @Test func antiAffinityPlacesOneReplicaPerNode() {
        let nodes = (1...3).map { F.node("n\($0)") }
        let pods = (0..<4).map { index in
            F.with(
                F.pod("web-\(index)", cpu: "100m", labels: ["app": "web"]), ["affinity", "podAntiAffinity"],
                [
                    "requiredDuringSchedulingIgnoredDuringExecution": [
                        ["labelSelector": F.selector(["app": "web"]), "topologyKey": "kubernetes.io/hostname"]
                    ]
                ])
        }
        let outcome = F.schedule(pods, on: nodes)
        #expect(Self.counts(outcome) == ["n1": 1, "n2": 1, "n3": 1])
        #expect(
            outcome.failures.first?.message
                == "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. "
                + "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.")
    }

    @Test func podAffinityFollowsTheFirstPodOfTheGroup() {
        let nodes = ["a", "b"].map { F.node("node-\($0)", labels: ["zone": $0]) }
        let pods = (0..<4).map { index in
            F.with(
                F.pod("cache-\(index)", cpu: "100m", labels: ["app": "cache"]), ["affinity", "podAffinity"],
                [
                    "requiredDuringSchedulingIgnoredDuringExecution": [
                        ["labelSelector": F.selector(["app": "cache"]), "topologyKey": "zone"]
                    ]
                ])
        }
        let outcome = F.schedule(pods, on: nodes)
        #expect(outcome.assignments.count == 4)
        #expect(Set(outcome.assignments.map(\.nodeName)).count == 1)
    }

    @Test func taintsKeepPodsOffUnlessTolerated() {
        let nodes = [
            F.node("gpu", taints: [Taint(key: "dedicated", value: "gpu", effect: .noSchedule)]),
            F.node("plain"),
        ]
        let plain = (0..<3).map { F.pod("p\($0)", cpu: "100m") }
        #expect(Self.counts(F.schedule(plain, on: nodes)) == ["plain": 3])
        let tolerant = F.with(
            F.pod("t", cpu: "100m"), ["tolerations"], [["key": "dedicated", "operator": "Equal", "value": "gpu"]])
        let onlyGPU = [F.node("gpu", taints: [Taint(key: "dedicated", value: "gpu", effect: .noSchedule)])]
        #expect(F.schedule([tolerant], on: onlyGPU).nodeName(of: "default/t") == "gpu")
    }

    @Test func preferNoScheduleTaintsAreAvoidedWhenThereIsAChoice() {
        let nodes = [F.node("soft", taints: [Taint(key: "spot", effect: .preferNoSchedule)]), F.node("clean")]
        for seed in UInt64(1)...5 {
            #expect(F.schedule([F.pod("p", cpu: "100m")], on: nodes, seed: seed).nodeName(of: "default/p") == "clean")
        }
    }

    @Test func hostPortsSpreadAndUseUpTheOfferedPort() {
        let nodes = [F.node("n1"), F.node("n2")]
        let pods = (0..<3).map { F.hostPort(F.pod("web-\($0)", cpu: "100m"), 31080) }
        let outcome = F.schedule(pods, on: nodes)
        #expect(Self.counts(outcome) == ["n1": 1, "n2": 1])
        #expect(
            outcome.failures.first?.message
                == "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports. "
                + "preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.")
        for node in outcome.nodes {
            #expect(node.offered?.offers(port: 31080) == false)
            #expect(node.offered?.offers(port: 31081) == true)
        }
    }

    @Test func nominatedPodsKeepTheirRoomFromLowerPriorityPods() {
        let preemptor = F.pod("preemptor", cpu: "1", priority: 100)
        let nodes = [
            SchedulingNode(
                name: "n1", allocatable: NodeResources(milliCPU: 1000, memory: F.gi),
                offered: ResourceOffer(milliCPU: 1000, memory: F.gi), nominatedPods: [preemptor])
        ]
        let low = F.schedule([F.pod("low", cpu: "1", priority: 1)], on: nodes)
        #expect(low.assignments.isEmpty)
        #expect(
            low.failure(of: "default/low")?.message.hasPrefix("0/1 nodes are available: 1 Insufficient cpu.") == true)
        let high = F.schedule([F.pod("high", cpu: "1", priority: 200)], on: nodes)
        #expect(high.nodeName(of: "default/high") == "n1")
        var nominated = preemptor
        nominated[path: ["status", "nominatedNodeName"]] = "n1"
        let itself = F.schedule([nominated], on: nodes)
        #expect(itself.nodeName(of: "default/preemptor") == "n1")
        #expect(itself.nodes[0].nominatedPods.isEmpty)
    }

    @Test func aNominatedPodReturnsToItsNode() {
        var pod = F.pod("p", cpu: "100m")
        pod[path: ["status", "nominatedNodeName"]] = "busy"
        let nodes = [F.node("idle"), F.node("busy", boundPods: [F.pod("x", cpu: "3")])]
        #expect(F.schedule([pod], on: nodes).nodeName(of: "default/p") == "busy")
        #expect(F.schedule([F.pod("q", cpu: "100m")], on: nodes).nodeName(of: "default/q") == "idle")
    }

    @Test func gatedPodsAreNotScheduled() {
        let gated = F.with(F.pod("g"), ["schedulingGates"], [["name": "example.com/wait"]])
        let outcome = F.schedule([gated], on: [F.node("n1")])
        #expect(outcome.gated.map(\.key) == ["default/g"])
        #expect(outcome.assignments.isEmpty && outcome.failures.isEmpty)
    }

    @Test func tiesAreBrokenByTheInjectedGenerator() {
        let nodes = (1...4).map { F.node("n\($0)") }
        let pick = { (seed: UInt64) in F.schedule([F.pod("p")], on: nodes, seed: seed).nodeName(of: "default/p") }
        #expect(pick(7) == pick(7))
        #expect(Set((UInt64(1)...40).compactMap(pick)).count == 4, "every tied node can win")
    }

    @Test func nodesWithoutAnOfferStillCountForSpreading() {
        let nodes = [
            F.node("a1", labels: ["zone": "a"], offer: false),
            F.node("b1", labels: ["zone": "b"]),
        ]
        let pods = (0..<2).map { index in
            F.with(
                F.pod("web-\(index)", cpu: "100m", labels: ["app": "web"]), ["topologySpreadConstraints"],
                [
                    [
                        "maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
                        "labelSelector": F.selector(["app": "web"]),
                    ]
                ])
        }
        let outcome = F.schedule(pods, on: nodes)
        #expect(outcome.assignments.map(\.nodeName) == ["b1"])
        #expect(
            outcome.failures.first?.message
                == "0/2 nodes are available: 1 node(s) didn't match pod topology spread constraints, "
                + "1 node(s) had no resource offer. preemption: 0/2 nodes are available: "
                + "2 No preemption victims found for incoming pod.")
    }
    @Test func preferredNodeAndPodAffinitySteerThePlacement() {
        let nodes = [
            F.node("hdd", labels: ["disk": "hdd", "zone": "a"]),
            F.node("ssd", labels: ["disk": "ssd", "zone": "b"]),
            F.node(
                "cache-zone", labels: ["disk": "hdd", "zone": "c"],
                boundPods: [F.pod("cache", labels: ["app": "cache"])]),
        ]
        let prefersSSD = F.with(
            F.pod("p", cpu: "100m"), ["affinity", "nodeAffinity", "preferredDuringSchedulingIgnoredDuringExecution"],
            [["weight": 100, "preference": ["matchExpressions": [F.expression("disk", "In", ["ssd"])]]]])
        let nearCache = F.with(
            F.pod("q", cpu: "100m"), ["affinity", "podAffinity", "preferredDuringSchedulingIgnoredDuringExecution"],
            [
                [
                    "weight": 100,
                    "podAffinityTerm": ["labelSelector": F.selector(["app": "cache"]), "topologyKey": "zone"],
                ]
            ])
        for seed in UInt64(1)...5 {
            #expect(F.schedule([prefersSSD], on: nodes, seed: seed).nodeName(of: "default/p") == "ssd")
            #expect(F.schedule([nearCache], on: nodes, seed: seed).nodeName(of: "default/q") == "cache-zone")
        }
    }

    @Test func severalShortagesOnOneNodeAreEachCounted() {
        let nodes = [F.node("n1", cpu: 1000, pods: 1, boundPods: [F.pod("a", cpu: "900m")])]
        let outcome = F.schedule([F.pod("p", cpu: "200m")], on: nodes)
        #expect(
            outcome.failure(of: "default/p")?.message
                == "0/1 nodes are available: 1 Insufficient cpu, 1 Too many pods. "
                + "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.")
    }
    @Test func pendingPodsWithANominationHoldTheirRoomWithinTheBatch() {
        // The preemptor is not placeable yet (its victim still runs), but a lower-priority pod
        // must not grab the room it is waiting for, even though the shell listed no nominations.
        var preemptor = F.pod("preemptor", cpu: "1", priority: 100)
        preemptor[path: ["status", "nominatedNodeName"]] = "n1"
        let nodes = [F.node("n1", cpu: 2000, boundPods: [F.pod("victim", cpu: "1500m", priority: 1)])]
        let outcome = F.schedule([preemptor, F.pod("small", cpu: "500m", priority: 1)], on: nodes)
        #expect(outcome.placements["default/small"] == nil)
        #expect(
            outcome.failure(of: "default/small")?.message.hasPrefix("0/1 nodes are available: 1 Insufficient cpu.")
                == true)
        let alone = F.schedule([F.pod("small", cpu: "500m", priority: 1)], on: nodes)
        #expect(alone.placements == ["default/small": "n1"])
    }

    /// Upstream's adaptive percentageOfNodesToScore: every node below 100, then 50% less a point per
    /// 125 nodes, at least 5% and never fewer than 100 nodes.
    @Test func largeClustersAreSearchedOnlyUntilEnoughNodesFit() {
        let wanted = [50, 99, 100, 200, 1000, 5000, 10000].map(KubeScheduler.numFeasibleNodesToFind(allNodes:))
        #expect(wanted == [50, 99, 100, 100, 420, 500, 500])
    }

    /// Each pod's search starts where the last one stopped, so a batch spreads over the cluster
    /// instead of scoring the same first nodes for every pod.
    @Test func eachPodsSearchStartsWhereTheLastStopped() {
        let nodes = (0..<200).map { F.node(String(format: "n%03d", $0)) }
        let pods = (0..<2).map { F.pod("p\($0)", cpu: "100m", memory: "64Mi") }
        let outcome = F.schedule(pods, on: nodes)
        #expect(outcome.assignments.count == 2)
        let first = outcome.nodeName(of: "default/p0") ?? ""
        let second = outcome.nodeName(of: "default/p1") ?? ""
        #expect(first < "n100", "the first pod searched n000–n099, got \(first)")
        #expect(second >= "n100", "the second pod searched n100–n199, got \(second)")
    }

    /// A pod that fits nowhere is tried on every node, so its diagnosis counts them all.
    @Test func aPodThatFitsNowhereIsTriedOnEveryNode() {
        let nodes = (0..<300).map { F.node("n\($0)", offeredCPU: 50) }
        let outcome = F.schedule([F.pod("big", cpu: "1", memory: "64Mi")], on: nodes)
        #expect(outcome.failures.first?.diagnosis.nodeStatuses.count == 300)
    }

    /// Only offered nodes are searched for room, the rotation runs over them, and a pod that fits
    /// nowhere still has every node's status, the unoffered ones' "no resource offer" included.
    @Test func onlyOfferedNodesAreSearchedButAFailureNamesEveryNode() {
        let nodes = (0..<300).map { F.node(String(format: "n%03d", $0), offer: $0 % 100 == 7) }
        let small = (0..<4).map { F.pod("small\($0)", cpu: "100m", memory: "64Mi") }
        let outcome = F.schedule(small + [F.pod("big", cpu: "8", memory: "64Mi")], on: nodes)
        let placed = Set(small.indices.compactMap { outcome.nodeName(of: "default/small\($0)") })
        #expect(outcome.assignments.count == 4)
        #expect(placed.isSubset(of: ["n007", "n107", "n207"]), "\(placed)")
        let statuses = outcome.failures.first { $0.pod.key == "default/big" }?.diagnosis.nodeStatuses
        #expect(statuses?.count == 300)
        #expect(statuses?["n000"]?.reasons.contains(FilterReason.noOffer) == true)
    }

    /// A cycle takes the head of the queue that the offers could hold (within the offer share) and
    /// leaves the rest for the next offers, but never fewer than the minimum.
    @Test func aBatchIsWhatTheOffersCouldHold() {
        let pods = (0..<10).map { PodInfo(F.pod("p\($0)", cpu: "500m", memory: "64Mi")) }
        let offers = [ResourceOffer(milliCPU: 2000, memory: 8 * F.gi), ResourceOffer(milliCPU: 2000, memory: 8 * F.gi)]
        let keys = { (pods: [PodInfo]) in pods.map(\.key) }
        let half = KubeScheduler.batch(pods, offers: offers, share: 0.5, minimum: 1)
        #expect(keys(half.taken) == ["default/p0", "default/p1", "default/p2", "default/p3"])
        #expect(half.deferred.count == 6)
        #expect(KubeScheduler.batch(pods, offers: offers, share: 1, minimum: 1).taken.count == 8)
        #expect(keys(KubeScheduler.batch(pods, offers: [], share: 0.5, minimum: 3).taken).count == 3)
    }

    /// With an offer share, the pods beyond what the offers could hold are deferred, not failed;
    /// without one every pod is tried.
    @Test func podsBeyondTheOffersAreDeferredNotFailed() {
        let nodes = [F.node("n1", offeredCPU: 2000), F.node("n2", offeredCPU: 2000)]
        let pods = (0..<200).map { F.pod("p\($0)", cpu: "500m", memory: "64Mi") }
        var generator = SeededGenerator(seed: 1)
        let batched = KubeScheduler(offerShare: 0.5).schedule(pending: pods, nodes: nodes, using: &generator)
        #expect(batched.assignments.count == 8)
        #expect(batched.failures.count == 92)
        #expect(batched.deferred.count == 100)
        let all = F.schedule(pods, on: nodes)
        #expect(all.assignments.count == 8 && all.failures.count == 192 && all.deferred.isEmpty)
    }

    /// Offers with cpu for many pods on nodes that admit few: the batch stops at the nodes' pod
    /// room (bound and nominated pods taking theirs), so the rest wait instead of failing.
    @Test func aBatchStopsAtTheNodesPodRoom() {
        let bound = (0..<3).map { F.pod("old\($0)", cpu: "10m", memory: "1Mi") }
        let nodes = [
            F.node("n1", cpu: 64000, memory: 256 * F.gi, pods: 10, boundPods: bound),
            F.node("n2", cpu: 64000, memory: 256 * F.gi, pods: 10),
        ]
        let pods = (0..<300).map { F.pod("p\($0)", cpu: "100m", memory: "16Mi") }
        var generator = SeededGenerator(seed: 1)
        let outcome = KubeScheduler(offerShare: 0.5).schedule(pending: pods, nodes: nodes, using: &generator)
        #expect(outcome.assignments.count == 17)
        #expect(outcome.failures.count == 100 - 17)
        #expect(outcome.deferred.count == 200)
        let roomy = [F.node("n1", cpu: 64000, memory: 256 * F.gi, pods: 500)]
        let batch = KubeScheduler.batch(
            pods.map(PodInfo.init), offers: roomy.compactMap(\.offered), podRoom: 150, share: 0.5, minimum: 1)
        #expect(batch.taken.count == 150 && batch.deferred.count == 150)
    }
}
