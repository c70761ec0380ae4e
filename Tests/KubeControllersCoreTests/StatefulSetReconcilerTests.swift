import KubeTypes
import Testing

@testable import KubeControllersCore

@Suite struct StatefulSetReconcilerTests {
    typealias F = Fixture
    static let now = Fixture.epoch + 1000

    static func set(
        replicas: Int64 = 3, parallel: Bool = false, image: String = "nginx:1.27", partition: Int64 = 0,
        onDelete: Bool = false, whenScaled: String = "Retain"
    ) -> JSON {
        var set: JSON = [
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": ["name": "web", "namespace": "default", "uid": "uid-sts", "generation": 1],
            "spec": [
                "replicas": .int(replicas), "serviceName": "nginx", "selector": ["matchLabels": ["app": "web"]],
                "template": F.template(image: image),
                "podManagementPolicy": parallel ? "Parallel" : "OrderedReady",
                "updateStrategy": onDelete
                    ? ["type": "OnDelete"]
                    : ["type": "RollingUpdate", "rollingUpdate": ["partition": .int(partition)]],
                "persistentVolumeClaimRetentionPolicy": ["whenDeleted": "Retain", "whenScaled": .string(whenScaled)],
                "volumeClaimTemplates": [
                    [
                        "metadata": ["name": "data"],
                        "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Mi"]]],
                    ]
                ],
            ],
            "status": ["replicas": 0],
        ]
        set[path: ["spec", "revisionHistoryLimit"]] = 10
        return set
    }

    /// A pod of the set as the controller made it at `revision`, Running and Ready unless told.
    static func pod(
        _ set: JSON, _ ordinal: Int, ready: Bool = true, revision: String? = nil, phase: String = "Running"
    )
        -> JSON
    {
        let name = revision ?? StatefulSetIdentity.revisionName(set)
        var pod = StatefulSetIdentity.pod(
            set, template: set[path: ["spec", "template"]]!, revision: name, ordinal: ordinal)
        pod[path: ["metadata", "uid"]] = .string("uid-web-\(ordinal)")
        pod[path: ["status", "phase"]] = .string(phase)
        if ready {
            pod[path: ["status", "conditions"]] = [
                ["type": "Ready", "status": "True", "lastTransitionTime": .string(F.time(0))]
            ]
        }
        return pod
    }

    static func claims(_ set: JSON, _ ordinals: [Int]) -> [JSON] {
        ordinals.flatMap { StatefulSetIdentity.claims(set, ordinal: $0) }
    }

    static func revisionsOf(_ set: JSON) -> [JSON] { [StatefulSetIdentity.revision(set, number: 1)] }

    static func reconcile(
        _ set: JSON, pods: [JSON], claims: [JSON]? = nil, revisions: [JSON]? = nil
    )
        -> StatefulSetReconciliation
    {
        StatefulSetReconciler.reconcile(
            statefulSet: set, pods: pods, claims: claims ?? Self.claims(set, Array(0..<pods.count)),
            revisions: revisions ?? revisionsOf(set), now: now)
    }

    static func createdPods(_ plan: StatefulSetReconciliation) -> [String] {
        plan.actions.compactMap { if case .createPod(let pod) = $0 { pod.name } else { nil } }
    }

    static func deletedPods(_ plan: StatefulSetReconciliation) -> [String] {
        plan.actions.compactMap { if case .deletePod(let pod) = $0 { pod.name } else { nil } }
    }

    @Test func firstSyncRecordsARevisionAndCreatesClaimThenPodZeroOnly() throws {
        let set = Self.set()
        let plan = StatefulSetReconciler.reconcile(statefulSet: set, pods: [], claims: [], revisions: [], now: Self.now)
        guard case .createRevision(let revision) = plan.actions.first else {
            Issue.record("expected a revision first: \(plan.actions)")
            return
        }
        #expect(revision.name == StatefulSetIdentity.revisionName(set))
        #expect(revision["revision"] == 1)
        #expect(revision[path: ["data", "spec", "template", "$patch"]] == "replace")
        guard case .createClaim(let claim) = plan.actions[1], case .createPod(let pod) = plan.actions[2] else {
            Issue.record("expected claim then pod: \(plan.actions)")
            return
        }
        #expect(claim.name == "data-web-0")
        #expect(claim.labels == ["app": "web"])
        #expect(pod.name == "web-0")
        #expect(pod.labels[StatefulSetIdentity.podNameLabel] == "web-0")
        #expect(pod.labels[StatefulSetIdentity.podIndexLabel] == "0")
        #expect(pod.labels[StatefulSetIdentity.revisionLabel] == revision.name)
        #expect(pod[path: ["spec", "hostname"]] == "web-0")
        #expect(pod[path: ["spec", "subdomain"]] == "nginx")
        #expect(
            pod[path: ["spec", "volumes"]] == [["name": "data", "persistentVolumeClaim": ["claimName": "data-web-0"]]])
        #expect(pod.ownerReferences.first?["kind"] == "StatefulSet")
        #expect(Self.createdPods(plan) == ["web-0"])
    }

    @Test func orderedReadyWaitsForEachPodToBeRunningAndReady() {
        let set = Self.set()
        let notReady = Self.reconcile(set, pods: [Self.pod(set, 0, ready: false)])
        #expect(Self.createdPods(notReady).isEmpty)
        let ready = Self.reconcile(set, pods: [Self.pod(set, 0)])
        #expect(Self.createdPods(ready) == ["web-1"])
        #expect(ready.actions.contains(.createClaim(StatefulSetIdentity.claims(set, ordinal: 1)[0])))
    }

    @Test func parallelCreatesEveryMissingPod() {
        let set = Self.set(parallel: true)
        let plan = Self.reconcile(set, pods: [Self.pod(set, 1, ready: false)], claims: [])
        #expect(Self.createdPods(plan) == ["web-0", "web-2"])
    }

    @Test func scaleDownRemovesTheHighestOrdinalOneAtATimeAndKeepsClaims() {
        let set = Self.set(replicas: 1)
        let pods = (0..<3).map { Self.pod(set, $0) }
        let plan = Self.reconcile(set, pods: pods)
        #expect(Self.deletedPods(plan) == ["web-2"])
        #expect(!plan.actions.contains { if case .deleteClaim = $0 { true } else { false } })
        // While web-2 terminates nothing else goes.
        var terminating = pods[2]
        terminating[path: ["metadata", "deletionTimestamp"]] = .string(F.time(1))
        #expect(Self.deletedPods(Self.reconcile(set, pods: [pods[0], pods[1], terminating])).isEmpty)
        #expect(Self.deletedPods(Self.reconcile(set, pods: [pods[0], pods[1]])) == ["web-1"])
    }

    @Test func whenScaledDeleteRemovesTheClaimsOfRemovedPods() {
        let set = Self.set(replicas: 1, whenScaled: "Delete")
        let pods = [Self.pod(set, 0), Self.pod(set, 1)]
        var claims = Self.claims(set, [0, 1])
        claims[1][path: ["metadata", "uid"]] = "uid-claim-1"
        let plan = Self.reconcile(set, pods: pods, claims: claims)
        #expect(plan.actions.contains(.deleteClaim(ObjectReference(claims[1]))))
    }

    @Test func failedPodIsReplacedUnderTheSameName() {
        let set = Self.set()
        let plan = Self.reconcile(set, pods: [Self.pod(set, 0, ready: false, phase: "Failed")])
        #expect(Self.deletedPods(plan) == ["web-0"])
        #expect(Self.createdPods(plan).isEmpty)
        #expect(Self.createdPods(Self.reconcile(set, pods: [])) == ["web-0"])
    }

    @Test func rollingUpdateReplacesFromTheHighestOrdinalAboveThePartition() throws {
        let old = Self.set()
        let oldRevision = StatefulSetIdentity.revision(old, number: 1)
        var set = Self.set(image: "nginx:1.28", partition: 1)
        set[path: ["status", "currentRevision"]] = .string(oldRevision.name)
        let pods = (0..<3).map { Self.pod(old, $0) }
        let plan = Self.reconcile(set, pods: pods, revisions: [oldRevision])
        #expect(plan.actions.contains { if case .createRevision(let r) = $0 { r["revision"] == 2 } else { false } })
        #expect(Self.deletedPods(plan) == ["web-2"])
        // web-2 back at the new revision: web-1 next; web-0 stays below the partition.
        let newRevision = StatefulSetIdentity.revisionName(set)
        let revisions = [oldRevision, StatefulSetIdentity.revision(set, number: 2)]
        let step = Self.reconcile(
            set, pods: [pods[0], pods[1], Self.pod(set, 2, revision: newRevision)], revisions: revisions)
        #expect(Self.deletedPods(step) == ["web-1"])
        let done = Self.reconcile(
            set, pods: [pods[0], Self.pod(set, 1, revision: newRevision), Self.pod(set, 2, revision: newRevision)],
            revisions: revisions)
        #expect(Self.deletedPods(done).isEmpty)
        #expect(done.statefulSet[path: ["status", "updatedReplicas"]] == 2)
        #expect(done.statefulSet[path: ["status", "currentRevision"]] == .string(oldRevision.name))
        // A recreated pod below the partition gets the old template.
        let recreated = Self.reconcile(
            set, pods: [Self.pod(set, 1, revision: newRevision), Self.pod(set, 2, revision: newRevision)],
            revisions: revisions)
        let created = try #require(
            recreated.actions.compactMap { if case .createPod(let pod) = $0 { pod } else { nil } }.first)
        #expect(created.name == "web-0")
        #expect(created.labels[StatefulSetIdentity.revisionLabel] == oldRevision.name)
        #expect(created[path: ["spec", "containers"]]?.arrayValue?.first?["image"] == "nginx:1.27")
    }

    @Test func onDeleteLeavesOldPodsAlone() {
        let old = Self.set(onDelete: true)
        let set = Self.set(image: "nginx:1.28", onDelete: true)
        let plan = Self.reconcile(set, pods: (0..<3).map { Self.pod(old, $0) }, revisions: Self.revisionsOf(old))
        #expect(Self.deletedPods(plan).isEmpty)
    }

    @Test func statusCountsAndCompletesTheRollout() {
        let set = Self.set()
        let pods = (0..<3).map { Self.pod(set, $0) }
        let status = Self.reconcile(set, pods: pods).statefulSet["status"]
        #expect(status?["replicas"] == 3)
        #expect(status?["readyReplicas"] == 3)
        #expect(status?["availableReplicas"] == 3)
        #expect(status?["updatedReplicas"] == 3)
        #expect(status?["currentReplicas"] == 3)
        #expect(status?["observedGeneration"] == 1)
        #expect(status?["currentRevision"] == status?["updateRevision"])
        // Nothing to change: no status write the second time.
        var synced = set
        synced["status"] = status
        let again = Self.reconcile(synced, pods: pods)
        #expect(again.statefulSet["status"] == status)
        #expect(!again.actions.contains { if case .updateStatus = $0 { true } else { false } }, "\(again.actions)")
    }

    @Test func ordinalParsingIgnoresLookalikes() {
        let set = Self.set()
        func named(_ name: String) -> JSON { ["metadata": ["name": .string(name)]] }
        #expect(StatefulSetIdentity.ordinal(of: named("web-12"), in: set) == 12)
        #expect(StatefulSetIdentity.ordinal(of: named("web-01"), in: set) == nil)
        #expect(StatefulSetIdentity.ordinal(of: named("web-x"), in: set) == nil)
        #expect(StatefulSetIdentity.ordinal(of: named("webby-1"), in: set) == nil)
    }
}
