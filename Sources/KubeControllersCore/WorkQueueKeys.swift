import KubeTypes

/// Which objects to sync when an informer reports a change (upstream's event handlers in
/// `replica_set.go` and `deployment_controller.go`). Enqueuing a key twice is harmless, so these
/// err on the side of more: a level-triggered sync of an unaffected object decides nothing.
public enum WorkQueueKeys {
    /// ReplicaSets to sync when a pod is added, changed (pass the previous version as `old`) or
    /// deleted: its controller if that is one of `replicaSets`, else, for an orphan, every
    /// ReplicaSet of its namespace whose selector matches it (one of them may adopt it).
    public static func replicaSets(forPod pod: JSON, old: JSON? = nil, among replicaSets: [JSON]) -> [ObjectReference] {
        owners(of: [old, pod].compactMap { $0 }, kind: "ReplicaSet", among: replicaSets)
    }

    /// Jobs to sync when a pod is added, changed or deleted, by the same rules.
    public static func jobs(forPod pod: JSON, old: JSON? = nil, among jobs: [JSON]) -> [ObjectReference] {
        owners(of: [old, pod].compactMap { $0 }, kind: "Job", among: jobs)
    }

    /// Deployments to sync when a ReplicaSet is added, changed or deleted, by the same rules.
    public static func deployments(
        forReplicaSet replicaSet: JSON, old: JSON? = nil, among deployments: [JSON]
    )
        -> [ObjectReference]
    {
        owners(of: [old, replicaSet].compactMap { $0 }, kind: "Deployment", among: deployments)
    }

    /// The Deployment to sync when a pod it runs through a ReplicaSet is deleted: a Recreate
    /// rollout waits for the last old pod to go (upstream `deletePod`), and no ReplicaSet status
    /// change signals that.
    public static func deployment(
        forDeletedPod pod: JSON, replicaSets: [JSON], deployments: [JSON]
    )
        -> ObjectReference?
    {
        let owningSets = owners(of: [pod], kind: "ReplicaSet", among: replicaSets, adoptOrphans: false)
        let sets = replicaSets.filter { candidate in owningSets.contains { $0.uid == candidate.uid } }
        return sets.flatMap { owners(of: [$0], kind: "Deployment", among: deployments, adoptOrphans: false) }.first
    }

    static func owners(
        of objects: [JSON], kind: String, among candidates: [JSON], adoptOrphans: Bool = true
    )
        -> [ObjectReference]
    {
        var result: [ObjectReference] = []
        for object in objects {
            let local = candidates.filter { $0.namespace == object.namespace }
            if let reference = object.controllerReference {
                guard reference["kind"]?.stringValue == kind else { continue }
                let uid = reference["uid"]?.stringValue
                result += local.filter { $0.uid == uid && $0.name == reference["name"]?.stringValue }
                    .map(ObjectReference.init)
            } else if adoptOrphans {
                // An empty selector selects nothing here, as upstream guards against it.
                let selecting = local.filter { !$0.specSelector.isEmpty && $0.specSelector.matches(object.labels) }
                result += selecting.map(ObjectReference.init)
            }
        }
        var seen = Set<ObjectReference>()
        return result.filter { seen.insert($0).inserted }
    }
}
