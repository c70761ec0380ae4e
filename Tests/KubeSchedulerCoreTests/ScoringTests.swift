import KubeTypes
import Testing

@testable import KubeSchedulerCore

@Suite struct ScoringTests {
    typealias F = Fixture

    static func info(_ node: SchedulingNode) -> NodeInfo { NodeInfo(node) }

    @Test func leastAllocatedScoresTheFreeShare() {
        // cpu: (4000 - 1000 - 1000) * 100 / 4000 = 50; memory: (8Gi - 2Gi - 2Gi) / 8Gi = 50.
        let node = Self.info(F.node("n1", boundPods: [F.pod("a", cpu: "1", memory: "2Gi")]))
        #expect(NodeScorers.leastAllocated(PodInfo(F.pod("p", cpu: "1", memory: "2Gi")), node) == 50)
        // A best-effort pod counts as 100m / 200Mi: cpu (4000-100)*100/4000 = 97, memory 97 → 97.
        #expect(NodeScorers.leastAllocated(PodInfo(F.pod("p")), Self.info(F.node("n2"))) == 97)
    }

    @Test func balancedAllocationPrefersEvenUse() {
        // cpu share 2000/4000 = 0.5, memory share 2Gi/8Gi = 0.25: (1 - 0.125) * 100 = 87.
        let pod = PodInfo(F.pod("p", cpu: "2", memory: "2Gi"))
        #expect(NodeScorers.balancedAllocation(pod, Self.info(F.node("n1"))) == 87)
        // Shares equal → 100.
        #expect(
            NodeScorers.balancedAllocation(PodInfo(F.pod("p", cpu: "2", memory: "4Gi")), Self.info(F.node("n1"))) == 100
        )
        // Best-effort pods skip the plugin.
        #expect(NodeScorers.balancedAllocation(PodInfo(F.pod("p")), Self.info(F.node("n1"))) == 0)
    }

    @Test func defaultNormalizationScalesToTheMaximum() {
        #expect(NodeScorers.defaultNormalize([0, 5, 10], reverse: false) == [0, 50, 100])
        #expect(NodeScorers.defaultNormalize([0, 1, 2], reverse: true) == [100, 50, 0])
        #expect(NodeScorers.defaultNormalize([0, 0], reverse: true) == [100, 100])
        #expect(NodeScorers.defaultNormalize([0, 0], reverse: false) == [0, 0])
    }

    @Test func preferredNodeAffinityAndPreferNoScheduleTaints() {
        let pod = PodInfo(
            F.with(
                F.pod("p"), ["affinity", "nodeAffinity", "preferredDuringSchedulingIgnoredDuringExecution"],
                [
                    ["weight": 30, "preference": ["matchExpressions": [F.expression("disk", "In", ["ssd"])]]],
                    ["weight": 10, "preference": ["matchExpressions": [F.expression("zone", "Exists")]]],
                ]))
        let node = Self.info(F.node("n1", labels: ["disk": "ssd", "zone": "a"]))
        #expect(NodeScorers.nodeAffinity(pod, node) == 40)
        let tainted = Self.info(
            F.node(
                "n1", taints: [Taint(key: "a", effect: .preferNoSchedule), Taint(key: "b", effect: .preferNoSchedule)]))
        #expect(NodeScorers.intolerablePreferNoScheduleTaints(pod, tainted) == 2)
        let tolerant = PodInfo(F.with(F.pod("p"), ["tolerations"], [["key": "a", "operator": "Exists"]]))
        #expect(NodeScorers.intolerablePreferNoScheduleTaints(tolerant, tainted) == 1)
    }

    @Test func spreadScoringFavoursTheEmptiestZone() {
        let web = F.pod("w", labels: ["app": "web"])
        let nodes = [
            F.node(
                "a1", labels: ["zone": "a"],
                boundPods: [F.pod("w1", labels: ["app": "web"]), F.pod("w2", labels: ["app": "web"])]),
            F.node("b1", labels: ["zone": "b"], boundPods: [F.pod("w3", labels: ["app": "web"])]),
            F.node("c1", labels: ["zone": "c"]),
        ].map(NodeInfo.init)
        let pod = PodInfo(
            F.with(
                web, ["topologySpreadConstraints"],
                [
                    [
                        "maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway",
                        "labelSelector": F.selector(["app": "web"]),
                    ]
                ]))
        let scorer = SpreadScorer(pod: pod, feasible: nodes, all: nodes)
        // weight ln(3 + 2) = 1.609: raw 3, 2, 0 (2×1.609 = 3.2 → 3, 1.609 → 2).
        let raw = nodes.map(scorer.rawScore)
        #expect(raw == [3, 2, 0])
        #expect(scorer.normalize(raw, nodes: nodes) == [0, 33, 100])
    }

    @Test func interPodAffinityScoresPreferredTermsPerDomain() {
        let nodes = [
            F.node("n1", labels: ["zone": "a"], boundPods: [F.pod("db", labels: ["app": "db"])]),
            F.node("n2", labels: ["zone": "a"]), F.node("n3", labels: ["zone": "b"]),
        ].map(NodeInfo.init)
        let pod = PodInfo(
            F.with(
                F.pod("p"), ["affinity", "podAffinity", "preferredDuringSchedulingIgnoredDuringExecution"],
                [
                    [
                        "weight": 50,
                        "podAffinityTerm": ["labelSelector": F.selector(["app": "db"]), "topologyKey": "zone"],
                    ]
                ]))
        let scorer = AffinityScorer(pod: pod, nodes: nodes, namespaceLabels: [:])
        let raw = nodes.map(scorer.rawScore)
        #expect(raw == [50, 50, 0])
        #expect(scorer.normalize(raw) == [100, 100, 0])
    }

    @Test func naturalLogMatchesKnownValues() {
        #expect(abs(naturalLog(2) - 0.693_147_180_559_945_3) < 1e-15)
        #expect(abs(naturalLog(5) - 1.609_437_912_434_100_3) < 1e-15)
        #expect(abs(naturalLog(5002) - 8.517_593_111_437_565) < 1e-12)
        #expect(naturalLog(1) == 0)
    }
}
