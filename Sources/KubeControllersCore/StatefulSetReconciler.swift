import KubeTypes

/// One write of the StatefulSet controller, in order; the shell stops at the first failure.
public enum StatefulSetAction: Sendable, Hashable {
    case createRevision(JSON)
    case deleteRevision(ObjectReference)
    case adoptPod(ObjectReference, patch: JSON)
    case releasePod(ObjectReference, patch: JSON)
    /// Create the claim unless it exists (AlreadyExists is fine: claims outlive pods).
    case createClaim(JSON)
    case deleteClaim(ObjectReference)
    case createPod(JSON)
    case deletePod(ObjectReference)
    /// PUT the set to `/status`.
    case updateStatus(JSON)
}

/// The decisions of one StatefulSet sync.
public struct StatefulSetReconciliation: Sendable {
    public var actions: [StatefulSetAction]
    /// The set with the status this sync computed.
    public var statefulSet: JSON
    /// Seconds until a ready pod turns available (minReadySeconds), if one is waiting.
    public var requeueAfter: Int64?
}

/// The StatefulSet controller's decisions (upstream `pkg/controller/statefulset`, with
/// maxUnavailable 1): pods `<set>-0..n-1` made in order, each only once the ones before are
/// Running and Ready (OrderedReady) or all at once (Parallel); their claims made first and kept;
/// surplus pods removed from the highest ordinal; template changes rolled out from the highest
/// ordinal down to the partition (RollingUpdate) or left to the user (OnDelete).
public enum StatefulSetReconciler {
    public static func reconcile(
        statefulSet set: JSON, pods: [JSON], claims: [JSON], revisions: [JSON], now: Int64
    ) -> StatefulSetReconciliation {
        var actions: [StatefulSetAction] = []
        let owned = revisions.filter { $0.controllerUID == set.uid && $0.namespace == set.namespace }
        let updateName = StatefulSetIdentity.revisionName(set)
        var known = owned
        if !owned.contains(where: { $0.name == updateName }) {
            let number = (owned.compactMap { $0["revision"]?.intValue }.max() ?? 0) + 1
            let revision = StatefulSetIdentity.revision(set, number: number)
            actions.append(.createRevision(revision))
            known.append(revision)
        }
        let statusCurrent = set[path: ["status", "currentRevision"]]?.stringValue ?? ""
        let currentName = known.contains(where: { $0.name == statusCurrent }) ? statusCurrent : updateName
        let currentTemplate =
            known.first { $0.name == currentName }.flatMap(StatefulSetIdentity.template(of:))
            ?? set[path: ["spec", "template"]] ?? .emptyObject

        let selector = set.specSelector
        var mine: [JSON] = []
        for pod in pods where pod.namespace == set.namespace {
            switch ClaimDecision.decide(object: pod, owner: set, selected: selector.matches(pod.labels)) {
            case .owned:
                mine.append(pod)
            case .adopt where StatefulSetIdentity.ordinal(of: pod, in: set) != nil:
                actions.append(
                    .adoptPod(
                        ObjectReference(pod), patch: OwnerKind.statefulSet.adoptionPatch(owner: set, object: pod)))
                mine.append(OwnerKind.statefulSet.adopted(pod, by: set))
            case .release:
                actions.append(
                    .releasePod(ObjectReference(pod), patch: OwnerKind.releasePatch(ownerUID: set.uid, object: pod)))
            default:
                break
            }
        }
        var plan = Plan(
            set: set, pods: mine, claims: claims.filter { $0.namespace == set.namespace },
            currentRevision: currentName, currentTemplate: currentTemplate, updateRevision: updateName)
        if !set.isBeingDeleted { plan.run() }
        actions += plan.actions
        actions += historyCleanup(set, revisions: owned, live: [currentName, updateName], pods: mine)
        let updated = withStatus(set, pods: mine, currentRevision: currentName, updateRevision: updateName, now: now)
        if updated["status"] != set["status"] { actions.append(.updateStatus(updated)) }
        let minReady = set[path: ["spec", "minReadySeconds"]]?.intValue ?? 0
        let waits = mine.compactMap { PodState.secondsUntilAvailable($0, minReadySeconds: minReady, now: now) }
        return StatefulSetReconciliation(actions: actions, statefulSet: updated, requeueAfter: waits.min())
    }

    /// Upstream `isRunningAndReady`.
    static func runningAndReady(_ pod: JSON) -> Bool { PodState.phase(pod) == "Running" && PodState.isReady(pod) }

    /// The pod-level part of a sync (upstream `updateStatefulSet`), as a small state machine that
    /// stops early where upstream returns to wait for a pod.
    struct Plan {
        let set: JSON
        let pods: [JSON]
        let claims: [JSON]
        let currentRevision: String
        let currentTemplate: JSON
        let updateRevision: String
        var actions: [StatefulSetAction] = []

        var ordered: Bool { self.set[path: ["spec", "podManagementPolicy"]]?.stringValue != "Parallel" }
        var replicas: Int { self.set.specReplicas }
        var start: Int { StatefulSetIdentity.startOrdinal(self.set) }
        var rolling: Bool { self.set[path: ["spec", "updateStrategy", "type"]]?.stringValue != "OnDelete" }
        var partition: Int {
            Int(self.set[path: ["spec", "updateStrategy", "rollingUpdate", "partition"]]?.intValue ?? 0)
        }

        init(
            set: JSON, pods: [JSON], claims: [JSON], currentRevision: String, currentTemplate: JSON,
            updateRevision: String
        ) {
            self.set = set
            self.pods = pods
            self.claims = claims
            self.currentRevision = currentRevision
            self.currentTemplate = currentTemplate
            self.updateRevision = updateRevision
        }

        func pod(at ordinal: Int) -> JSON? {
            pods.first { StatefulSetIdentity.ordinal(of: $0, in: set) == ordinal }
        }

        mutating func run() {
            let slots = Array(start..<(start + replicas))
            let condemned = pods.filter { pod in
                guard let ordinal = StatefulSetIdentity.ordinal(of: pod, in: set) else { return true }
                return ordinal < start || ordinal >= start + replicas
            }.sorted {
                (StatefulSetIdentity.ordinal(of: $0, in: set) ?? -1)
                    > (StatefulSetIdentity.ordinal(of: $1, in: set) ?? -1)
            }
            guard fillSlots(slots) else { return }
            guard scaleDown(condemned, slots: slots) else { return }
            guard rolling else { return }
            rollOut(slots)
        }

        /// Creates missing pods (claims first) and replaces finished ones; false when an ordered
        /// set must wait for a pod before going on.
        mutating func fillSlots(_ slots: [Int]) -> Bool {
            for ordinal in slots {
                createMissingClaims(ordinal)
                guard let pod = self.pod(at: ordinal) else {
                    // Ordinals below the partition keep the current revision, as upstream.
                    let useCurrent = rolling && ordinal - start < partition && currentRevision != updateRevision
                    let template = useCurrent ? currentTemplate : (set[path: ["spec", "template"]] ?? .emptyObject)
                    let revision = useCurrent ? currentRevision : updateRevision
                    actions.append(
                        .createPod(
                            StatefulSetIdentity.pod(set, template: template, revision: revision, ordinal: ordinal)))
                    if ordered { return false }
                    continue
                }
                if PodState.isTerminal(pod) && !pod.isBeingDeleted {
                    // A failed or succeeded pod is deleted and made again under the same name.
                    actions.append(.deletePod(ObjectReference(pod)))
                    if ordered { return false }
                    continue
                }
                if ordered && (pod.isBeingDeleted || !runningAndReady(pod)) { return false }
            }
            return true
        }

        mutating func createMissingClaims(_ ordinal: Int) {
            for claim in StatefulSetIdentity.claims(set, ordinal: ordinal)
            where !claims.contains(where: { $0.name == claim.name }) {
                actions.append(.createClaim(claim))
            }
        }

        /// Removes pods beyond the replicas, highest ordinal first; an ordered set removes one at a
        /// time and only while every remaining pod is healthy.
        mutating func scaleDown(_ condemned: [JSON], slots: [Int]) -> Bool {
            let whenScaledDelete =
                set[path: ["spec", "persistentVolumeClaimRetentionPolicy", "whenScaled"]]?.stringValue == "Delete"
            for pod in condemned {
                if pod.isBeingDeleted {
                    if ordered { return false }
                    continue
                }
                if ordered && pods.contains(where: { !runningAndReady($0) && !$0.isBeingDeleted && $0 != pod }) {
                    // Upstream waits for unhealthy pods before removing the next one.
                    return false
                }
                actions.append(.deletePod(ObjectReference(pod)))
                if whenScaledDelete, let ordinal = StatefulSetIdentity.ordinal(of: pod, in: set) {
                    for claim in StatefulSetIdentity.claims(set, ordinal: ordinal) {
                        if let existing = claims.first(where: { $0.name == claim.name }) {
                            actions.append(.deleteClaim(ObjectReference(existing)))
                        }
                    }
                }
                if ordered { return false }
            }
            return condemned.isEmpty
        }

        /// Upstream's rolling update with maxUnavailable 1: from the highest ordinal down to the
        /// partition, delete the first pod not at the update revision; wait while one is unhealthy.
        mutating func rollOut(_ slots: [Int]) {
            for ordinal in slots.reversed() where ordinal - start >= partition {
                guard let pod = self.pod(at: ordinal) else { return }
                if StatefulSetIdentity.podRevision(pod) != updateRevision && !pod.isBeingDeleted {
                    actions.append(.deletePod(ObjectReference(pod)))
                    return
                }
                if !runningAndReady(pod) { return }
            }
        }
    }

    /// Old revisions beyond `revisionHistoryLimit`, oldest first, except those pods still use.
    static func historyCleanup(_ set: JSON, revisions: [JSON], live: Set<String>, pods: [JSON]) -> [StatefulSetAction] {
        let limit = Int(set[path: ["spec", "revisionHistoryLimit"]]?.intValue ?? 10)
        let used = live.union(pods.map(StatefulSetIdentity.podRevision))
        let history = revisions.filter { !used.contains($0.name) }
            .sorted { ($0["revision"]?.intValue ?? 0) < ($1["revision"]?.intValue ?? 0) }
        guard history.count > limit else { return [] }
        return history.prefix(history.count - limit).map { .deleteRevision(ObjectReference($0)) }
    }

    /// Upstream `computeReplicaStatus` plus the revision bookkeeping of `updateStatefulSetStatus`:
    /// once a rolling update has every pod updated and ready, the update revision becomes current.
    static func withStatus(
        _ set: JSON, pods: [JSON], currentRevision: String, updateRevision: String, now: Int64
    ) -> JSON {
        let created = pods.filter { !PodState.phase($0).isEmpty }
        let ready = created.filter(runningAndReady)
        let minReady = set[path: ["spec", "minReadySeconds"]]?.intValue ?? 0
        let available = ready.filter { PodState.isAvailable($0, minReadySeconds: minReady, now: now) }
        let live = created.filter { !$0.isBeingDeleted }
        var current = live.filter { StatefulSetIdentity.podRevision($0) == currentRevision }.count
        let updated = live.filter { StatefulSetIdentity.podRevision($0) == updateRevision }.count
        var currentName = currentRevision
        let rolling = set[path: ["spec", "updateStrategy", "type"]]?.stringValue != "OnDelete"
        if rolling && updated == set.specReplicas && ready.count == set.specReplicas && live.count == set.specReplicas {
            currentName = updateRevision
            current = updated
        }
        var status: JSON = [
            "replicas": .int(Int64(created.count)), "readyReplicas": .int(Int64(ready.count)),
            "currentReplicas": .int(Int64(current)), "updatedReplicas": .int(Int64(updated)),
            "availableReplicas": .int(Int64(available.count)), "currentRevision": .string(currentName),
            "updateRevision": .string(updateRevision),
            "collisionCount": set[path: ["status", "collisionCount"]] ?? 0,
        ]
        if set.generation > 0 { status["observedGeneration"] = .int(set.generation) }
        if let conditions = set[path: ["status", "conditions"]], conditions != .null {
            status["conditions"] = conditions
        }
        var result = set
        result["status"] = status
        return result
    }
}
