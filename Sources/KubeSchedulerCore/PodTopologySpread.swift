import KubeTypes

/// A topology domain: a label key and one of its values (`zone=a`).
struct TopologyPair: Sendable, Hashable {
    var key: String
    var value: String
}

/// PodTopologySpread PreFilter state for `whenUnsatisfiable: DoNotSchedule` constraints: how many
/// matching pods each domain holds, counted over every node the constraint includes.
struct SpreadFilterState: Sendable {
    static let plugin = "PodTopologySpread"

    var constraints: [SpreadConstraint]
    var matchCounts: [TopologyPair: Int] = [:]
    /// Domains per key, counted once: minDomains compares against it.
    var domainCounts: [String: Int] = [:]
    /// The smallest count per key (upstream's critical path), refreshed after each change.
    var minimums: [String: Int] = [:]

    init(pod: PodInfo, nodes: [NodeInfo]) {
        constraints = pod.spreadConstraints(whenUnsatisfiable: "DoNotSchedule")
        if constraints.isEmpty { return }
        for node in nodes where hasAllKeys(node) {
            for constraint in constraints where constraint.includes(node, for: pod) {
                let pair = TopologyPair(key: constraint.topologyKey, value: node.labels[constraint.topologyKey] ?? "")
                matchCounts[pair, default: 0] += constraint.countMatching(node.pods, namespace: pod.namespace)
            }
        }
        for pair in matchCounts.keys { domainCounts[pair.key, default: 0] += 1 }
        refreshMinimums()
    }

    func hasAllKeys(_ node: NodeInfo) -> Bool {
        constraints.allSatisfy { node.labels[$0.topologyKey] != nil }
    }

    /// Upstream `updateWithPod`: a pod added to or removed from `node` while preemption or nominated
    /// pods are simulated.
    mutating func update(with other: PodInfo, on node: NodeInfo, for pod: PodInfo, delta: Int) {
        guard !constraints.isEmpty, other.namespace == pod.namespace, hasAllKeys(node) else { return }
        for constraint in constraints
        where constraint.selector.matches(other.labels) && constraint.includes(node, for: pod) {
            let pair = TopologyPair(key: constraint.topologyKey, value: node.labels[constraint.topologyKey] ?? "")
            matchCounts[pair, default: 0] += delta
        }
        refreshMinimums()
    }

    private mutating func refreshMinimums() {
        minimums = [:]
        for (pair, count) in matchCounts { minimums[pair.key] = min(minimums[pair.key] ?? Int.max, count) }
    }

    /// Upstream Filter: `existing matches + self match - global minimum <= maxSkew` per constraint,
    /// where the minimum is 0 while fewer domains exist than minDomains asks for.
    func filter(_ pod: PodInfo, on node: NodeInfo) -> NodeStatus? {
        for constraint in constraints {
            guard let value = node.labels[constraint.topologyKey] else {
                return .unresolvable(Self.plugin, FilterReason.spreadMissingLabel)
            }
            var minimum = minimums[constraint.topologyKey] ?? Int(Int32.max)
            if domainCounts[constraint.topologyKey, default: 0] < constraint.minDomains { minimum = 0 }
            let selfMatch = constraint.selector.matches(pod.labels) ? 1 : 0
            let matching = matchCounts[TopologyPair(key: constraint.topologyKey, value: value)] ?? 0
            if matching + selfMatch - minimum > constraint.maxSkew {
                return .unschedulable(Self.plugin, FilterReason.spreadConstraints)
            }
        }
        return nil
    }
}

/// PodTopologySpread scoring for `whenUnsatisfiable: ScheduleAnyway` constraints (upstream PreScore,
/// Score and NormalizeScore): fewer matching pods in a node's domains scores higher.
struct SpreadScorer {
    static let hostnameKey = "kubernetes.io/hostname"

    let pod: PodInfo
    let constraints: [SpreadConstraint]
    var ignoredNodes: Set<String> = []
    var counts: [[String: Int]]
    var weights: [Double] = []

    init(pod: PodInfo, feasible: [NodeInfo], all: [NodeInfo]) {
        self.pod = pod
        constraints = pod.spreadConstraints(whenUnsatisfiable: "ScheduleAnyway")
        counts = Array(repeating: [:], count: constraints.count)
        if constraints.isEmpty { return }
        var domainSizes = Array(repeating: 0, count: constraints.count)
        for node in feasible {
            // Explicit constraints need every key on the node; nodes without are scored 0.
            guard constraints.allSatisfy({ node.labels[$0.topologyKey] != nil }) else {
                ignoredNodes.insert(node.name)
                continue
            }
            for (index, constraint) in constraints.enumerated() where constraint.topologyKey != Self.hostnameKey {
                let value = node.labels[constraint.topologyKey] ?? ""
                if counts[index][value] == nil {
                    counts[index][value] = 0
                    domainSizes[index] += 1
                }
            }
        }
        weights = constraints.enumerated().map { index, constraint in
            let size =
                constraint.topologyKey == Self.hostnameKey ? feasible.count - ignoredNodes.count : domainSizes[index]
            return naturalLog(Double(size + 2))
        }
        countExistingPods(all)
    }

    private mutating func countExistingPods(_ nodes: [NodeInfo]) {
        for node in nodes where constraints.allSatisfy({ node.labels[$0.topologyKey] != nil }) {
            for (index, constraint) in constraints.enumerated() where constraint.includes(node, for: pod) {
                let value = node.labels[constraint.topologyKey] ?? ""
                guard counts[index][value] != nil else { continue }
                counts[index][value, default: 0] += constraint.countMatching(node.pods, namespace: pod.namespace)
            }
        }
    }

    var isEmpty: Bool { constraints.isEmpty }

    /// Matching pods in the node's domains, each scaled by the constraint's topology weight; maxSkew-1
    /// is added so small skews matter less.
    func rawScore(_ node: NodeInfo) -> Int64 {
        if ignoredNodes.contains(node.name) { return 0 }
        var score = 0.0
        for (index, constraint) in constraints.enumerated() {
            guard let value = node.labels[constraint.topologyKey] else { continue }
            let count =
                constraint.topologyKey == Self.hostnameKey
                ? constraint.countMatching(node.pods, namespace: pod.namespace) : counts[index][value] ?? 0
            score += Double(count) * weights[index] + Double(constraint.maxSkew - 1)
        }
        return Int64(score.rounded())
    }

    /// Upstream NormalizeScore: the emptiest node gets 100, ignored nodes 0.
    func normalize(_ scores: [Int64], nodes: [NodeInfo]) -> [Int64] {
        var minimum = Int64.max
        var maximum: Int64 = 0
        for (score, node) in zip(scores, nodes) where !ignoredNodes.contains(node.name) {
            minimum = min(minimum, score)
            maximum = max(maximum, score)
        }
        return zip(scores, nodes).map { score, node in
            if ignoredNodes.contains(node.name) { return 0 }
            if maximum == 0 { return ScoreWeights.maxNodeScore }
            return ScoreWeights.maxNodeScore * (maximum + minimum - score) / maximum
        }
    }
}
