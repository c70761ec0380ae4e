import KubeTypes

/// The per-node filter plugins that need no cluster-wide state, with upstream's reasons and
/// status codes. Each returns nil when the node passes.
enum NodeFilters {
    /// NodeName: a pod that names its node fits only there.
    static func nodeName(_ pod: PodInfo, _ node: NodeInfo) -> NodeStatus? {
        if pod.nodeName.isEmpty || pod.nodeName == node.name { return nil }
        return .unresolvable("NodeName", FilterReason.nodeName)
    }

    /// NodeUnschedulable: a cordoned node takes only pods tolerating its unschedulable taint.
    static func nodeUnschedulable(_ pod: PodInfo, _ node: NodeInfo) -> NodeStatus? {
        guard node.node.unschedulable else { return nil }
        let taint = Taint(key: "node.kubernetes.io/unschedulable", effect: .noSchedule)
        if pod.tolerations.tolerate(taint) { return nil }
        return .unresolvable("NodeUnschedulable", FilterReason.nodeUnschedulable)
    }

    /// TaintToleration: NoSchedule and NoExecute taints must be tolerated; the first one that is not
    /// is named in the reason.
    static func taintToleration(_ pod: PodInfo, _ node: NodeInfo) -> NodeStatus? {
        guard let taint = pod.tolerations.firstUntolerated(of: node.taints) else { return nil }
        return .unresolvable("TaintToleration", FilterReason.untoleratedTaint(taint))
    }

    /// NodeAffinity: nodeSelector and required node affinity.
    static func nodeAffinity(_ pod: PodInfo, _ node: NodeInfo) -> NodeStatus? {
        if pod.requiredNodeAffinity.matches(name: node.name, labels: node.labels) { return nil }
        return .unresolvable("NodeAffinity", FilterReason.nodeAffinity)
    }

    /// NodePorts: no wanted host port may collide with one a pod on the node holds, and every one
    /// must be among the ports the agent offers now, or the task could not be launched with it.
    static func nodePorts(_ pod: PodInfo, _ node: NodeInfo) -> NodeStatus? {
        if pod.hostPorts.isEmpty { return nil }
        let used = node.usedPorts
        let conflict = pod.hostPorts.contains { wanted in used.contains { $0.conflicts(with: wanted) } }
        let unoffered = node.offer.map { offer in pod.hostPorts.contains { !offer.offers(port: $0.port) } } ?? false
        if conflict || unoffered { return .unschedulable("NodePorts", FilterReason.nodePorts) }
        return nil
    }

    /// NodeResourcesFit: the pod count against allocatable, then cpu, memory and ephemeral storage
    /// against what allocatable leaves and what the agent offers now (see `ResourceOffer` for why
    /// both). Every shortfall is a reason of its own. A request larger than the whole node cannot be
    /// helped by preemption, which upstream marks unresolvable.
    static func nodeResourcesFit(_ pod: PodInfo, _ node: NodeInfo) -> NodeStatus? {
        var reasons: [String] = []
        var unresolvable = false
        let allocatable = node.allocatable
        if node.pods.count + 1 > allocatable.pods { reasons.append(FilterReason.tooManyPods) }
        guard let offer = node.offer else {
            reasons.append(FilterReason.noOffer)
            return NodeStatus(.unschedulable, reasons, plugin: "NodeResourcesFit")
        }
        func check(_ request: Int64, _ capacity: Int64, _ used: Int64, _ offered: Int64, _ reason: String) {
            guard request > 0, request > capacity - used || request > offered else { return }
            reasons.append(reason)
            unresolvable = unresolvable || request > capacity
        }
        let (wanted, used) = (pod.requests, node.requested)
        check(wanted.milliCPU, allocatable.milliCPU, used.milliCPU, offer.milliCPU, FilterReason.insufficientCPU)
        check(wanted.memory, allocatable.memory, used.memory, offer.memory, FilterReason.insufficientMemory)
        check(
            wanted.ephemeralStorage, allocatable.ephemeralStorage, used.ephemeralStorage, offer.disk,
            FilterReason.insufficientEphemeralStorage)
        if reasons.isEmpty { return nil }
        return NodeStatus(unresolvable ? .unresolvable : .unschedulable, reasons, plugin: "NodeResourcesFit")
    }
}
