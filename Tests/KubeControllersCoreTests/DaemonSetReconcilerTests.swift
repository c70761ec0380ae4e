import KubeTypes
import Testing

@testable import KubeControllersCore

@Suite struct DaemonSetReconcilerTests {
    typealias F = Fixture
    static let now = Fixture.epoch + 1000
    static let threeNodes = [F.node("n1"), F.node("n2"), F.node("n3")]

    static func reconcile(
        _ daemonSet: JSON, nodes: [JSON] = threeNodes, pods: [JSON] = [], revisions: [JSON] = [],
        satisfied: Bool = true, backoff: FailedPodBackoff = FailedPodBackoff(), now: Int64 = now
    ) -> DaemonSetReconciliation {
        DaemonSetReconciler.reconcile(
            daemonSet: daemonSet, nodes: nodes, pods: pods, revisions: revisions, now: now,
            expectationsSatisfied: satisfied, backoff: backoff)
    }

    static func created(_ plan: DaemonSetReconciliation) -> [JSON] {
        for case .createPods(let pods) in plan.actions { return pods }
        return []
    }

    static func deleted(_ plan: DaemonSetReconciliation) -> [String] {
        for case .deletePods(let references) in plan.actions { return references.map(\.name).sorted() }
        return []
    }

    static func createdRevision(_ plan: DaemonSetReconciliation) -> JSON? {
        for case .createRevision(let revision) in plan.actions { return revision }
        return nil
    }

    /// The daemon set with its first revision, as after the first sync.
    static func withRevision(_ daemonSet: JSON) -> (hash: String, revision: JSON) {
        var revision = DaemonSetHistory.snapshot(of: daemonSet, revision: 1)
        revision[path: ["metadata", "uid"]] = "uid-rev-1"
        return (DaemonSetHistory.hash(of: daemonSet), revision)
    }

    // MARK: Placement

    @Test func createsOnePodPerNodePinnedByNodeAffinity() throws {
        let daemonSet = F.daemonSet()
        let plan = Self.reconcile(daemonSet)
        let pods = Self.created(plan)
        #expect(pods.compactMap(DaemonSetPods.targetNode) == ["n1", "n2", "n3"])
        let hash = DaemonSetHistory.hash(of: daemonSet)
        let pod = try #require(pods.first)
        #expect(pod[path: ["metadata", "generateName"]] == "agent-")
        #expect(pod.labels == ["app": "agent", "controller-revision-hash": hash, "pod-template-generation": "1"])
        #expect(pod[path: ["spec", "nodeName"]] == nil)
        let required = pod[path: ["spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"]]
        #expect(
            required == [
                "nodeSelectorTerms": [["matchFields": [["key": "metadata.name", "operator": "In", "values": ["n1"]]]]]
            ])
        let reference = try #require(pod.ownerReferences.first)
        #expect(reference["kind"] == "DaemonSet")
        #expect(reference["controller"] == true)
        #expect(plan.expectedCreations == 3)
        let keys = (pod[path: ["spec", "tolerations"]]?.arrayValue ?? []).compactMap { $0["key"]?.stringValue }
        #expect(
            keys == [
                "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable", "node.kubernetes.io/disk-pressure",
                "node.kubernetes.io/memory-pressure", "node.kubernetes.io/pid-pressure",
                "node.kubernetes.io/unschedulable",
            ])
    }

    @Test func defaultTolerationsReplaceEqualOnesAndAddNetworkForHostNetwork() {
        let spec: JSON = [
            "hostNetwork": true,
            "tolerations": [
                [
                    "key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
                    "tolerationSeconds": 30,
                ],
                ["key": "custom", "operator": "Exists"],
            ],
        ]
        let tolerations = DaemonSetPods.withDaemonTolerations(spec)["tolerations"]?.arrayValue ?? []
        #expect(tolerations.count == 8)
        #expect(
            tolerations[0] == ["key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"])
        #expect(tolerations.contains { $0["key"] == "node.kubernetes.io/network-unavailable" })
    }

    @Test func nodeSelectorAffinityAndTaintsDecideEligibility() {
        let nodes = [
            F.node("ssd", labels: ["disk": "ssd"]), F.node("hdd", labels: ["disk": "hdd"]),
            F.node("tainted", labels: ["disk": "ssd"], taints: [NodeTaint(key: "dedicated", effect: "NoSchedule")]),
            F.node(
                "pressure", labels: ["disk": "ssd"],
                taints: [NodeTaint(key: "node.kubernetes.io/disk-pressure", effect: "NoSchedule")]),
        ]
        let plan = Self.reconcile(F.daemonSet(nodeSelector: ["disk": "ssd"]), nodes: nodes)
        #expect(Self.created(plan).compactMap(DaemonSetPods.targetNode) == ["pressure", "ssd"])
        #expect(plan.daemonSet[path: ["status", "desiredNumberScheduled"]] == 2)

        var affinity = F.daemonSet()
        affinity[path: ["spec", "template", "spec", "affinity"]] = [
            "nodeAffinity": [
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    "nodeSelectorTerms": [
                        ["matchExpressions": [["key": "disk", "operator": "NotIn", "values": ["ssd"]]]]
                    ]
                ]
            ]
        ]
        let byAffinity = Self.reconcile(affinity, nodes: nodes)
        #expect(Self.created(byAffinity).compactMap(DaemonSetPods.targetNode) == ["hdd"])
        let tolerant = F.daemonSet(tolerations: [["key": "dedicated", "operator": "Exists"]])
        #expect(Self.created(Self.reconcile(tolerant, nodes: nodes)).count == 4)
    }

    @Test func podsOnNodesThatNoLongerQualifyAreDeletedUnlessOnlyNoScheduleChanged() {
        let daemonSet = F.daemonSet()
        let (hash, revision) = Self.withRevision(daemonSet)
        let nodes = [
            F.node("n1", taints: [NodeTaint(key: "gone", effect: "NoExecute")]),
            F.node("n2", taints: [NodeTaint(key: "full", effect: "NoSchedule")]), F.node("n3"),
        ]
        let pods = ["n1", "n2", "n3"].map { F.daemonPod("p-\($0)", of: daemonSet, node: $0, hash: hash) }
        let plan = Self.reconcile(daemonSet, nodes: nodes, pods: pods, revisions: [revision])
        #expect(Self.deleted(plan) == ["p-n1"])
        #expect(Self.created(plan).isEmpty)
        #expect(plan.daemonSet[path: ["status", "desiredNumberScheduled"]] == 1)
        #expect(plan.daemonSet[path: ["status", "numberMisscheduled"]] == 2)
    }

    @Test func surplusPodsOnANodeGoOldestKeptAndUnscheduledPodsOfVanishedNodesGo() {
        let daemonSet = F.daemonSet()
        let (hash, revision) = Self.withRevision(daemonSet)
        var orphanedPending = F.daemonPod("p-gone", of: daemonSet, node: "gone", hash: hash, readySince: nil)
        orphanedPending[path: ["spec", "nodeName"]] = nil
        orphanedPending[path: ["status", "phase"]] = "Pending"
        let pods = [
            F.daemonPod("old", of: daemonSet, node: "n1", hash: hash, created: 1),
            F.daemonPod("young", of: daemonSet, node: "n1", hash: hash, created: 5), orphanedPending,
            F.daemonPod("p2", of: daemonSet, node: "n2", hash: hash),
            F.daemonPod("p3", of: daemonSet, node: "n3", hash: hash),
        ]
        let plan = Self.reconcile(daemonSet, pods: pods, revisions: [revision])
        #expect(Self.deleted(plan) == ["p-gone", "young"])
    }

    @Test func adoptsMatchingOrphansAndLeavesOthersAlone() throws {
        let daemonSet = F.daemonSet()
        let (_, revision) = Self.withRevision(daemonSet)
        var orphan = F.pod("orphan", labels: ["app": "agent"], node: "n1", readySince: 0)
        orphan[path: ["metadata", "ownerReferences"]] = nil
        let stranger = F.pod("stranger", labels: ["app": "other"], node: "n2", readySince: 0)
        let plan = Self.reconcile(daemonSet, pods: [orphan, stranger], revisions: [revision])
        #expect(plan.actions.contains { if case .patchPod(let pod, _) = $0 { pod.name == "orphan" } else { false } })
        #expect(Self.created(plan).compactMap(DaemonSetPods.targetNode) == ["n2", "n3"])
    }

    // MARK: Failed pods and expectations

    @Test func failedPodsAreDeletedWithBackoff() throws {
        let daemonSet = F.daemonSet()
        let (hash, revision) = Self.withRevision(daemonSet)
        let failed = F.daemonPod("bad", of: daemonSet, node: "n1", hash: hash, readySince: nil, phase: "Failed")
        let others = ["n2", "n3"].map { F.daemonPod("p-\($0)", of: daemonSet, node: $0, hash: hash) }
        let first = Self.reconcile(daemonSet, pods: [failed] + others, revisions: [revision])
        #expect(Self.deleted(first) == ["bad"])
        let event = try #require(first.actions.compactMap { if case .recordEvent(let e) = $0 { e } else { nil } }.first)
        #expect(event.reason == "FailedDaemonPod")
        #expect(event.message == "Found failed daemon pod default/bad on node n1, will try to kill it")
        // The replacement failed too, straight away: inside the backoff it is left for now.
        let again = Self.reconcile(
            daemonSet, pods: [failed] + others, revisions: [revision], backoff: first.backoff, now: Self.now)
        #expect(Self.deleted(again).isEmpty)
        #expect(again.requeueAfter == 1)
        let later = Self.reconcile(
            daemonSet, pods: [failed] + others, revisions: [revision], backoff: first.backoff, now: Self.now + 1)
        #expect(Self.deleted(later) == ["bad"])
        var backoff = later.backoff
        backoff.next("n1", now: Self.now + 2)
        #expect(backoff.remaining("n1", now: Self.now + 2) == 4)
    }

    @Test func unmetExpectationsOnlyUpdateTheStatus() {
        let daemonSet = F.daemonSet()
        var stale = daemonSet
        stale[path: ["metadata", "generation"]] = 2
        let plan = Self.reconcile(stale, satisfied: false)
        #expect(Self.created(plan).isEmpty)
        #expect(plan.daemonSet[path: ["status", "desiredNumberScheduled"]] == 3)
        #expect(plan.daemonSet[path: ["status", "observedGeneration"]] == nil)
    }

    // MARK: Status

    @Test func statusCountsReadyAvailableUpdatedAndObservedGeneration() {
        let daemonSet = F.daemonSet(minReadySeconds: 10)
        let (hash, revision) = Self.withRevision(daemonSet)
        let pods = [
            F.daemonPod("a", of: daemonSet, node: "n1", hash: hash, readySince: 0),
            F.daemonPod("b", of: daemonSet, node: "n2", hash: hash, readySince: 995),
            F.daemonPod("c", of: daemonSet, node: "n3", hash: "older", readySince: nil),
        ]
        let plan = Self.reconcile(daemonSet, pods: pods, revisions: [revision])
        let status = plan.daemonSet["status"]
        #expect(status?["desiredNumberScheduled"] == 3)
        #expect(status?["currentNumberScheduled"] == 3)
        #expect(status?["numberReady"] == 2)
        #expect(status?["numberAvailable"] == 1)
        #expect(status?["numberUnavailable"] == 2)
        #expect(status?["updatedNumberScheduled"] == 3)  // c still carries pod-template-generation 1
        #expect(status?["observedGeneration"] == 1)
        #expect(plan.requeueAfter == 6)
        #expect(plan.actions.contains { if case .updateStatus = $0 { true } else { false } })
    }

    // MARK: History

    @Test func firstSyncRecordsRevisionOneWithTheTemplatePatch() throws {
        var daemonSet = F.daemonSet()
        daemonSet[path: ["metadata", "annotations", "kubernetes.io/change-cause"]] = "first"
        let revision = try #require(Self.createdRevision(Self.reconcile(daemonSet)))
        let hash = DaemonSetHistory.hash(of: daemonSet)
        #expect(revision.name == "agent-\(hash)")
        #expect(revision["revision"] == 1)
        #expect(revision.labels == ["app": "agent", "controller-revision-hash": hash])
        #expect(revision.annotations["kubernetes.io/change-cause"] == "first")
        var template = try #require(daemonSet[path: ["spec", "template"]])
        template["$patch"] = "replace"
        #expect(revision["data"] == ["spec": ["template": template]])
        #expect(DaemonSetHistory.matches(daemonSet, revision))
    }

    @Test func aTemplateBackToAnOldRevisionReusesItWithTheNextNumber() throws {
        let first = F.daemonSet(image: "a:1")
        var one = DaemonSetHistory.snapshot(of: first, revision: 1)
        one[path: ["metadata", "uid"]] = "r1"
        var two = DaemonSetHistory.snapshot(of: F.daemonSet(image: "a:2"), revision: 2)
        two[path: ["metadata", "uid"]] = "r2"
        let plan = Self.reconcile(first, revisions: [one, two])
        #expect(Self.createdRevision(plan) == nil)
        let raised = plan.actions.compactMap { if case .updateRevision(let r) = $0 { r } else { nil } }
        #expect(raised.map(\.name) == [one.name])
        #expect(raised.first?["revision"] == 3)
        #expect(Self.created(plan).first?.labels["controller-revision-hash"] == one.labels["controller-revision-hash"])
    }

    @Test func oldRevisionsBeyondTheLimitAreCleanedUpUnlessPodsRunThem() {
        let daemonSet = F.daemonSet(image: "a:9", revisionHistoryLimit: 1)
        let olds = (1...3).map { index -> JSON in
            var revision = DaemonSetHistory.snapshot(of: F.daemonSet(image: "a:\(index)"), revision: Int64(index))
            revision[path: ["metadata", "uid"]] = .string("r\(index)")
            return revision
        }
        let liveOld = F.daemonPod(
            "p1", of: daemonSet, node: "n1", hash: olds[0].labels["controller-revision-hash"] ?? "")
        let plan = Self.reconcile(daemonSet, nodes: [F.node("n1")], pods: [liveOld], revisions: olds)
        let deleted = plan.actions.compactMap { if case .deleteRevision(let r) = $0 { r.name } else { nil } }
        #expect(deleted == [olds[1].name, olds[2].name])
    }

    @Test func collisionBumpChangesTheHash() {
        let daemonSet = F.daemonSet()
        let bumped = DaemonSetHistory.withCollisionBumped(daemonSet)
        #expect(bumped[path: ["status", "collisionCount"]] == 1)
        #expect(DaemonSetHistory.hash(of: bumped) != DaemonSetHistory.hash(of: daemonSet))
    }

    // MARK: Updates

    @Test func rollingUpdateReplacesOneNodeAtATime() {
        var world = DaemonSetWorld(daemonSet: F.daemonSet(image: "a:1"), nodes: Self.threeNodes)
        world.run(seconds: 6)
        #expect(world.daemonSet[path: ["status", "numberAvailable"]] == 3)
        world.worstUnavailable = 0
        world.setImage("a:2")
        world.run(seconds: 30)
        for node in ["n1", "n2", "n3"] { #expect(world.images(onNode: node) == ["a:2"]) }
        #expect(world.worstUnavailable == 1)
        #expect(world.mostPodsOnANode == 1)
        let status = world.daemonSet["status"]
        #expect(status?["updatedNumberScheduled"] == 3)
        #expect(status?["numberAvailable"] == 3)
        #expect(status?["observedGeneration"] == 2)
        #expect(world.revisions.values.map { $0["revision"]?.intValue ?? 0 }.sorted() == [1, 2])
    }

    @Test func rollingUpdateWithSurgeKeepsEveryNodeServing() {
        let strategy: JSON = ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": 1, "maxUnavailable": 0]]
        var world = DaemonSetWorld(daemonSet: F.daemonSet(image: "a:1", strategy: strategy), nodes: Self.threeNodes)
        world.run(seconds: 6)
        world.worstUnavailable = 0
        world.setImage("a:2")
        world.run(seconds: 40)
        for node in ["n1", "n2", "n3"] { #expect(world.images(onNode: node) == ["a:2"]) }
        #expect(world.worstUnavailable == 0)
        #expect(world.mostPodsOnANode == 2)
    }

    @Test func onDeleteLeavesOldPodsUntilTheyAreDeleted() throws {
        var world = DaemonSetWorld(
            daemonSet: F.daemonSet(image: "a:1", strategy: ["type": "OnDelete"]), nodes: Self.threeNodes)
        world.run(seconds: 6)
        world.setImage("a:2")
        world.run(seconds: 10)
        #expect(world.images(onNode: "n1") == ["a:1"])
        let victim = try #require(world.pods.values.first { PodState.nodeName($0) == "n1" })
        world.apply([.deletePods([ObjectReference(victim)])])
        world.run(seconds: 5)
        #expect(world.images(onNode: "n1") == ["a:2"])
        #expect(world.images(onNode: "n2") == ["a:1"])
        #expect(world.daemonSet[path: ["status", "updatedNumberScheduled"]] == 1)
    }

    @Test func aPercentageMaxUnavailableRoundsUp() {
        let strategy: JSON = ["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": "50%"]]
        var world = DaemonSetWorld(daemonSet: F.daemonSet(image: "a:1", strategy: strategy), nodes: Self.threeNodes)
        world.run(seconds: 6)
        world.worstUnavailable = 0
        world.setImage("a:2")
        world.run(seconds: 30)
        #expect(world.worstUnavailable == 2)
        for node in ["n1", "n2", "n3"] { #expect(world.images(onNode: node) == ["a:2"]) }
    }
}
