import KubeTypes

/// Counts per topology domain, dropping entries that fall back to zero (upstream
/// `topologyToMatchedTermCount`).
struct TopologyCounts: Sendable {
    var counts: [TopologyPair: Int] = [:]

    var isEmpty: Bool { counts.isEmpty }

    subscript(pair: TopologyPair) -> Int { counts[pair] ?? 0 }

    /// Adds `delta` to the node's domain for `key`; a node without the label is in no domain.
    mutating func add(_ delta: Int, node: NodeInfo, key: String) {
        guard let value = node.labels[key] else { return }
        let pair = TopologyPair(key: key, value: value)
        let count = (counts[pair] ?? 0) + delta
        counts[pair] = count == 0 ? nil : count
    }
}

/// InterPodAffinity PreFilter state (upstream `preFilterState`): for the pod being placed, the
/// domains holding pods that match its affinity terms, pods that match its anti-affinity terms, and
/// pods whose own anti-affinity terms match it.
struct AffinityFilterState: Sendable {
    static let plugin = "InterPodAffinity"

    var existingAntiAffinity = TopologyCounts()
    var affinity = TopologyCounts()
    var antiAffinity = TopologyCounts()
    /// Upstream returns Skip when nothing can constrain the pod; then Filter and the Add/Remove
    /// updates are skipped too.
    var skipped = false

    init(pod: PodInfo, nodes: [NodeInfo], namespaceLabels: [String: [String: String]]) {
        // Without terms of its own, only pods with required anti-affinity can say anything about it.
        let ownTerms = !pod.requiredAffinityTerms.isEmpty || !pod.requiredAntiAffinityTerms.isEmpty
        for node in nodes where ownTerms || node.podsWithRequiredAntiAffinity > 0 {
            for existing in node.pods where ownTerms || !existing.requiredAntiAffinityTerms.isEmpty {
                update(with: existing, on: node, for: pod, namespaceLabels: namespaceLabels, delta: 1)
            }
        }
        skipped =
            existingAntiAffinity.isEmpty && pod.requiredAffinityTerms.isEmpty && pod.requiredAntiAffinityTerms.isEmpty
    }

    /// Upstream `updateWithPod`: accounts one pod on `node` for or against the incoming `pod`.
    mutating func update(
        with other: PodInfo, on node: NodeInfo, for pod: PodInfo, namespaceLabels: [String: [String: String]],
        delta: Int
    ) {
        if skipped { return }
        for term in other.requiredAntiAffinityTerms where term.matches(pod, namespaceLabels: namespaceLabels) {
            existingAntiAffinity.add(delta, node: node, key: term.topologyKey)
        }
        // Affinity counts a pod only when it matches every term, so one pod can satisfy them all.
        if !pod.requiredAffinityTerms.isEmpty
            && pod.requiredAffinityTerms.allSatisfy({ $0.matches(other, namespaceLabels: namespaceLabels) })
        {
            for term in pod.requiredAffinityTerms { affinity.add(delta, node: node, key: term.topologyKey) }
        }
        for term in pod.requiredAntiAffinityTerms where term.matches(other, namespaceLabels: namespaceLabels) {
            antiAffinity.add(delta, node: node, key: term.topologyKey)
        }
    }

    func filter(
        _ pod: PodInfo, on node: NodeInfo, namespaceLabels: [String: [String: String]]
    ) -> NodeStatus? {
        if skipped { return nil }
        if !satisfiesAffinity(pod, on: node, namespaceLabels: namespaceLabels) {
            return .unresolvable(Self.plugin, FilterReason.podAffinity)
        }
        if !satisfiesAntiAffinity(pod, on: node) {
            return .unschedulable(Self.plugin, FilterReason.podAntiAffinity)
        }
        if !satisfiesExistingAntiAffinity(on: node) {
            return .unschedulable(Self.plugin, FilterReason.existingAntiAffinity)
        }
        return nil
    }

    /// Every term needs a matching pod in the node's domain; the node must carry every topology
    /// key. The first pod of a group that selects itself may go anywhere while no pod matches yet.
    private func satisfiesAffinity(
        _ pod: PodInfo, on node: NodeInfo, namespaceLabels: [String: [String: String]]
    ) -> Bool {
        var podsExist = true
        for term in pod.requiredAffinityTerms {
            guard let value = node.labels[term.topologyKey] else { return false }
            if affinity[TopologyPair(key: term.topologyKey, value: value)] <= 0 { podsExist = false }
        }
        if podsExist { return true }
        return affinity.isEmpty
            && pod.requiredAffinityTerms.allSatisfy { $0.matches(pod, namespaceLabels: namespaceLabels) }
    }

    private func satisfiesAntiAffinity(_ pod: PodInfo, on node: NodeInfo) -> Bool {
        if antiAffinity.isEmpty { return true }
        for term in pod.requiredAntiAffinityTerms {
            guard let value = node.labels[term.topologyKey] else { continue }
            if antiAffinity[TopologyPair(key: term.topologyKey, value: value)] > 0 { return false }
        }
        return true
    }

    private func satisfiesExistingAntiAffinity(on node: NodeInfo) -> Bool {
        if existingAntiAffinity.isEmpty { return true }
        return !node.labels.contains { existingAntiAffinity[TopologyPair(key: $0.key, value: $0.value)] > 0 }
    }
}

/// InterPodAffinity scoring (upstream PreScore/Score/NormalizeScore): preferred terms of the pod
/// and of the pods already placed, plus existing pods' required affinity at weight 1
/// (`hardPodAffinityWeight`), summed per topology domain.
struct AffinityScorer {
    static let hardPodAffinityWeight: Int64 = 1

    var topologyScore: [String: [String: Int64]] = [:]

    init(pod: PodInfo, nodes: [NodeInfo], namespaceLabels: [String: [String: String]]) {
        let podHasPreferences = !pod.preferredAffinityTerms.isEmpty || !pod.preferredAntiAffinityTerms.isEmpty
        for node in nodes where !node.labels.isEmpty {
            for existing in node.pods where podHasPreferences || existing.hasAffinityTerms {
                process(existing, on: node, incoming: pod, namespaceLabels: namespaceLabels)
            }
        }
    }

    private mutating func process(
        _ existing: PodInfo, on node: NodeInfo, incoming: PodInfo, namespaceLabels: [String: [String: String]]
    ) {
        add(incoming.preferredAffinityTerms, matching: existing, node: node, sign: 1, namespaceLabels: namespaceLabels)
        add(
            incoming.preferredAntiAffinityTerms, matching: existing, node: node, sign: -1,
            namespaceLabels: namespaceLabels)
        for term in existing.requiredAffinityTerms where term.matches(incoming, namespaceLabels: namespaceLabels) {
            credit(node: node, key: term.topologyKey, by: Self.hardPodAffinityWeight)
        }
        add(existing.preferredAffinityTerms, matching: incoming, node: node, sign: 1, namespaceLabels: namespaceLabels)
        add(
            existing.preferredAntiAffinityTerms, matching: incoming, node: node, sign: -1,
            namespaceLabels: namespaceLabels)
    }

    private mutating func add(
        _ terms: [AffinityTerm], matching pod: PodInfo, node: NodeInfo, sign: Int64,
        namespaceLabels: [String: [String: String]]
    ) {
        for term in terms where term.matches(pod, namespaceLabels: namespaceLabels) {
            credit(node: node, key: term.topologyKey, by: term.weight * sign)
        }
    }

    private mutating func credit(node: NodeInfo, key: String, by amount: Int64) {
        guard let value = node.labels[key] else { return }
        topologyScore[key, default: [:]][value, default: 0] += amount
    }

    var isEmpty: Bool { topologyScore.isEmpty }

    func rawScore(_ node: NodeInfo) -> Int64 {
        var score: Int64 = 0
        for (key, values) in topologyScore {
            if let value = node.labels[key] { score += values[value] ?? 0 }
        }
        return score
    }

    /// Min-max scaling to 0...100; all equal gives 0 everywhere.
    func normalize(_ scores: [Int64]) -> [Int64] {
        if isEmpty { return scores }
        let minimum = scores.min() ?? 0
        let spread = (scores.max() ?? 0) - minimum
        return scores.map { score in
            spread > 0 ? Int64(Double(ScoreWeights.maxNodeScore) * (Double(score - minimum) / Double(spread))) : 0
        }
    }
}
