import KubeTypes

/// A DaemonSet's ControllerRevisions (upstream `pkg/controller/daemon/update.go`): one per template
/// it has had, named `<ds>-<hash>`, holding the patch that restores that template. `kubectl
/// rollout history` lists them and `kubectl rollout undo` applies one's data to the DaemonSet.
public enum DaemonSetHistory {
    /// What constructing the history decided: the current revision's hash (the label new pods
    /// get) and the writes that bring the revisions in line.
    struct Plan {
        var hash: String
        var actions: [DaemonSetAction] = []
        /// Revisions of earlier templates, for cleanup once the pods are synced.
        var old: [JSON] = []
    }

    /// The revision's `data` (upstream `getPatch`): a strategic merge patch replacing the template.
    public static func patch(of daemonSet: JSON) -> JSON {
        var template = daemonSet[path: ["spec", "template"]] ?? .emptyObject
        template["$patch"] = "replace"
        return ["spec": ["template": template]]
    }

    /// Upstream `Match`: the revision holds the DaemonSet's current template. Compared
    /// semantically, so a revision written by another encoder of the same template still matches.
    public static func matches(_ daemonSet: JSON, _ revision: JSON) -> Bool {
        guard var template = revision[path: ["data", "spec", "template"]] else { return false }
        template["$patch"] = nil
        return PodTemplateHash.equalIgnoringHash(template, daemonSet[path: ["spec", "template"]] ?? .emptyObject)
    }

    /// Upstream `ControllerRevisionName`: the DaemonSet name (cut to 223 characters) and the hash.
    static func revisionName(_ daemonSetName: String, hash: String) -> String {
        String(daemonSetName.prefix(223)) + "-" + hash
    }

    static func collisionCount(_ daemonSet: JSON) -> Int64? { daemonSet[path: ["status", "collisionCount"]]?.intValue }

    /// The hash of the DaemonSet's template at its current collision count.
    public static func hash(of daemonSet: JSON) -> String {
        PodTemplateHash.compute(
            template: daemonSet[path: ["spec", "template"]] ?? .emptyObject, collisionCount: collisionCount(daemonSet))
    }

    /// The DaemonSet with `status.collisionCount` raised by one, for the `/status` write after
    /// another template's revision already holds the name this one hashes to.
    public static func withCollisionBumped(_ daemonSet: JSON) -> JSON {
        var copy = daemonSet
        copy[path: ["status", "collisionCount"]] = .int((collisionCount(daemonSet) ?? 0) + 1)
        return copy
    }

    /// The ControllerRevision upstream's `snapshot` creates for the current template.
    public static func snapshot(of daemonSet: JSON, revision: Int64) -> JSON {
        let hash = hash(of: daemonSet)
        var labels = daemonSet[path: ["spec", "template", "metadata", "labels"]]?.objectValue ?? [:]
        labels[DaemonSetPods.revisionHashLabel] = .string(hash)
        var metadata: JSON = [
            "name": .string(revisionName(daemonSet.name, hash: hash)), "namespace": .string(daemonSet.namespace),
            "labels": .object(labels), "ownerReferences": [OwnerKind.daemonSet.controllerReference(to: daemonSet)],
        ]
        if let annotations = daemonSet[path: ["metadata", "annotations"]], annotations != .null {
            metadata["annotations"] = annotations
        }
        return [
            "apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": metadata,
            "data": patch(of: daemonSet), "revision": .int(revision),
        ]
    }

    static func revisionNumber(_ revision: JSON) -> Int64 { revision["revision"]?.intValue ?? 0 }

    /// Upstream `constructHistory`: claims the revisions, labels any without a hash, splits them
    /// into the current one and old ones, and creates the current one or raises its number to
    /// the newest. Several current ones (a race) are reduced to the newest (`dedupCurHistories`),
    /// its pods relabelled to it.
    static func construct(daemonSet: JSON, revisions: [JSON], pods: [JSON]) -> Plan {
        let selector = daemonSet.specSelector
        var owned: [JSON] = []
        var actions: [DaemonSetAction] = []
        for revision in revisions where revision.namespace == daemonSet.namespace {
            switch ClaimDecision.decide(object: revision, owner: daemonSet, selected: selector.matches(revision.labels))
            {
            case .owned:
                owned.append(revision)
            case .adopt:
                let patch = OwnerKind.daemonSet.adoptionPatch(owner: daemonSet, object: revision)
                actions.append(.patchRevision(ObjectReference(revision), patch: patch))
                owned.append(OwnerKind.daemonSet.adopted(revision, by: daemonSet))
            case .release:
                let patch = OwnerKind.releasePatch(ownerUID: daemonSet.uid, object: revision)
                actions.append(.patchRevision(ObjectReference(revision), patch: patch))
            case .ignore:
                break
            }
        }
        var current: [JSON] = []
        var old: [JSON] = []
        for var revision in owned {
            if revision.labels[DaemonSetPods.revisionHashLabel] == nil {
                // Upstream labels it with its name rather than a hash, which cannot collide.
                revision[path: ["metadata", "labels", DaemonSetPods.revisionHashLabel]] = .string(revision.name)
                actions.append(.updateRevision(revision))
            }
            if matches(daemonSet, revision) { current.append(revision) } else { old.append(revision) }
        }
        let next = (old.map(revisionNumber).max() ?? 0) + 1
        guard let newest = current.max(by: { revisionNumber($0) < revisionNumber($1) }) else {
            let created = snapshot(of: daemonSet, revision: next)
            actions.append(.createRevision(created))
            return Plan(hash: created.labels[DaemonSetPods.revisionHashLabel] ?? "", actions: actions, old: old)
        }
        let hash = newest.labels[DaemonSetPods.revisionHashLabel] ?? ""
        for duplicate in current where duplicate.uid != newest.uid {
            let duplicateHash = duplicate.labels[DaemonSetPods.revisionHashLabel] ?? ""
            for pod in pods
            where pod.controllerUID == daemonSet.uid && pod.labels[DaemonSetPods.revisionHashLabel] == duplicateHash {
                var patch = JSON.emptyObject
                patch[path: ["metadata", "labels", DaemonSetPods.revisionHashLabel]] = .string(hash)
                actions.append(.patchPod(ObjectReference(pod), patch: patch))
            }
            actions.append(.deleteRevision(ObjectReference(duplicate)))
        }
        if revisionNumber(newest) < next {
            var raised = newest
            raised["revision"] = .int(next)
            actions.append(.updateRevision(raised))
        }
        return Plan(hash: hash, actions: actions, old: old)
    }

    /// Upstream `cleanupHistory`: beyond `revisionHistoryLimit` old revisions, the oldest ones no
    /// live pod still runs are deleted.
    static func cleanup(daemonSet: JSON, old: [JSON], pods: [JSON]) -> [ObjectReference] {
        let limit = Int(daemonSet[path: ["spec", "revisionHistoryLimit"]]?.intValue ?? 10)
        var toKill = old.count - limit
        guard toKill > 0 else { return [] }
        let liveHashes = Set(pods.compactMap { $0.labels[DaemonSetPods.revisionHashLabel] })
        var victims: [ObjectReference] = []
        for revision in old.sorted(by: { revisionNumber($0) < revisionNumber($1) }) where toKill > 0 {
            if let hash = revision.labels[DaemonSetPods.revisionHashLabel], liveHashes.contains(hash) { continue }
            victims.append(ObjectReference(revision))
            toKill -= 1
        }
        return victims
    }
}
