import KubeTypes
import Testing

@testable import KubeControllersCore

@Suite struct ReplicaSetReconcilerTests {
    typealias F = Fixture
    static let now = Fixture.epoch + 1000

    static func reconcile(_ replicaSet: JSON, _ pods: [JSON], related: [JSON] = []) -> ReplicaSetReconciliation {
        ReplicaSetReconciler.reconcile(replicaSet: replicaSet, pods: pods, now: now, relatedReplicaSets: related)
    }

    static func deleted(_ plan: ReplicaSetReconciliation) -> [String] {
        for case .deletePods(let references) in plan.actions { return references.map(\.name) }
        return []
    }

    static func created(_ plan: ReplicaSetReconciliation) -> (count: Int, pod: JSON)? {
        for case .createPods(let count, let pod) in plan.actions { return (count, pod) }
        return nil
    }

    @Test func createsMissingPodsFromTheTemplate() throws {
        let replicaSet = F.replicaSet("web-abc", replicas: 3)
        let plan = Self.reconcile(replicaSet, [F.pod("p1", owner: replicaSet)])
        let (count, pod) = try #require(Self.created(plan))
        #expect(count == 2)
        #expect(plan.expectedCreations == 2)
        #expect(pod[path: ["metadata", "generateName"]] == "web-abc-")
        #expect(pod[path: ["metadata", "namespace"]] == "default")
        #expect(pod.labels == ["app": "web"])
        #expect(pod[path: ["spec", "containers"]] == replicaSet[path: ["spec", "template", "spec", "containers"]])
        let reference = try #require(pod.ownerReferences.first)
        #expect(
            reference == [
                "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-abc", "uid": "uid-rs-web-abc",
                "controller": true, "blockOwnerDeletion": true,
            ])
    }

    @Test func createsAtMostABurstPerSync() throws {
        let plan = Self.reconcile(F.replicaSet("big", replicas: 1200), [])
        #expect(try #require(Self.created(plan)).count == 500)
        #expect(ReplicaSetReconciler.slowStartBatches(500) == [1, 2, 4, 8, 16, 32, 64, 128, 245])
        #expect(ReplicaSetReconciler.slowStartBatches(1) == [1])
        #expect(ReplicaSetReconciler.slowStartBatches(0).isEmpty)
        #expect(ReplicaSetReconciler.slowStartBatches(7) == [1, 2, 4])
    }

    @Test func terminatingAndFinishedPodsAreReplacedNotCounted() throws {
        let replicaSet = F.replicaSet(replicas: 3)
        let pods = [
            F.pod("running", owner: replicaSet, readySince: 10),
            F.pod("going", owner: replicaSet, readySince: 10, deleting: true),
            F.pod("done", owner: replicaSet, phase: "Succeeded"),
        ]
        let plan = Self.reconcile(replicaSet, pods)
        #expect(try #require(Self.created(plan)).count == 2)
        #expect(plan.replicaSet[path: ["status", "replicas"]] == 1)
        #expect(plan.replicaSet[path: ["status", "terminatingReplicas"]] == 1)
        #expect(plan.replicaSet[path: ["status", "readyReplicas"]] == 1)
    }

    @Test func victimsFollowUpstreamRanking() {
        let replicaSet = F.replicaSet(replicas: 1)
        let pods = [
            F.pod("ready-old", owner: replicaSet, readySince: 0, created: 0),
            F.pod("unassigned", owner: replicaSet, node: nil, created: 0),
            F.pod("ready-new", owner: replicaSet, readySince: 900, created: 900),
            F.pod("not-ready", owner: replicaSet, created: 0),
            F.pod("unknown", owner: replicaSet, created: 0, phase: "Unknown"),
            F.pod("pending-bound", owner: replicaSet, created: 0, phase: "Pending"),
        ]
        let order = PodDeletionOrder(relatedPods: [], now: Self.now).victims(among: pods, count: 5).map(\.name)
        #expect(order == ["unassigned", "pending-bound", "unknown", "not-ready", "ready-new"])
        #expect(Self.deleted(Self.reconcile(replicaSet, pods)).count == 5)
    }

    @Test func deletionCostColocationAndRestartsBreakTies() {
        let replicaSet = F.replicaSet(replicas: 1)
        let cheap = F.pod("cheap", owner: replicaSet, node: "a", readySince: 0, deletionCost: -5)
        let dear = F.pod("dear", owner: replicaSet, node: "b", readySince: 0, deletionCost: 100)
        let order = PodDeletionOrder(relatedPods: [], now: Self.now)
        #expect(order.precedes(cheap, dear) == true)
        // Same cost: the pod sharing its node with more related pods goes first.
        let crowded = F.pod("crowded", owner: replicaSet, node: "a", readySince: 0)
        let alone = F.pod("alone", owner: replicaSet, node: "b", readySince: 0)
        let neighbours = [crowded, alone, F.pod("n1", node: "a"), F.pod("n2", node: "a")]
        #expect(PodDeletionOrder(relatedPods: neighbours, now: Self.now).precedes(crowded, alone) == true)
        // Same everything but restarts: the flappier pod goes first.
        let flappy = F.pod("flappy", owner: replicaSet, node: "b", readySince: 0, restarts: 4)
        #expect(order.precedes(flappy, alone) == true)
    }

    @Test func readyTimesCompareOnALogarithmicScale() {
        let replicaSet = F.replicaSet(replicas: 1)
        // Ready 100s and 120s ago fall in the same log2 bucket: the uid decides, not the time.
        let first = F.pod("a", owner: replicaSet, readySince: 1000 - 120)
        let second = F.pod("b", owner: replicaSet, readySince: 1000 - 100)
        let order = PodDeletionOrder(relatedPods: [], now: Self.now)
        #expect(order.precedes(first, second) == true)
        #expect(order.precedes(second, first) == false)
        // Ready 10s against 1000s ago: the more recently ready one goes first.
        let fresh = F.pod("z-fresh", owner: replicaSet, readySince: 990)
        let seasoned = F.pod("a-seasoned", owner: replicaSet, readySince: 0)
        #expect(order.precedes(fresh, seasoned) == true)
    }

    @Test func adoptsMatchingOrphansAndReleasesMismatchedPods() throws {
        let replicaSet = F.replicaSet(replicas: 2)
        let orphan = F.pod("orphan", readySince: 1)
        let strayed = F.pod("strayed", labels: ["app": "other"], owner: replicaSet)
        let foreign = F.pod("foreign", owner: F.replicaSet("someone-else"))
        let plan = Self.reconcile(replicaSet, [orphan, strayed, foreign, F.pod("mine", owner: replicaSet)])
        let expectedAdoption: JSON = [
            "metadata": [
                "ownerReferences": [
                    [
                        "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "uid-rs-rs",
                        "controller": true, "blockOwnerDeletion": true,
                    ]
                ],
                "uid": "uid-orphan",
            ]
        ]
        #expect(plan.actions.contains(.adoptPod(ObjectReference(orphan), patch: expectedAdoption)))
        let expectedRelease: JSON = [
            "metadata": ["ownerReferences": [["$patch": "delete", "uid": "uid-rs-rs"]], "uid": "uid-strayed"]
        ]
        #expect(plan.actions.contains(.releasePod(ObjectReference(strayed), patch: expectedRelease)))
        // The adopted orphan counts, the released and the foreign pods do not: nothing to create.
        #expect(Self.created(plan) == nil)
        #expect(plan.replicaSet[path: ["status", "replicas"]] == 2)
        // The patches work with the API server's strategic merge patch.
        let adopted = try StrategicMergePatch.apply(
            expectedAdoption, to: orphan, type: "io.k8s.api.core.v1.Pod", catalog: Builtin.catalog)
        #expect(adopted.controllerUID == "uid-rs-rs")
        let released = try StrategicMergePatch.apply(
            expectedRelease, to: strayed, type: "io.k8s.api.core.v1.Pod", catalog: Builtin.catalog)
        #expect(released.ownerReferences.isEmpty)
    }

    @Test func aReplicaSetBeingDeletedNeitherAdoptsReleasesNorScales() {
        var replicaSet = F.replicaSet(replicas: 3)
        replicaSet[path: ["metadata", "deletionTimestamp"]] = .string(F.time(5))
        let plan = Self.reconcile(
            replicaSet, [F.pod("orphan"), F.pod("strayed", labels: ["app": "x"], owner: replicaSet)])
        #expect(plan.actions.allSatisfy { if case .updateStatus = $0 { true } else { false } })
    }

    @Test func statusCountsReadinessAvailabilityAndLabels() throws {
        var replicaSet = F.replicaSet(replicas: 4, minReadySeconds: 30)
        replicaSet[path: ["spec", "template", "metadata", "labels", "tier"]] = "front"
        let pods = [
            F.pod("settled", labels: ["app": "web", "tier": "front"], owner: replicaSet, readySince: 0),
            F.pod("fresh", labels: ["app": "web", "tier": "front"], owner: replicaSet, readySince: 990),
            F.pod("exactly", owner: replicaSet, readySince: 970),
            F.pod("starting", owner: replicaSet),
        ]
        let plan = Self.reconcile(replicaSet, pods)
        let status = try #require(plan.replicaSet["status"])
        #expect(status["replicas"] == 4)
        #expect(status["fullyLabeledReplicas"] == 2)
        #expect(status["readyReplicas"] == 3)
        // Ready at 970 with minReadySeconds 30 is available only after 1000 (strictly later).
        #expect(status["availableReplicas"] == 1)
        #expect(status["observedGeneration"] == 1)
        #expect(plan.requeueAfter == 1)
        #expect(plan.actions.last == .updateStatus(plan.replicaSet))
    }

    @Test func anUnchangedStatusIsNotWritten() {
        let replicaSet = F.replicaSet(replicas: 1)
        let first = Self.reconcile(replicaSet, [F.pod("p", owner: replicaSet, readySince: 0)])
        var stored = first.replicaSet
        stored[path: ["metadata", "resourceVersion"]] = "2"
        let second = Self.reconcile(stored, [F.pod("p", owner: replicaSet, readySince: 0)])
        #expect(second.actions.isEmpty)
    }

    @Test func waitingExpectationsOnlyUpdateTheStatus() {
        let replicaSet = F.replicaSet(replicas: 3)
        let plan = ReplicaSetReconciler.reconcile(
            replicaSet: replicaSet, pods: [], now: Self.now, expectationsSatisfied: false)
        #expect(plan.actions == [.updateStatus(plan.replicaSet)])
        var expectations = PodExpectations(expecting: Self.reconcile(replicaSet, []), now: Self.now)
        #expect(!expectations.isSatisfied(now: Self.now))
        expectations.creationObserved()
        expectations.creationsSkipped(2)
        #expect(expectations.isSatisfied(now: Self.now))
        let deletion = PodExpectations(
            expecting: Self.reconcile(F.replicaSet(replicas: 0), [F.pod("x", owner: F.replicaSet())]), now: Self.now)
        #expect(deletion.pendingDeletions == ["default/x"])
        #expect(deletion.isSatisfied(now: Self.now + 301))
    }

    @Test func failedCreatesAddAReplicaFailureCondition() throws {
        let replicaSet = F.replicaSet(replicas: 2)
        let plan = Self.reconcile(replicaSet, [])
        let failed = plan.replicaSetAfterFailure("pods \"rs-x\" is forbidden: exceeded quota", now: Self.now)
        let condition = try #require(failed[path: ["status", "conditions"]]?.arrayValue?.first)
        #expect(condition["type"] == "ReplicaFailure")
        #expect(condition["status"] == "True")
        #expect(condition["reason"] == "FailedCreate")
        #expect(condition["message"] == "pods \"rs-x\" is forbidden: exceeded quota")
        // Once writes succeed again the condition goes away.
        let recovered = Self.reconcile(failed, [F.pod("a", owner: replicaSet), F.pod("b", owner: replicaSet)])
        #expect(recovered.replicaSet[path: ["status", "conditions"]] == nil)
        #expect(recovered.actions == [.updateStatus(recovered.replicaSet)])
    }

    @Test func siblingPodsOfTheSameDeploymentRankByNode() {
        let deployment = F.deployment()
        let mine = F.replicaSet("new", replicas: 1, labels: ["app": "web", "h": "1"], owner: deployment)
        let sibling = F.replicaSet("old", replicas: 2, labels: ["app": "web", "h": "0"], owner: deployment)
        let pods = [
            F.pod("mine-a", labels: ["app": "web", "h": "1"], owner: mine, node: "a", readySince: 0),
            F.pod("mine-b", labels: ["app": "web", "h": "1"], owner: mine, node: "b", readySince: 0),
            F.pod("old-b1", labels: ["app": "web", "h": "0"], owner: sibling, node: "b", readySince: 0),
            F.pod("old-b2", labels: ["app": "web", "h": "0"], owner: sibling, node: "b", readySince: 0),
        ]
        // Without siblings both of mine share a rank; with them, the one on crowded node b goes.
        let plan = Self.reconcile(mine, pods, related: [mine, sibling])
        #expect(Self.deleted(plan) == ["mine-b"])
    }

    @Test func aStandaloneReplicaSetAdoptsOrphansAndReplacesReleasedPods() {
        var world = World()
        let replicaSet = F.replicaSet("front", replicas: 3)
        world.replicaSets["front"] = replicaSet
        world.pods["handmade"] = F.pod("handmade", readySince: 0)
        world.expectEventually { $0.replicaSets["front"]?[path: ["status", "readyReplicas"]] == 3 }
        #expect(world.pods.count == 3)
        #expect(world.pods["handmade"]?.controllerUID == replicaSet.uid)
        // Relabelling a pod out of the selector releases it; a replacement takes its place.
        world.pods["handmade"]?[path: ["metadata", "labels"]] = ["app": "debug"]
        world.expectEventually {
            $0.replicaSets["front"]?[path: ["status", "readyReplicas"]] == 3 && $0.pods.count == 4
        }
        #expect(world.pods["handmade"]?.ownerReferences.isEmpty == true)
        #expect(world.rejected.isEmpty)
    }
}
