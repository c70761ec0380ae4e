import KubeTypes

/// A node with what its pods add up to (upstream `framework.NodeInfo`), kept up to date as the
/// cycle places pods, so every later pod in the batch sees the earlier placements.
struct NodeInfo: Sendable {
    var node: SchedulingNode
    private(set) var pods: [PodInfo]
    var nominatedPods: [PodInfo]
    /// Sum of the pods' requests, for fit.
    var requested: PodRequests
    /// Sum of the pods' requests with scoring defaults, for LeastAllocated.
    var nonZeroRequested: PodRequests
    /// What is left of the offer; nil when the agent has no outstanding offer.
    var offer: ResourceOffer?
    /// How many of `pods` carry (anti-)affinity terms, and required anti-affinity terms: most pods
    /// have none, and these counts let a cycle skip their nodes instead of scanning every pod of
    /// the cluster for each pod it places.
    private(set) var podsWithAffinityTerms = 0
    private(set) var podsWithRequiredAntiAffinity = 0

    init(_ node: SchedulingNode) {
        self.node = node
        pods = node.pods.map(PodInfo.init)
        nominatedPods = node.nominatedPods.map(PodInfo.init)
        requested = pods.reduce(.zero) { $0 + $1.requests }
        nonZeroRequested = pods.reduce(.zero) { $0 + $1.nonZeroRequests }
        offer = node.offered
        for pod in pods { count(pod, 1) }
    }

    private mutating func count(_ pod: PodInfo, _ delta: Int) {
        if pod.hasAffinityTerms { podsWithAffinityTerms += delta }
        if !pod.requiredAntiAffinityTerms.isEmpty { podsWithRequiredAntiAffinity += delta }
    }

    var name: String { node.name }
    var labels: [String: String] { node.labels }
    var taints: [Taint] { node.taints }
    var allocatable: NodeResources { node.allocatable }

    var usedPorts: [HostPort] { pods.flatMap(\.hostPorts) }

    /// How many more pods the node admits (NodeResourcesFit's pod count), nominated pods holding
    /// their places.
    var podRoom: Int { max(0, allocatable.pods - pods.count - nominatedPods.count) }

    /// Assumes `pod` on this node: its requests count against allocatable and come out of the offer.
    mutating func add(_ pod: PodInfo) {
        pods.append(pod)
        count(pod, 1)
        requested = requested + pod.requests
        nonZeroRequested = nonZeroRequested + pod.nonZeroRequests
        guard var offer else { return }
        offer.milliCPU -= pod.requests.milliCPU
        offer.memory -= pod.requests.memory
        offer.disk -= pod.requests.ephemeralStorage
        for port in pod.hostPorts { offer.take(port: port.port) }
        self.offer = offer
    }

    /// Takes a pod off the node, as preemption imagines it: when the victim's task is killed its
    /// resources and ports go back to the framework, so they return to the offer.
    @discardableResult
    mutating func remove(id: String) -> PodInfo? {
        guard let index = pods.firstIndex(where: { $0.id == id }) else { return nil }
        let pod = pods.remove(at: index)
        count(pod, -1)
        requested = requested - pod.requests
        nonZeroRequested = nonZeroRequested - pod.nonZeroRequests
        var offer = self.offer ?? ResourceOffer()
        offer.milliCPU += pod.requests.milliCPU
        offer.memory += pod.requests.memory
        offer.disk += pod.requests.ephemeralStorage
        for port in pod.hostPorts { offer.give(port: port.port) }
        self.offer = offer
        return pod
    }

    /// The node as the shell should see it after the cycle.
    var snapshot: SchedulingNode {
        var result = node
        result.pods = pods.map(\.json)
        result.nominatedPods = nominatedPods.map(\.json)
        result.offered = offer
        return result
    }
}
