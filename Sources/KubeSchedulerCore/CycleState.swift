import KubeTypes

/// What PreFilter worked out for one pod against the cluster (upstream `CycleState`), and the
/// filters that read it. Plugins without cluster-wide state read the node alone.
struct CycleState: Sendable {
    let pod: PodInfo
    let namespaceLabels: [String: [String: String]]
    var spread: SpreadFilterState
    var affinity: AffinityFilterState
    let volumes: VolumeBinding
    /// Set when a PreFilter rejected the pod for every node.
    var preFilterRejection: NodeStatus?
    /// Nodes a PreFilter narrowed the search to (NodeAffinity's `metadata.name` terms); nil for all.
    var allowedNodeNames: Set<String>?

    init(
        pod: PodInfo, nodes: [NodeInfo], namespaceLabels: [String: [String: String]],
        volumes catalog: VolumeCatalog = VolumeCatalog()
    ) {
        self.pod = pod
        self.namespaceLabels = namespaceLabels
        let pinned = pod.requiredNodeAffinity.pinnedNodeNames
        if let pinned, pinned.isEmpty {
            preFilterRejection = .unresolvable("NodeAffinity", FilterReason.nodeAffinityConflict)
        }
        volumes = VolumeBinding(pod: pod, catalog: catalog)
        if preFilterRejection == nil { preFilterRejection = volumes.rejection }
        allowedNodeNames = pinned
        spread = SpreadFilterState(pod: pod, nodes: nodes)
        affinity = AffinityFilterState(pod: pod, nodes: nodes, namespaceLabels: namespaceLabels)
    }

    /// Upstream PreFilter extension AddPod: `other` now sits on `node`.
    mutating func added(_ other: PodInfo, on node: NodeInfo) {
        spread.update(with: other, on: node, for: pod, delta: 1)
        affinity.update(with: other, on: node, for: pod, namespaceLabels: namespaceLabels, delta: 1)
    }

    /// Upstream PreFilter extension RemovePod: `other` left `node`.
    mutating func removed(_ other: PodInfo, from node: NodeInfo) {
        spread.update(with: other, on: node, for: pod, delta: -1)
        affinity.update(with: other, on: node, for: pod, namespaceLabels: namespaceLabels, delta: -1)
    }

    /// Upstream RunFilterPlugins in the default profile's order; the first plugin that rejects
    /// decides the node's status.
    func runFilters(on node: NodeInfo) -> NodeStatus? {
        if let status = NodeFilters.nodeUnschedulable(pod, node) { return status }
        if let status = NodeFilters.nodeName(pod, node) { return status }
        if let status = NodeFilters.taintToleration(pod, node) { return status }
        if let status = NodeFilters.nodeAffinity(pod, node) { return status }
        if let status = NodeFilters.nodePorts(pod, node) { return status }
        if let status = NodeFilters.nodeResourcesFit(pod, node) { return status }
        if let status = volumes.filter(on: node) { return status }
        if let status = spread.filter(pod, on: node) { return status }
        return affinity.filter(pod, on: node, namespaceLabels: namespaceLabels)
    }

    /// Upstream RunFilterPluginsWithNominatedPods: pods nominated to the node with at least this
    /// pod's priority are assumed there first, so a preemptor keeps the room it evicted for; when
    /// the pod still fits, it is checked again without them, because a nominated pod may never
    /// arrive and must not be what makes (anti-)affinity pass.
    func runFiltersWithNominatedPods(on node: NodeInfo) -> NodeStatus? {
        let nominated = node.nominatedPods.filter { $0.id != pod.id && $0.priority >= pod.priority }
        if nominated.isEmpty { return runFilters(on: node) }
        var withNominated = node
        var state = self
        for other in nominated {
            withNominated.add(other)
            state.added(other, on: withNominated)
        }
        if let status = state.runFilters(on: withNominated) { return status }
        return runFilters(on: node)
    }
}
