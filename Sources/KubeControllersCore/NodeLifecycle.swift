import KubeTypes

/// Settings of the node lifecycle controller (upstream kube-controller-manager flags).
public struct NodeLifecycleOptions: Sendable, Hashable {
    /// Upstream `--node-monitor-grace-period`: how long a node's Lease may go unrenewed before
    /// the node counts as unreachable (50 s since Kubernetes 1.32).
    public var gracePeriod: Int64

    public init(gracePeriod: Int64 = 50) { self.gracePeriod = gracePeriod }
}

/// One write of the node lifecycle controller.
public enum NodeLifecycleAction: Sendable, Hashable {
    /// PUT the Node (cached resourceVersion) to `/status` with these conditions.
    case updateNodeStatus(JSON)
    /// PUT the Node with these taints.
    case updateNodeTaints(JSON)
    /// PUT the pod to `/status` with its Ready condition False.
    case markPodNotReady(JSON)
    /// Add the DisruptionTarget condition (a `/status` patch), then delete the pod.
    case evictPod(ObjectReference, condition: JSON)
    case recordNodeEvent(name: String, ControllerEvent)
    case recordPodEvent(ObjectReference, ControllerEvent)
}

/// The decisions of one node lifecycle pass.
public struct NodeLifecyclePass: Sendable {
    public var actions: [NodeLifecycleAction]
    /// When each pod that tolerates its node's NoExecute taints for a while was first seen so;
    /// keep it for the next pass.
    public var evictionClock: [String: Int64]
}

/// The node lifecycle controller (upstream `pkg/controller/nodelifecycle` and the taint eviction
/// controller). A kubelet here runs inside a Mesos executor that starts with the node's first
/// pod, so a missing or old Lease alone says nothing: a node is unreachable when its Lease is
/// older than the grace period while pods are bound to it (a kubelet should be renewing it), or
/// when the kube scheduler reported the agent lost (Ready Unknown). Unreachable nodes get Ready
/// Unknown, the `node.kubernetes.io/unreachable` NoExecute and NoSchedule taints, and their pods
/// turn not Ready; pods are then evicted as their tolerations allow.
public enum NodeLifecycle {
    public static let unreachableTaint = "node.kubernetes.io/unreachable"
    public static let notReadyTaint = "node.kubernetes.io/not-ready"
    public static let unschedulableTaint = "node.kubernetes.io/unschedulable"
    public static let leaseNamespace = "kube-node-lease"
    static let staleMessage = "Kubelet stopped posting node status."

    public static func pass(
        nodes: [JSON], leases: [JSON], pods: [JSON], now: Int64, options: NodeLifecycleOptions = NodeLifecycleOptions(),
        evictionClock: [String: Int64] = [:]
    ) -> NodeLifecyclePass {
        let leaseByNode = Dictionary(
            leases.filter { $0.namespace == leaseNamespace }.map { ($0.name, $0) },
            uniquingKeysWith: { first, _ in first })
        let podsByNode = Dictionary(grouping: pods.filter { !PodState.nodeName($0).isEmpty }, by: PodState.nodeName)
        var actions: [NodeLifecycleAction] = []
        var clock: [String: Int64] = [:]
        // Names read once: a comparison that looked them up in each node's JSON was 70% of a pass.
        let ordered = nodes.map { (name: $0.name, node: $0) }.sorted { $0.name < $1.name }.map(\.node)
        for var node in ordered {
            let bound = podsByNode[node.name] ?? []
            let stale = isLeaseStale(leaseByNode[node.name], now: now, gracePeriod: options.gracePeriod)
            let wasReady = readyStatus(node) == "True"
            if let updated = updatedConditions(node, stale: stale && bound.contains(where: PodState.isActive), now: now)
            {
                node = updated
                actions.append(.updateNodeStatus(updated))
                if wasReady && readyStatus(updated) != "True" {
                    let event = ControllerEvent(
                        .normal, reason: "NodeNotReady", message: "Node \(node.name) status is now: NodeNotReady")
                    actions.append(.recordNodeEvent(name: node.name, event))
                }
            }
            if let tainted = withConditionTaints(node, now: now) {
                node = tainted
                actions.append(.updateNodeTaints(tainted))
            }
            if readyStatus(node) != "True" { actions += podsNotReady(bound, now: now) }
            actions += evictions(on: node, pods: bound, now: now, clock: evictionClock, kept: &clock)
        }
        return NodeLifecyclePass(actions: actions, evictionClock: clock)
    }

    static func readyStatus(_ node: JSON) -> String? {
        Conditions.find(node[path: ["status", "conditions"]]?.arrayValue ?? [], type: "Ready")?["status"]?.stringValue
    }

    /// A Lease whose `renewTime` (plus the grace period) lies in the past. No Lease, or one never
    /// renewed, is not stale: the kubelet may simply not have started on that node.
    static func isLeaseStale(_ lease: JSON?, now: Int64, gracePeriod: Int64) -> Bool {
        guard let renewed = lease?[path: ["spec", "renewTime"]]?.stringValue.flatMap(Timestamp.parse) else {
            return false
        }
        return renewed + gracePeriod < now
    }

    /// Upstream `tryUpdateNodeHealth`: a stale node's conditions all turn Unknown (reason
    /// NodeStatusUnknown); once its Lease is fresh again, a Ready condition this controller set
    /// Unknown turns True again (the kubelet here does not post Ready itself). Ready Unknown set by
    /// the kube scheduler for a lost agent is the scheduler's to lift. nil when nothing changes.
    static func updatedConditions(_ node: JSON, stale: Bool, now: Int64) -> JSON? {
        var conditions = node[path: ["status", "conditions"]]?.arrayValue ?? []
        let stamp = JSON.string(Timestamp.format(now))
        var changed = false
        if stale {
            if conditions.isEmpty { conditions = [["type": "Ready"]] }
            for index in conditions.indices where conditions[index]["status"]?.stringValue != "Unknown" {
                conditions[index]["status"] = "Unknown"
                conditions[index]["reason"] = "NodeStatusUnknown"
                conditions[index]["message"] = .string(staleMessage)
                conditions[index]["lastTransitionTime"] = stamp
                changed = true
            }
        } else {
            for index in conditions.indices
            where conditions[index]["status"] == "Unknown" && conditions[index]["message"] == .string(staleMessage) {
                let isReady = conditions[index]["type"] == "Ready"
                conditions[index]["status"] = isReady ? "True" : "False"
                conditions[index]["reason"] = isReady ? "KubeletReady" : "KubeletHasSufficientResources"
                conditions[index]["message"] = isReady ? "kubelet is posting ready status" : "kubelet is posting status"
                conditions[index]["lastTransitionTime"] = stamp
                conditions[index]["lastHeartbeatTime"] = stamp
                changed = true
            }
        }
        guard changed else { return nil }
        var updated = node
        updated[path: ["status", "conditions"]] = .array(conditions)
        return updated
    }

    /// Upstream's condition taints (TaintNodesByCondition and the NoExecute tainting pass):
    /// Ready Unknown → unreachable, Ready False → not-ready, each NoSchedule and NoExecute; a
    /// cordoned node (`spec.unschedulable`) → unschedulable NoSchedule. Taints of these keys that
    /// no longer apply are removed. nil when the taints are already right.
    static func withConditionTaints(_ node: JSON, now: Int64) -> JSON? {
        let ready = readyStatus(node)
        var wanted: [(key: String, effect: String)] = []
        if let key = ready == "Unknown" ? unreachableTaint : ready == "False" ? notReadyTaint : nil {
            wanted = [(key, NodeTaint.noSchedule), (key, NodeTaint.noExecute)]
        }
        if node[path: ["spec", "unschedulable"]]?.boolValue == true {
            wanted.append((unschedulableTaint, NodeTaint.noSchedule))
        }
        let current = node[path: ["spec", "taints"]]?.arrayValue ?? []
        func isWanted(_ taint: JSON) -> Bool {
            wanted.contains { $0.key == taint["key"]?.stringValue && $0.effect == taint["effect"]?.stringValue }
        }
        var taints = current.filter { taint in
            let key = taint["key"]?.stringValue ?? ""
            return ![unreachableTaint, notReadyTaint, unschedulableTaint].contains(key) || isWanted(taint)
        }
        for (key, effect) in wanted
        where !taints.contains(where: { $0["key"] == .string(key) && $0["effect"] == .string(effect) }) {
            var taint: JSON = ["key": .string(key), "effect": .string(effect)]
            // Only condition taints carry the time: NoExecute eviction counts tolerationSeconds from it.
            if key != unschedulableTaint { taint["timeAdded"] = .string(Timestamp.format(now)) }
            taints.append(taint)
        }
        guard taints != current else { return nil }
        var updated = node
        updated[path: ["spec", "taints"]] = taints.isEmpty ? nil : .array(taints)
        return updated
    }

    /// Upstream `MarkPodsNotReady`: pods of a node that is not Ready stop counting as Ready.
    static func podsNotReady(_ pods: [JSON], now: Int64) -> [NodeLifecycleAction] {
        var actions: [NodeLifecycleAction] = []
        for pod in pods where PodState.isReady(pod) && !PodState.isTerminal(pod) {
            var updated = pod
            let conditions = (pod[path: ["status", "conditions"]]?.arrayValue ?? []).map { condition -> JSON in
                guard condition["type"] == "Ready" else { return condition }
                var copy = condition
                copy["status"] = "False"
                copy["lastTransitionTime"] = .string(Timestamp.format(now))
                return copy
            }
            updated[path: ["status", "conditions"]] = .array(conditions)
            actions.append(.markPodNotReady(updated))
            actions.append(
                .recordPodEvent(
                    ObjectReference(pod),
                    ControllerEvent(.warning, reason: "NodeNotReady", message: "Node is not ready")))
        }
        return actions
    }
}
