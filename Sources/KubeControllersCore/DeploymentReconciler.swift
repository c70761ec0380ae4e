import KubeTypes

/// One write the Deployment controller wants made, in order. The shell stops at the first failure
/// and requeues the Deployment (upstream returns on the first error and relies on the retry).
public enum DeploymentAction: Sendable, Hashable {
    /// Strategic-merge-patch the ReplicaSet with `patch` (adds the Deployment as controller).
    case adoptReplicaSet(ObjectReference, patch: JSON)
    /// Strategic-merge-patch the ReplicaSet with `patch` (removes the Deployment's owner reference).
    case releaseReplicaSet(ObjectReference, patch: JSON)
    /// POST this ReplicaSet. AlreadyExists means the cache was stale: requeue, the next sync sees
    /// the ReplicaSet (and bumps `status.collisionCount` if it is not ours). For any other error
    /// write `DeploymentReconciler.replicaSetCreateFailed(...)` before requeueing.
    case createReplicaSet(JSON)
    /// PUT this ReplicaSet (it carries the cached resourceVersion, so a stale decision conflicts).
    case updateReplicaSet(JSON)
    /// DELETE this ReplicaSet (an old, empty one beyond revisionHistoryLimit); NotFound is success.
    case deleteReplicaSet(ObjectReference)
    /// PUT the Deployment (carrying its cached resourceVersion) to its `/status` subresource.
    case updateStatus(JSON)
    /// JSON-merge-patch the Deployment itself with `patch` (the revision annotation; our status
    /// subresource keeps metadata, unlike upstream's, so annotations need their own write).
    case patchDeployment(ObjectReference, patch: JSON)
    /// Record this event on the Deployment once the writes before it succeeded.
    case recordEvent(ObjectReference, ControllerEvent)
}

/// The decisions of one Deployment sync.
public struct DeploymentReconciliation: Sendable {
    public var actions: [DeploymentAction]
    /// The status this sync arrived at (written by `.updateStatus` when it changed).
    public var status: JSON
    /// Seconds after which to sync again to check the progress deadline; nil when not needed.
    public var requeueAfter: Int64?
}

/// The Deployment controller's decisions (upstream `pkg/controller/deployment`): it owns
/// ReplicaSets, one per pod template, and moves replicas from the old ones to the new one under
/// the strategy's limits, reporting progress in the status that `kubectl rollout status` reads.
public enum DeploymentReconciler {
    /// Syncs `deployment` given the ReplicaSets of its namespace (all of them: orphans may be
    /// adopted, released ones and name collisions must be seen) and the pods of its namespace.
    public static func reconcile(
        deployment: JSON, replicaSets: [JSON], pods: [JSON], now: Int64
    ) -> DeploymentReconciliation {
        var sync = DeploymentSync(deployment: deployment, replicaSets: replicaSets, pods: pods, now: now)
        sync.run()
        return sync.result()
    }

    /// What to write when creating the new ReplicaSet failed with `message` (not AlreadyExists):
    /// upstream records Progressing=False with reason ReplicaSetCreateError (when a progress
    /// deadline is set) and a warning event.
    public static func replicaSetCreateFailed(
        deployment: JSON, replicaSetName: String, message: String, now: Int64
    ) -> [DeploymentAction] {
        let text = "Failed to create new replica set \(GoFormat.quoted(replicaSetName)): \(message)"
        var actions: [DeploymentAction] = []
        if DeploymentSpecView(deployment).progressDeadlineSeconds != nil {
            var status = DeploymentStatusModel(deployment["status"])
            status.setCondition(
                type: "Progressing", status: "False", reason: DeploymentConditionReason.replicaSetCreateError,
                message: text, now: now)
            var updated = deployment
            updated["status"] = status.json
            actions.append(.updateStatus(updated))
        }
        let event = ControllerEvent(.warning, reason: DeploymentConditionReason.replicaSetCreateError, message: text)
        actions.append(.recordEvent(ObjectReference(deployment), event))
        return actions
    }
}

/// The working state of one sync. Upstream mutates the Deployment (`d`) and re-reads the
/// ReplicaSets it wrote as it goes; here the writes become actions and their effects are applied
/// to local copies, so later decisions in the same sync see them as upstream's do.
struct DeploymentSync {
    let original: JSON
    let originalStatus: DeploymentStatusModel
    let spec: DeploymentSpecView
    let now: Int64
    let namespaceReplicaSets: [JSON]
    let pods: [JSON]
    var deployment: JSON
    var status: DeploymentStatusModel
    /// ReplicaSets this Deployment controls, after adoption and release.
    var owned: [JSON] = []
    var actions: [DeploymentAction] = []
    /// Index of the pending create or update of each ReplicaSet, so one sync writes each at most
    /// once (a second PUT with the same cached resourceVersion would only conflict).
    var pendingWrites: [String: Int] = [:]
    var requeueAfter: Int64?
    /// Set where upstream's sync returns an error (a ReplicaSet name collision): nothing more is
    /// decided, only the status so far is written.
    var halted = false

    init(deployment: JSON, replicaSets: [JSON], pods: [JSON], now: Int64) {
        self.original = deployment
        self.deployment = deployment
        self.originalStatus = DeploymentStatusModel(deployment["status"])
        self.status = originalStatus
        self.spec = DeploymentSpecView(deployment)
        self.now = now
        self.namespaceReplicaSets = replicaSets.filter { $0.namespace == deployment.namespace }
        self.pods = pods.filter { $0.namespace == deployment.namespace }
    }

    var reference: ObjectReference { ObjectReference(original) }

    /// Upstream `syncDeployment`.
    mutating func run() {
        let selector = deployment.specSelector
        if selector.isEmpty {
            event(.warning, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.")
            if status.observedGeneration < deployment.generation { status.observedGeneration = deployment.generation }
            return
        }
        claimReplicaSets(selector: selector)
        if deployment.isBeingDeleted {
            let (newRS, oldRSs) = replicaSetsAndSyncRevision(createIfMissing: false)
            syncDeploymentStatus(all: oldRSs + [newRS].compactMap { $0 }, newRS: newRS)
            return
        }
        checkPausedConditions()
        if spec.paused {
            syncScaling()
            return
        }
        if isScalingEvent() {
            syncScaling()
            return
        }
        if spec.isRollingUpdate {
            rolloutRolling()
        } else {
            rolloutRecreate(selector: selector)
        }
    }

    /// The actions, with the status write and the annotation patch last.
    func result() -> DeploymentReconciliation {
        var actions = actions
        var statusObject = original
        statusObject["status"] = status.json
        if status != originalStatus { actions.append(.updateStatus(statusObject)) }
        let revision = deployment.annotations[DeploymentAnnotations.revision]
        if revision != original.annotations[DeploymentAnnotations.revision], let revision {
            let patch: JSON = ["metadata": ["annotations": [DeploymentAnnotations.revision: .string(revision)]]]
            actions.append(.patchDeployment(reference, patch: patch))
        }
        return DeploymentReconciliation(actions: actions, status: status.json, requeueAfter: requeueAfter)
    }

    // MARK: Ownership

    /// Upstream `getReplicaSetsForDeployment`: adopt matching orphans, release what no longer matches.
    mutating func claimReplicaSets(selector: LabelSelector) {
        for replicaSet in namespaceReplicaSets {
            switch ClaimDecision.decide(
                object: replicaSet, owner: original, selected: selector.matches(replicaSet.labels))
            {
            case .owned:
                owned.append(replicaSet)
            case .adopt:
                let patch = OwnerKind.deployment.adoptionPatch(owner: original, object: replicaSet)
                actions.append(.adoptReplicaSet(ObjectReference(replicaSet), patch: patch))
                owned.append(OwnerKind.deployment.adopted(replicaSet, by: original))
            case .release:
                let patch = OwnerKind.releasePatch(ownerUID: original.uid, object: replicaSet)
                actions.append(.releaseReplicaSet(ObjectReference(replicaSet), patch: patch))
            case .ignore:
                break
            }
        }
    }

    /// Pods selected by the Deployment whose controller is one of its ReplicaSets, by ReplicaSet
    /// name, terminating and finished ones included (upstream `getPodMapForDeployment`).
    func podsByReplicaSet(selector: LabelSelector) -> [String: [JSON]] {
        let names = Dictionary(owned.map { ($0.uid, $0.name) }, uniquingKeysWith: { first, _ in first })
        var map: [String: [JSON]] = [:]
        for pod in pods where selector.matches(pod.labels) {
            if let uid = pod.controllerUID, let name = names[uid], !uid.isEmpty { map[name, default: []].append(pod) }
        }
        return map
    }

    // MARK: Writes

    func replicaSet(named name: String) -> JSON? { owned.first { $0.name == name } }

    /// Records a write of `replicaSet` (already changed locally), merged into an earlier write
    /// of the same ReplicaSet in this sync.
    mutating func write(_ replicaSet: JSON) {
        if let index = owned.firstIndex(where: { $0.name == replicaSet.name }) { owned[index] = replicaSet }
        if let index = pendingWrites[replicaSet.name] {
            if case .createReplicaSet = actions[index] {
                actions[index] = .createReplicaSet(Self.creationBody(replicaSet))
            } else {
                actions[index] = .updateReplicaSet(replicaSet)
            }
            return
        }
        pendingWrites[replicaSet.name] = actions.count
        actions.append(.updateReplicaSet(replicaSet))
    }

    mutating func event(_ type: ControllerEvent.EventType, _ reason: String, _ message: String) {
        actions.append(.recordEvent(reference, ControllerEvent(type, reason: reason, message: message)))
    }

    /// A created ReplicaSet without the server-set fields the local copy carries.
    static func creationBody(_ replicaSet: JSON) -> JSON {
        var body = replicaSet
        body[path: ["metadata", "creationTimestamp"]] = nil
        body["status"] = nil
        return body
    }

    // MARK: New and old ReplicaSets

    /// Upstream `getAllReplicaSetsAndSyncRevision`: the new ReplicaSet (the one whose template
    /// equals the Deployment's, created when asked and missing) and all the others.
    mutating func replicaSetsAndSyncRevision(createIfMissing: Bool) -> (newRS: String?, oldRSs: [String]) {
        let existing = owned.sorted(by: ReplicaSetOrder.byCreation).first {
            PodTemplateHash.equalIgnoringHash($0[path: ["spec", "template"]] ?? .null, deploymentTemplate)
        }
        let oldRSs = owned.filter { $0.name != existing?.name }
        let newRevision = (oldRSs.compactMap(\.deploymentRevision).max() ?? 0) + 1
        if let existing {
            syncExistingNewReplicaSet(existing, newRevision: newRevision)
            return (existing.name, oldRSs.map(\.name))
        }
        guard createIfMissing else { return (nil, oldRSs.map(\.name)) }
        let created = createNewReplicaSet(oldRSs: oldRSs, newRevision: newRevision)
        return (created, oldRSs.map(\.name))
    }

    var deploymentTemplate: JSON { deployment[path: ["spec", "template"]] ?? .null }

    /// The existing new ReplicaSet gets the Deployment's annotations, a revision above every old
    /// one (this is what a rollback to it bumps) and the Deployment's minReadySeconds. Upstream
    /// returns right after writing it and records the revision on the Deployment next sync.
    mutating func syncExistingNewReplicaSet(_ existing: JSON, newRevision: Int64) {
        var copy = existing
        let annotationsChanged = ReplicaSetAnnotations.setNewReplicaSet(
            &copy, deployment: deployment, spec: spec, newRevision: newRevision, exists: true)
        let minReady = existing[path: ["spec", "minReadySeconds"]]?.intValue ?? 0
        if annotationsChanged || minReady != spec.minReadySeconds {
            copy[path: ["spec", "minReadySeconds"]] = spec.minReadySeconds == 0 ? nil : .int(spec.minReadySeconds)
            write(copy)
            return
        }
        if let revision = existing.annotations[DeploymentAnnotations.revision] {
            deployment.setAnnotation(DeploymentAnnotations.revision, revision)
        }
        if spec.progressDeadlineSeconds != nil && status.condition("Progressing") == nil {
            status.setCondition(
                type: "Progressing", status: "True", reason: DeploymentConditionReason.foundNewReplicaSet,
                message: "Found new replica set \(GoFormat.quoted(existing.name))", now: now)
        }
    }

    /// Upstream's creation half of `getNewReplicaSet`. Returns the new ReplicaSet's name, or nil
    /// when the name is taken by a different ReplicaSet: then `status.collisionCount` goes up so
    /// the next sync hashes differently, and this sync ends.
    mutating func createNewReplicaSet(oldRSs: [JSON], newRevision: Int64) -> String? {
        let hash = PodTemplateHash.compute(template: deploymentTemplate, collisionCount: status.collisionCount)
        var replicaSet = newReplicaSetObject(hash: hash)
        if let taken = namespaceReplicaSets.first(where: { $0.name == replicaSet.name }) {
            let ours =
                taken.controllerUID == original.uid
                && PodTemplateHash.equalIgnoringHash(deploymentTemplate, taken[path: ["spec", "template"]] ?? .null)
            guard ours else {
                status.collisionCount = (status.collisionCount ?? 0) + 1
                halted = true
                return nil
            }
            // Our own ReplicaSet that the claim did not list: use it as upstream does after AlreadyExists.
            if !owned.contains(where: { $0.name == taken.name }) { owned.append(taken) }
            deployment.setAnnotation(DeploymentAnnotations.revision, String(newRevision))
            return taken.name
        }
        let replicas = newReplicaSetReplicas(all: oldRSs + [replicaSet], newRS: replicaSet)
        replicaSet[path: ["spec", "replicas"]] = .int(Int64(replicas))
        _ = ReplicaSetAnnotations.setNewReplicaSet(
            &replicaSet, deployment: deployment, spec: spec, newRevision: newRevision, exists: false)
        pendingWrites[replicaSet.name] = actions.count
        actions.append(.createReplicaSet(replicaSet))
        if replicas > 0 {
            event(.normal, "ScalingReplicaSet", "Scaled up replica set \(replicaSet.name) from 0 to \(replicas)")
        }
        deployment.setAnnotation(DeploymentAnnotations.revision, String(newRevision))
        if spec.progressDeadlineSeconds != nil {
            status.setCondition(
                type: "Progressing", status: "True", reason: DeploymentConditionReason.newReplicaSetCreated,
                message: "Created new replica set \(GoFormat.quoted(replicaSet.name))", now: now)
        }
        // The local copy looks as the server will return it, so later steps order it as newest.
        replicaSet[path: ["metadata", "creationTimestamp"]] = .string(Timestamp.format(now))
        replicaSet["status"] = ["replicas": 0]
        owned.append(replicaSet)
        return replicaSet.name
    }

    /// The ReplicaSet upstream creates for the template: named `<deployment>-<hash>` (the
    /// deployment name cut so the whole fits 253 characters), the hash label added to its labels,
    /// selector and template, and the Deployment as controller.
    func newReplicaSetObject(hash: String) -> JSON {
        var template = deploymentTemplate
        template[path: ["metadata", "labels", PodTemplateHash.labelKey]] = .string(hash)
        var selector = deployment[path: ["spec", "selector"]] ?? .emptyObject
        selector[path: ["matchLabels", PodTemplateHash.labelKey]] = .string(hash)
        var spec: JSON = ["replicas": 0, "selector": selector, "template": template]
        if self.spec.minReadySeconds != 0 { spec["minReadySeconds"] = .int(self.spec.minReadySeconds) }
        let room = 253 - 1 - hash.utf8.count
        let base = deployment.name.utf8.count > room ? String(deployment.name.prefix(room)) : deployment.name
        return [
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": [
                "name": .string(base + "-" + hash), "namespace": .string(deployment.namespace),
                "labels": template[path: ["metadata", "labels"]] ?? .emptyObject,
                "ownerReferences": [OwnerKind.deployment.controllerReference(to: original)],
            ],
            "spec": spec,
        ]
    }

    /// Upstream `NewRSNewReplicas`: a rolling update grows the new ReplicaSet as far as maxSurge
    /// allows (never past the desired count); Recreate goes straight to the desired count.
    func newReplicaSetReplicas(all: [JSON], newRS: JSON) -> Int {
        guard spec.isRollingUpdate else { return spec.replicas }
        let current = all.map(\.specReplicas).reduce(0, +)
        let maxTotal = spec.replicas + spec.maxSurge
        if current >= maxTotal { return newRS.specReplicas }
        let scaleUp = min(maxTotal - current, spec.replicas - newRS.specReplicas)
        return newRS.specReplicas + scaleUp
    }
}
