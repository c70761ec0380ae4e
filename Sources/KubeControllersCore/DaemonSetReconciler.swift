import KubeTypes

/// One write the DaemonSet controller wants made, in order. The shell stops at the first failure
/// and requeues, as upstream's sync returns on the first error.
public enum DaemonSetAction: Sendable, Hashable {
    /// Strategic-merge-patch a ControllerRevision (adopt or release it).
    case patchRevision(ObjectReference, patch: JSON)
    /// POST this ControllerRevision; AlreadyExists may mean a hash collision (see
    /// `DaemonSetHistory.withCollisionBumped`).
    case createRevision(JSON)
    /// PUT this ControllerRevision (a new revision number or hash label).
    case updateRevision(JSON)
    case deleteRevision(ObjectReference)
    /// Strategic-merge-patch a pod (adopt, release, or relabel to the current revision).
    case patchPod(ObjectReference, patch: JSON)
    /// Create these pods, one per node, in slow-start batches.
    case createPods([JSON])
    /// Delete these pods; the first error fails the sync.
    case deletePods([ObjectReference])
    case recordEvent(ControllerEvent)
    /// PUT the DaemonSet (with its cached resourceVersion) to its `/status` subresource.
    case updateStatus(JSON)
}

/// Upstream's `failedPodsBackoff` (1 s doubling to 15 min) for one DaemonSet, by node: a node
/// whose daemon pod keeps failing (often a kubelet rejecting it) is not fought over in a hot loop.
public struct FailedPodBackoff: Sendable, Hashable {
    public static let initial: Int64 = 1
    public static let maximum: Int64 = 900

    struct Entry: Sendable, Hashable {
        var delay: Int64
        var lastUpdate: Int64
    }

    var entries: [String: Entry] = [:]

    public init() {}

    public var isEmpty: Bool { entries.isEmpty }

    /// Upstream `IsInBackOffSinceUpdate`.
    func isInBackoff(_ node: String, now: Int64) -> Bool {
        guard let entry = entries[node] else { return false }
        return now - entry.lastUpdate < entry.delay
    }

    /// Seconds until the node's backoff ends.
    func remaining(_ node: String, now: Int64) -> Int64 {
        guard let entry = entries[node] else { return 0 }
        return max(1, entry.lastUpdate + entry.delay - now)
    }

    /// Upstream `Next`: doubles the delay, or starts over once the last failure is long past.
    mutating func next(_ node: String, now: Int64) {
        if let entry = entries[node], now - entry.lastUpdate <= 2 * Self.maximum {
            entries[node] = Entry(delay: min(entry.delay * 2, Self.maximum), lastUpdate: now)
        } else {
            entries[node] = Entry(delay: Self.initial, lastUpdate: now)
        }
    }

    /// Upstream's periodic `GC`: forgets nodes whose last failure is long past.
    mutating func collectGarbage(now: Int64) {
        entries = entries.filter { now - $0.value.lastUpdate <= 2 * Self.maximum }
    }
}

/// The decisions of one DaemonSet sync.
public struct DaemonSetReconciliation: Sendable {
    public var actions: [DaemonSetAction]
    /// The DaemonSet with the status this sync computed.
    public var daemonSet: JSON
    /// Seconds after which to sync again (minReadySeconds, failed-pod backoff); nil for none.
    public var requeueAfter: Int64?
    public var expectedCreations: Int
    public var expectedDeletions: [ObjectReference]
    /// The backoff to keep for the next sync.
    public var backoff: FailedPodBackoff
}

/// The DaemonSet controller's decisions (upstream `pkg/controller/daemon`): one daemon pod on
/// every node that should run it, placed through the scheduler by node affinity, replaced by
/// RollingUpdate (maxUnavailable, or maxSurge) or OnDelete when the template changes.
public enum DaemonSetReconciler {
    /// Upstream's `BurstReplicas` for DaemonSets.
    public static let burstReplicas = 250
    public static let failedDaemonPodReason = "FailedDaemonPod"

    /// Syncs `daemonSet` against the cluster's `nodes` and the `pods` and `revisions` of its
    /// namespace. `expectationsSatisfied` is false while creates or deletes of an earlier sync
    /// are not yet in the shell's cache: then only the status is written.
    public static func reconcile(
        daemonSet: JSON, nodes: [JSON], pods: [JSON], revisions: [JSON], now: Int64,
        expectationsSatisfied: Bool = true, backoff: FailedPodBackoff = FailedPodBackoff()
    ) -> DaemonSetReconciliation {
        var sync = DaemonSetSync(daemonSet: daemonSet, nodes: nodes, now: now, backoff: backoff)
        guard !daemonSet.isBeingDeleted else { return sync.result(status: nil) }
        let history = DaemonSetHistory.construct(daemonSet: daemonSet, revisions: revisions, pods: pods)
        sync.hash = history.hash
        sync.actions += history.actions
        sync.claim(pods.filter { $0.namespace == daemonSet.namespace })
        guard expectationsSatisfied else {
            let status = sync.status(observeGeneration: false)
            return sync.result(status: status)
        }
        sync.manage()
        if sync.creations.isEmpty && sync.deletions.isEmpty && sync.isRollingUpdate {
            sync.rollingUpdate()
        }
        sync.writePods()
        for revision in DaemonSetHistory.cleanup(daemonSet: daemonSet, old: history.old, pods: sync.claimed) {
            sync.actions.append(.deleteRevision(revision))
        }
        let status = sync.status(observeGeneration: true)
        return sync.result(status: status)
    }
}

extension WorkQueueKeys {
    /// DaemonSets to sync when a pod or ControllerRevision is added, changed or deleted: its
    /// controller if that is one of `daemonSets`, else every DaemonSet that may adopt it.
    public static func daemonSets(for object: JSON, old: JSON? = nil, among daemonSets: [JSON]) -> [ObjectReference] {
        owners(of: [old, object].compactMap { $0 }, kind: "DaemonSet", among: daemonSets)
    }

    /// Whether a node change can change where daemon pods belong (upstream `shouldIgnoreNodeUpdate`
    /// ignores changes to status alone, such as heartbeats and resource figures).
    public static func nodeChangeMattersToDaemonSets(old: JSON, new: JSON) -> Bool {
        old.labels != new.labels || old["spec"] != new["spec"]
    }
}
