import KubeTypes

/// One write the ReplicaSet controller wants made, in the order the shell should make them. The
/// shell stops at the first failure and requeues, as upstream's sync returns on the first error.
public enum ReplicaSetAction: Sendable, Hashable {
    /// Strategic-merge-patch the pod with `patch` (adds the ReplicaSet as controller).
    case adoptPod(ObjectReference, patch: JSON)
    /// Strategic-merge-patch the pod with `patch` (removes the ReplicaSet's owner reference).
    case releasePod(ObjectReference, patch: JSON)
    /// Create `count` copies of `pod` (it has `generateName`), in the batches
    /// `ReplicaSetReconciler.slowStartBatches(count)` gives, stopping after a batch with a failure.
    case createPods(count: Int, pod: JSON)
    /// Delete these pods (in parallel upstream); the first error fails the sync.
    case deletePods([ObjectReference])
    /// PUT the ReplicaSet (carrying its cached resourceVersion) to its `/status` subresource.
    case updateStatus(JSON)
}

/// The decisions of one ReplicaSet sync.
public struct ReplicaSetReconciliation: Sendable {
    public var actions: [ReplicaSetAction]
    /// The ReplicaSet with the status this sync computed, assuming every pod write succeeds.
    public var replicaSet: JSON
    /// Seconds after which to sync again because a ready pod will have become available
    /// (minReadySeconds); nil when nothing is waiting on the clock.
    public var requeueAfter: Int64?
    /// Pods created and deleted by this plan, for the shell's expectations.
    public var expectedCreations: Int
    public var expectedDeletions: [ObjectReference]

    /// Active pods counted against `spec.replicas`.
    let activeCount: Int
    let originalConditions: [JSON]

    /// The status to write instead when creating or deleting pods failed with `message`: upstream
    /// adds a `ReplicaFailure` condition (reason FailedCreate or FailedDelete) unless one is
    /// already there. Returns the whole ReplicaSet, ready for a `/status` PUT.
    public func replicaSetAfterFailure(_ message: String, now: Int64) -> JSON {
        var result = replicaSet
        var conditions = originalConditions
        if Conditions.find(conditions, type: ReplicaSetReconciler.replicaFailure) == nil {
            let difference = activeCount - replicaSet.specReplicas
            let reason = difference < 0 ? "FailedCreate" : difference > 0 ? "FailedDelete" : ""
            conditions.append(
                [
                    "type": .string(ReplicaSetReconciler.replicaFailure), "status": "True",
                    "lastTransitionTime": .string(Timestamp.format(now)), "reason": .string(reason),
                    "message": .string(message),
                ])
        }
        result[path: ["status", "conditions"]] = conditions.isEmpty ? nil : .array(conditions)
        return result
    }
}

/// The ReplicaSet controller's decisions (upstream `pkg/controller/replicaset`): claim pods, create
/// or delete the difference to `spec.replicas`, and count what is there for the status.
public enum ReplicaSetReconciler {
    /// Upstream's `BurstReplicas`: at most this many creates or deletes per sync.
    public static let burstReplicas = 500
    /// Upstream's `SlowStartInitialBatchSize`.
    public static let slowStartInitialBatchSize = 1
    public static let replicaFailure = "ReplicaFailure"

    /// Syncs `replicaSet` against `pods` (the pods of its namespace; others are ignored).
    /// `expectationsSatisfied` is false while creates or deletes of an earlier sync are not yet
    /// visible in the shell's cache: upstream then only updates the status. `relatedReplicaSets`
    /// are the ReplicaSets of the namespace; those sharing this one's controller rank victims by
    /// co-location.
    public static func reconcile(
        replicaSet: JSON, pods: [JSON], now: Int64, expectationsSatisfied: Bool = true,
        relatedReplicaSets: [JSON] = []
    ) -> ReplicaSetReconciliation {
        let selector = replicaSet.specSelector
        let local = pods.filter { $0.namespace == replicaSet.namespace }
        var actions: [ReplicaSetAction] = []
        var active: [JSON] = []
        for pod in local where PodState.isActive(pod) {
            switch ClaimDecision.decide(object: pod, owner: replicaSet, selected: selector.matches(pod.labels)) {
            case .owned:
                active.append(pod)
            case .adopt:
                let patch = OwnerKind.replicaSet.adoptionPatch(owner: replicaSet, object: pod)
                actions.append(.adoptPod(ObjectReference(pod), patch: patch))
                active.append(OwnerKind.replicaSet.adopted(pod, by: replicaSet))
            case .release:
                let patch = OwnerKind.releasePatch(ownerUID: replicaSet.uid, object: pod)
                actions.append(.releasePod(ObjectReference(pod), patch: patch))
            case .ignore:
                break
            }
        }
        let terminating = local.filter {
            PodState.isTerminating($0) && $0.controllerUID == replicaSet.uid && selector.matches($0.labels)
        }
        var creations = 0
        var deletions: [ObjectReference] = []
        if expectationsSatisfied && !replicaSet.isBeingDeleted {
            let difference = active.count - replicaSet.specReplicas
            if difference < 0 {
                creations = min(-difference, burstReplicas)
                actions.append(.createPods(count: creations, pod: podFromTemplate(of: replicaSet)))
            } else if difference > 0 {
                let related = relatedPods(of: replicaSet, in: local, relatedReplicaSets: relatedReplicaSets)
                let order = PodDeletionOrder(relatedPods: related, now: now)
                deletions = order.victims(among: active, count: min(difference, burstReplicas)).map(
                    ObjectReference.init)
                actions.append(.deletePods(deletions))
            }
        }
        let updated = withStatus(replicaSet, active: active, terminating: terminating.count, now: now)
        if statusNeedsUpdate(old: replicaSet, new: updated) { actions.append(.updateStatus(updated)) }
        let minReady = replicaSet[path: ["spec", "minReadySeconds"]]?.intValue ?? 0
        let waits = active.compactMap { PodState.secondsUntilAvailable($0, minReadySeconds: minReady, now: now) }
        return ReplicaSetReconciliation(
            actions: actions, replicaSet: updated, requeueAfter: waits.min(), expectedCreations: creations,
            expectedDeletions: deletions, activeCount: active.count,
            originalConditions: replicaSet[path: ["status", "conditions"]]?.arrayValue ?? [])
    }

    /// Upstream `slowStartBatch` sizes: 1, 2, 4, ... until `count` creates are issued. The shell
    /// issues each batch in parallel and stops after the first batch with a failure, so a quota
    /// or admission error costs one request instead of hundreds.
    public static func slowStartBatches(_ count: Int) -> [Int] {
        var batches: [Int] = []
        var remaining = count
        var size = min(remaining, slowStartInitialBatchSize)
        while size > 0 {
            batches.append(size)
            remaining -= size
            size = min(2 * size, remaining)
        }
        return batches
    }

    /// The pod upstream's `GetPodFromTemplate` makes: the template's labels, annotations,
    /// finalizers and spec, `generateName: <rs>-`, and the ReplicaSet as controlling owner.
    public static func podFromTemplate(of replicaSet: JSON) -> JSON {
        let template = replicaSet[path: ["spec", "template"]] ?? .emptyObject
        var metadata: JSON = [
            "generateName": .string(podNamePrefix(replicaSet.name)), "namespace": .string(replicaSet.namespace),
            "ownerReferences": [OwnerKind.replicaSet.controllerReference(to: replicaSet)],
        ]
        for field in ["labels", "annotations", "finalizers"] {
            if let value = template[path: ["metadata", field]], value != .null { metadata[field] = value }
        }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": template["spec"] ?? .emptyObject]
    }

    /// `<name>-`, or the bare name when the dash would make the prefix too long for a pod name.
    static func podNamePrefix(_ name: String) -> String {
        name.utf8.count + 1 > 253 ? name : name + "-"
    }

    /// Pods of every ReplicaSet with the same controller, by their selectors (upstream
    /// `getIndirectlyRelatedPods`); a ReplicaSet without a controller has none.
    static func relatedPods(of replicaSet: JSON, in pods: [JSON], relatedReplicaSets: [JSON]) -> [JSON] {
        guard let controller = replicaSet.controllerUID else { return [] }
        var siblings = relatedReplicaSets.filter {
            $0.namespace == replicaSet.namespace && $0.controllerUID == controller && $0.uid != replicaSet.uid
        }
        siblings.append(replicaSet)
        var seen = Set<String>()
        var related: [JSON] = []
        for sibling in siblings {
            let selector = sibling.specSelector
            for pod in pods where selector.matches(pod.labels) && seen.insert(pod.uid).inserted {
                related.append(pod)
            }
        }
        return related
    }

    // MARK: Status

    /// Upstream `calculateStatus` for a sync whose pod writes succeeded: counts the active pods,
    /// drops a stale ReplicaFailure condition and records the generation acted on.
    static func withStatus(_ replicaSet: JSON, active: [JSON], terminating: Int, now: Int64) -> JSON {
        let templateLabels = LabelSelector(
            matchLabels: replicaSet[path: ["spec", "template", "metadata", "labels"]]?.stringMap ?? [:])
        let minReady = replicaSet[path: ["spec", "minReadySeconds"]]?.intValue ?? 0
        let ready = active.filter(PodState.isReady)
        let available = ready.filter { PodState.isAvailable($0, minReadySeconds: minReady, now: now) }
        var conditions = replicaSet[path: ["status", "conditions"]]?.arrayValue ?? []
        Conditions.remove(type: replicaFailure, from: &conditions)
        var status: JSON = ["replicas": .int(Int64(active.count)), "terminatingReplicas": .int(Int64(terminating))]
        let counts = [
            ("fullyLabeledReplicas", active.filter { templateLabels.matches($0.labels) }.count),
            ("readyReplicas", ready.count), ("availableReplicas", available.count),
        ]
        // Go's omitempty: zero counts are left out, as upstream's status objects show.
        for (field, count) in counts where count > 0 { status[field] = .int(Int64(count)) }
        if replicaSet.generation > 0 { status["observedGeneration"] = .int(replicaSet.generation) }
        if !conditions.isEmpty { status["conditions"] = .array(conditions) }
        var result = replicaSet
        result["status"] = status
        return result
    }

    /// Upstream `updateReplicaSetStatus` skips the write when the counts, the conditions and the
    /// observed generation are all current.
    static func statusNeedsUpdate(old: JSON, new: JSON) -> Bool {
        let fields = ["replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas"]
        if fields.contains(where: { old.statusCount($0) != new.statusCount($0) }) { return true }
        if old[path: ["status", "terminatingReplicas"]] != new[path: ["status", "terminatingReplicas"]] {
            return true
        }
        if old.generation != (old[path: ["status", "observedGeneration"]]?.intValue ?? 0) { return true }
        return (old[path: ["status", "conditions"]]?.arrayValue ?? [])
            != (new[path: ["status", "conditions"]]?.arrayValue ?? [])
    }
}

/// Upstream's `ControllerExpectations` for one ReplicaSet, as a value the shell keeps per key:
/// after acting on a plan it expects to see that many pods appear and those pods go away, and
/// until it has (or five minutes pass) it passes `expectationsSatisfied: false`, so a cache that
/// has not caught up with its own writes cannot make it create or delete twice.
public struct PodExpectations: Sendable, Hashable {
    /// Upstream `ExpectationsTimeout`.
    public static let timeout: Int64 = 300

    public private(set) var pendingCreations: Int
    /// `namespace/name` of pods whose deletion has not been observed yet.
    public private(set) var pendingDeletions: Set<String>
    public private(set) var setAt: Int64?

    public init() {
        pendingCreations = 0
        pendingDeletions = []
        setAt = nil
    }

    /// The expectations after acting on `plan` at `now`.
    public init(expecting plan: ReplicaSetReconciliation, now: Int64) {
        self.init(creations: plan.expectedCreations, deletions: plan.expectedDeletions, now: now)
    }

    /// The expectations after creating `creations` pods and deleting `deletions` at `now`.
    public init(creations: Int, deletions: [ObjectReference], now: Int64) {
        pendingCreations = creations
        pendingDeletions = Set(deletions.map(\.description))
        setAt = now
    }

    public func isSatisfied(now: Int64) -> Bool {
        guard let setAt else { return true }
        return (pendingCreations <= 0 && pendingDeletions.isEmpty) || now - setAt > Self.timeout
    }

    /// A pod owned by the ReplicaSet appeared in the cache.
    public mutating func creationObserved() { pendingCreations -= 1 }

    /// Creates that were never sent (a batch failed) will never be observed.
    public mutating func creationsSkipped(_ count: Int) { pendingCreations -= count }

    /// A pod went away or got a deletion timestamp (or its delete failed with NotFound).
    public mutating func deletionObserved(_ podKey: String) { pendingDeletions.remove(podKey) }
}
