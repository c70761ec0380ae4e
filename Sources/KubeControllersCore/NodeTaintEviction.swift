import KubeTypes

/// Upstream's taint eviction controller: pods on a node with NoExecute taints they do not
/// tolerate are deleted at once; pods tolerating them for `tolerationSeconds` are deleted that
/// long after this controller first saw them so.
extension NodeLifecycle {
    /// Upstream's DisruptionTarget condition for a pod the taint manager deletes.
    static func disruptionCondition(now: Int64) -> JSON {
        [
            "type": "DisruptionTarget", "status": "True", "reason": "DeletionByTaintManager",
            "message": "Taint manager: deleting due to NoExecute taint",
            "lastTransitionTime": .string(Timestamp.format(now)),
        ]
    }

    /// Upstream `getMinTolerationTime` over the tolerations matched to the NoExecute taints: nil
    /// when every one tolerates for ever, else the shortest (0 for a non-positive value).
    static func minTolerationSeconds(_ used: [PodToleration]) -> Int64? {
        if used.isEmpty { return 0 }
        let limits = used.compactMap(\.seconds)
        guard let shortest = limits.min() else { return nil }
        return max(shortest, 0)
    }

    /// The evictions of the node's pods; `clock` holds when each pod was first seen tolerating
    /// the taints for a while, and `kept` receives the entries still running.
    static func evictions(
        on node: JSON, pods: [JSON], now: Int64, clock: [String: Int64], kept: inout [String: Int64]
    ) -> [NodeLifecycleAction] {
        let taints = NodeTaint.of(node).filter { $0.effect == NodeTaint.noExecute }
        guard !taints.isEmpty else { return [] }
        var actions: [NodeLifecycleAction] = []
        for pod in pods where PodState.isActive(pod) {
            let tolerations = PodToleration.of(pod)
            var used: [PodToleration] = []
            var allTolerated = true
            for taint in taints {
                guard let toleration = tolerations.first(where: { $0.tolerates(taint) }) else {
                    allTolerated = false
                    break
                }
                used.append(toleration)
            }
            var evict = !allTolerated
            if allTolerated, let seconds = minTolerationSeconds(used) {
                let since = clock[pod.uid] ?? now
                evict = since + seconds <= now
                if !evict { kept[pod.uid] = since }
            }
            guard evict else { continue }
            let reference = ObjectReference(pod)
            actions.append(.evictPod(reference, condition: disruptionCondition(now: now)))
            let message = "Marking for deletion Pod \(reference.description)"
            actions.append(
                .recordPodEvent(reference, ControllerEvent(.normal, reason: "TaintManagerEviction", message: message)))
        }
        return actions
    }
}
