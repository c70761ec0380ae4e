import KubeTypes
import Testing

@testable import KubeSchedulerCore

@Suite struct SpreadAndAffinityFilterTests {
    typealias F = Fixture

    static func web(_ name: String) -> JSON { F.pod(name, labels: ["app": "web"]) }

    static func spread(
        _ pod: JSON, key: String = "zone", maxSkew: Int64 = 1, when: String = "DoNotSchedule",
        extra: [String: JSON] = [:]
    ) -> JSON {
        var constraint: JSON = [
            "maxSkew": .int(maxSkew), "topologyKey": .string(key), "whenUnsatisfiable": .string(when),
            "labelSelector": F.selector(["app": "web"]),
        ]
        for (field, value) in extra { constraint[field] = value }
        return F.with(pod, ["topologySpreadConstraints"], [constraint])
    }

    // MARK: - PodTopologySpread

    @Test func skewCountsMatchingPodsPerZone() {
        let nodes = [
            F.node("a1", labels: ["zone": "a"], boundPods: [Self.web("w1"), Self.web("w2")]),
            F.node("b1", labels: ["zone": "b"], boundPods: [Self.web("w3")]),
            F.node("c1", labels: ["zone": "c"], boundPods: [F.pod("other")]),
        ]
        let pod = Self.spread(Self.web("new"))
        let violation = NodeStatus.unschedulable("PodTopologySpread", FilterReason.spreadConstraints)
        #expect(F.filter(pod, on: "a1", in: nodes) == violation)
        #expect(F.filter(pod, on: "b1", in: nodes) == violation)
        #expect(F.filter(pod, on: "c1", in: nodes) == nil)
        // With maxSkew 2 zone b is fine too.
        #expect(F.filter(Self.spread(Self.web("new"), maxSkew: 2), on: "b1", in: nodes) == nil)
    }

    @Test func aNodeWithoutTheTopologyLabelIsUnresolvable() {
        let nodes = [F.node("a1", labels: ["zone": "a"]), F.node("bare")]
        #expect(
            F.filter(Self.spread(Self.web("new")), on: "bare", in: nodes)
                == .unresolvable(
                    "PodTopologySpread", "node(s) didn't match pod topology spread constraints (missing required label)"
                ))
    }

    @Test func minDomainsTreatsTheMinimumAsZeroWhileDomainsAreMissing() {
        let nodes = [
            F.node("a1", labels: ["zone": "a"], boundPods: [Self.web("w1")]),
            F.node("b1", labels: ["zone": "b"], boundPods: [Self.web("w2")]),
        ]
        #expect(F.filter(Self.spread(Self.web("new")), on: "a1", in: nodes) == nil)
        let demanding = Self.spread(Self.web("new"), extra: ["minDomains": 3])
        #expect(F.filter(demanding, on: "a1", in: nodes) != nil)
        #expect(F.filter(demanding, on: "b1", in: nodes) != nil)
    }

    @Test func nodeAffinityPolicyDecidesWhichNodesCount() {
        let nodes = [
            F.node("a1", labels: ["zone": "a", "disk": "ssd"], boundPods: [Self.web("w1")]),
            F.node("b1", labels: ["zone": "b", "disk": "hdd"]),
        ]
        let honoring = F.with(Self.spread(Self.web("new")), ["nodeSelector"], ["disk": "ssd"])
        #expect(F.filter(honoring, on: "a1", in: nodes) == nil, "zone b is out of reach, so it does not count")
        let ignoring = F.with(
            Self.spread(Self.web("new"), extra: ["nodeAffinityPolicy": "Ignore"]), ["nodeSelector"], ["disk": "ssd"])
        #expect(F.filter(ignoring, on: "a1", in: nodes)?.reasons == [FilterReason.spreadConstraints])
    }

    @Test func podsOfOtherNamespacesAndTerminatingPodsDoNotCount() {
        var terminating = Self.web("gone")
        terminating[path: ["metadata", "deletionTimestamp"]] = "2026-01-01T00:00:00Z"
        let nodes = [
            F.node(
                "a1", labels: ["zone": "a"],
                boundPods: [F.pod("x", namespace: "other", labels: ["app": "web"]), terminating]),
            F.node("b1", labels: ["zone": "b"]),
        ]
        #expect(F.filter(Self.spread(Self.web("new")), on: "a1", in: nodes) == nil)
    }

    @Test func scheduleAnywayConstraintsNeverFilter() {
        let nodes = [
            F.node("a1", labels: ["zone": "a"], boundPods: [Self.web("w1"), Self.web("w2")]),
            F.node("b1", labels: ["zone": "b"]),
        ]
        #expect(F.filter(Self.spread(Self.web("new"), when: "ScheduleAnyway"), on: "a1", in: nodes) == nil)
    }

    // MARK: - InterPodAffinity

    static func affinity(
        _ pod: JSON, kind: String, labels: [String: String], key: String, extra: [String: JSON] = [:]
    ) -> JSON {
        var term: JSON = ["labelSelector": F.selector(labels), "topologyKey": .string(key)]
        for (field, value) in extra { term[field] = value }
        return F.with(pod, ["affinity", kind], ["requiredDuringSchedulingIgnoredDuringExecution": [term]])
    }

    @Test func antiAffinityKeepsReplicasOnePerNode() {
        let nodes = [F.node("n1", boundPods: [Self.web("w1")]), F.node("n2")]
        let pod = Self.affinity(
            Self.web("w2"), kind: "podAntiAffinity", labels: ["app": "web"], key: "kubernetes.io/hostname")
        #expect(F.filter(pod, on: "n1", in: nodes) == .unschedulable("InterPodAffinity", FilterReason.podAntiAffinity))
        #expect(F.filter(pod, on: "n2", in: nodes) == nil)
    }

    @Test func affinityNeedsAMatchingPodInTheSameDomain() {
        let nodes = [
            F.node("n1", labels: ["zone": "a"], boundPods: [F.pod("db", labels: ["app": "db"])]),
            F.node("n2", labels: ["zone": "a"]), F.node("n3", labels: ["zone": "b"]), F.node("n4"),
        ]
        let pod = Self.affinity(Self.web("w"), kind: "podAffinity", labels: ["app": "db"], key: "zone")
        #expect(F.filter(pod, on: "n2", in: nodes) == nil)
        #expect(F.filter(pod, on: "n3", in: nodes) == .unresolvable("InterPodAffinity", FilterReason.podAffinity))
        #expect(F.filter(pod, on: "n4", in: nodes)?.reasons == [FilterReason.podAffinity], "no zone label")
    }

    @Test func theFirstPodOfASelfAffineGroupMayGoAnywhere() {
        let nodes = [F.node("n1", labels: ["zone": "a"]), F.node("n2", labels: ["zone": "b"])]
        let selfAffine = Self.affinity(Self.web("w"), kind: "podAffinity", labels: ["app": "web"], key: "zone")
        #expect(F.filter(selfAffine, on: "n1", in: nodes) == nil)
        let other = Self.affinity(Self.web("w"), kind: "podAffinity", labels: ["app": "db"], key: "zone")
        #expect(F.filter(other, on: "n1", in: nodes) != nil)
    }

    @Test func existingPodsAntiAffinityProtectsThem() {
        let loner = Self.affinity(
            F.pod("loner", labels: ["app": "db"]), kind: "podAntiAffinity", labels: ["app": "web"], key: "zone")
        let nodes = [
            F.node("n1", labels: ["zone": "a"], boundPods: [loner]), F.node("n2", labels: ["zone": "a"]),
            F.node("n3", labels: ["zone": "b"]),
        ]
        let reason = NodeStatus.unschedulable("InterPodAffinity", FilterReason.existingAntiAffinity)
        #expect(F.filter(Self.web("w"), on: "n1", in: nodes) == reason)
        #expect(F.filter(Self.web("w"), on: "n2", in: nodes) == reason)
        #expect(F.filter(Self.web("w"), on: "n3", in: nodes) == nil)
        #expect(F.filter(F.pod("plain"), on: "n1", in: nodes) == nil)
    }

    @Test func termsLookInTheirOwnNamespaceUnlessToldOtherwise() {
        let nodes = [F.node("n1", boundPods: [F.pod("w1", namespace: "team-a", labels: ["app": "web"])]), F.node("n2")]
        let sameNamespace = Self.affinity(
            Self.web("w2"), kind: "podAntiAffinity", labels: ["app": "web"], key: "kubernetes.io/hostname")
        #expect(F.filter(sameNamespace, on: "n1", in: nodes) == nil, "default namespace sees no web pod")
        let listed = Self.affinity(
            Self.web("w2"), kind: "podAntiAffinity", labels: ["app": "web"], key: "kubernetes.io/hostname",
            extra: ["namespaces": ["team-a"]])
        #expect(F.filter(listed, on: "n1", in: nodes) != nil)
        let selected = Self.affinity(
            Self.web("w2"), kind: "podAntiAffinity", labels: ["app": "web"], key: "kubernetes.io/hostname",
            extra: ["namespaceSelector": F.selector(["team": "a"])])
        #expect(F.filter(selected, on: "n1", in: nodes, namespaceLabels: ["team-a": ["team": "a"]]) != nil)
        #expect(F.filter(selected, on: "n1", in: nodes, namespaceLabels: ["team-a": ["team": "b"]]) == nil)
        let all = Self.affinity(
            Self.web("w2"), kind: "podAntiAffinity", labels: ["app": "web"], key: "kubernetes.io/hostname",
            extra: ["namespaceSelector": [:]])
        #expect(F.filter(all, on: "n1", in: nodes) != nil)
    }
}
