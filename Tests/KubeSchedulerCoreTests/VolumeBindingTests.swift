import KubeTypes
import Testing

@testable import KubeSchedulerCore

@Suite struct VolumeBindingTests {
    typealias F = Fixture

    static func podWithClaim(_ name: String, claim: String) -> JSON {
        F.with(
            F.pod(name, cpu: "100m"), ["volumes"],
            [["name": "data", "persistentVolumeClaim": ["claimName": .string(claim)]]])
    }

    static func claim(_ name: String, volume: String? = nil, storageClass: String = "local-path") -> JSON {
        var claim: JSON = [
            "metadata": ["name": .string(name), "namespace": "default", "uid": .string("uid-" + name)],
            "spec": [
                "accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Mi"]],
                "storageClassName": .string(storageClass),
            ],
        ]
        if let volume { claim[path: ["spec", "volumeName"]] = .string(volume) }
        return claim
    }

    static func volume(_ name: String, node: String?) -> JSON {
        var volume: JSON = [
            "metadata": ["name": .string(name)],
            "spec": ["capacity": ["storage": "1Gi"], "accessModes": ["ReadWriteOnce"], "storageClassName": "manual"],
        ]
        if let node {
            volume[path: ["spec", "nodeAffinity"]] = [
                "required": [
                    "nodeSelectorTerms": [["matchExpressions": [F.expression("kubernetes.io/hostname", "In", [node])]]]
                ]
            ]
        }
        return volume
    }

    static let classes: [JSON] = [
        [
            "metadata": ["name": "local-path"], "provisioner": "mesokube.io/local-path",
            "volumeBindingMode": "WaitForFirstConsumer",
        ],
        ["metadata": ["name": "fast"], "provisioner": "example.com/fast", "volumeBindingMode": "Immediate"],
        [
            "metadata": ["name": "static"], "provisioner": "kubernetes.io/no-provisioner",
            "volumeBindingMode": "WaitForFirstConsumer",
        ],
    ]

    static func schedule(
        _ pods: [JSON], catalog: VolumeCatalog, nodes: [String] = ["a", "b", "c"]
    ) -> SchedulingOutcome {
        var generator = SeededGenerator(seed: 1)
        return KubeScheduler(volumes: catalog).schedule(
            pending: pods, nodes: nodes.map { F.node($0) }, using: &generator)
    }

    @Test func missingClaimMakesThePodUnschedulableWithUpstreamsMessage() throws {
        let outcome = Self.schedule(
            [Self.podWithClaim("p", claim: "nope")], catalog: VolumeCatalog(classes: Self.classes))
        let failure = try #require(outcome.failure(of: "default/p"))
        #expect(failure.message.hasPrefix("0/3 nodes are available: persistentvolumeclaim \"nope\" not found."))
        #expect(outcome.assignments.isEmpty)
    }

    @Test func unboundImmediateClaimIsUnschedulable() throws {
        let catalog = VolumeCatalog(claims: [Self.claim("c", storageClass: "fast")], classes: Self.classes)
        let failure = try #require(
            Self.schedule([Self.podWithClaim("p", claim: "c")], catalog: catalog).failure(of: "default/p"))
        #expect(failure.message.contains("pod has unbound immediate PersistentVolumeClaims"))
    }

    @Test func claimBoundToALocalVolumeKeepsThePodOnThatNode() {
        let catalog = VolumeCatalog(
            claims: [Self.claim("c", volume: "pv1")], volumes: [Self.volume("pv1", node: "b")], classes: Self.classes)
        for seed in 0..<5 {
            var generator = SeededGenerator(seed: UInt64(seed))
            let outcome = KubeScheduler(volumes: catalog).schedule(
                pending: [Self.podWithClaim("p", claim: "c")], nodes: ["a", "b", "c"].map { F.node($0) },
                using: &generator)
            #expect(outcome.nodeName(of: "default/p") == "b")
        }
    }

    @Test func nodesOutsideTheVolumeAffinityReportTheConflict() throws {
        let catalog = VolumeCatalog(
            claims: [Self.claim("c", volume: "pv1")], volumes: [Self.volume("pv1", node: "z")], classes: Self.classes)
        let failure = try #require(
            Self.schedule([Self.podWithClaim("p", claim: "c")], catalog: catalog).failure(of: "default/p"))
        #expect(failure.message.contains("3 node(s) had volume node affinity conflict"))
    }

    @Test func claimBoundToAMissingVolumeIsUnschedulable() throws {
        let catalog = VolumeCatalog(claims: [Self.claim("c", volume: "gone")], classes: Self.classes)
        let failure = try #require(
            Self.schedule([Self.podWithClaim("p", claim: "c")], catalog: catalog).failure(of: "default/p"))
        #expect(failure.message.contains("pvc(s) bound to non-existent pv(s)"))
    }

    @Test func delayedClaimWithAProvisionerFitsAnyNodeAndIsReportedForSelection() throws {
        let claim = Self.claim("c")
        let catalog = VolumeCatalog(claims: [claim], classes: Self.classes)
        let pod = Self.podWithClaim("p", claim: "c")
        let outcome = Self.schedule([pod], catalog: catalog)
        #expect(outcome.nodeName(of: "default/p") != nil)
        #expect(catalog.delayedClaims(of: pod).map(\.name) == ["c"])
        // Once bound it is no longer delayed.
        let bound = VolumeCatalog(
            claims: [Self.claim("c", volume: "pv1")], volumes: [Self.volume("pv1", node: nil)], classes: Self.classes)
        #expect(bound.delayedClaims(of: pod).isEmpty)
    }

    @Test func delayedClaimWithoutAProvisionerNeedsAReachableVolume() throws {
        var free = Self.volume("pv1", node: "c")
        free[path: ["spec", "storageClassName"]] = "static"
        let catalog = VolumeCatalog(
            claims: [Self.claim("c", storageClass: "static")], volumes: [free], classes: Self.classes)
        let outcome = Self.schedule([Self.podWithClaim("p", claim: "c")], catalog: catalog)
        #expect(outcome.nodeName(of: "default/p") == "c")
        let none = VolumeCatalog(claims: [Self.claim("c", storageClass: "static")], classes: Self.classes)
        let failure = try #require(
            Self.schedule([Self.podWithClaim("p", claim: "c")], catalog: none).failure(of: "default/p"))
        #expect(failure.message.contains("node(s) didn't find available persistent volumes to bind"))
    }

    @Test func podsWithoutClaimsAreUnaffected() {
        let outcome = Self.schedule([F.pod("plain", cpu: "100m")], catalog: VolumeCatalog())
        #expect(outcome.nodeName(of: "default/plain") != nil)
    }
}
