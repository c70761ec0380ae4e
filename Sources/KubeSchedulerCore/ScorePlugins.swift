import KubeTypes

/// Score plugin weights of upstream's default profile (`PluginsV1`): each plugin's 0–100 score is
/// multiplied by its weight and the products are added up.
public struct ScoreWeights: Sendable, Hashable {
    public static let maxNodeScore: Int64 = 100

    public var taintToleration: Int64 = 3
    public var nodeAffinity: Int64 = 2
    public var podTopologySpread: Int64 = 2
    public var interPodAffinity: Int64 = 2
    public var nodeResourcesFit: Int64 = 1
    public var balancedAllocation: Int64 = 1

    public init() {}

    public static let upstreamDefaults = ScoreWeights()
}

/// The score plugins, each producing normalized 0–100 scores for the feasible nodes in order.
enum NodeScorers {
    /// NodeResourcesFit with the LeastAllocated strategy (cpu and memory, weight 1 each): the share
    /// left free after placing the pod, counting unset requests at upstream's scoring defaults.
    static func leastAllocated(_ pod: PodInfo, _ node: NodeInfo) -> Int64 {
        let requested = node.nonZeroRequested + pod.nonZeroRequests
        let pairs = [
            (requested.milliCPU, node.allocatable.milliCPU), (requested.memory, node.allocatable.memory),
        ]
        var total: Int64 = 0
        var weights: Int64 = 0
        for (used, capacity) in pairs where capacity > 0 {
            total += used > capacity ? 0 : (capacity - used) * ScoreWeights.maxNodeScore / capacity
            weights += 1
        }
        return weights == 0 ? 0 : total / weights
    }

    /// NodeResourcesBalancedAllocation: nodes whose cpu and memory would be used in similar shares
    /// score higher, `(1 - std) × 100` with std = |cpu share − memory share| / 2. Actual requests,
    /// no defaults. Skipped (0 everywhere) for a pod requesting neither, as upstream does so that
    /// best-effort pods do not all pile onto one node.
    static func balancedAllocation(_ pod: PodInfo, _ node: NodeInfo) -> Int64 {
        if pod.requests.milliCPU == 0 && pod.requests.memory == 0 { return 0 }
        let requested = node.requested + pod.requests
        var fractions: [Double] = []
        for (used, capacity) in [
            (requested.milliCPU, node.allocatable.milliCPU), (requested.memory, node.allocatable.memory),
        ] where capacity > 0 {
            fractions.append(min(Double(used) / Double(capacity), 1))
        }
        let deviation = fractions.count == 2 ? abs(fractions[0] - fractions[1]) / 2 : 0
        return Int64((1 - deviation) * Double(ScoreWeights.maxNodeScore))
    }

    /// NodeAffinity: the summed weights of the preferred terms the node matches.
    static func nodeAffinity(_ pod: PodInfo, _ node: NodeInfo) -> Int64 {
        pod.preferredNodeTerms.reduce(0) { sum, preferred in
            preferred.term.matches(name: node.name, labels: node.labels) ? sum + preferred.weight : sum
        }
    }

    /// TaintToleration: PreferNoSchedule taints not tolerated by a toleration for that effect (or
    /// for every effect); fewer is better, so it is normalized in reverse.
    static func intolerablePreferNoScheduleTaints(_ pod: PodInfo, _ node: NodeInfo) -> Int64 {
        let tolerations = pod.tolerations.filter { $0.effect.isEmpty || $0.effect == "PreferNoSchedule" }
        return Int64(node.taints.count { $0.effect == .preferNoSchedule && !tolerations.tolerate($0) })
    }

    /// Upstream `helper.DefaultNormalizeScore`: scale so the highest becomes 100 (or, reversed, the
    /// lowest); all zero stays zero, or becomes 100 everywhere when reversed.
    static func defaultNormalize(_ scores: [Int64], reverse: Bool) -> [Int64] {
        let maximum = scores.max() ?? 0
        if maximum == 0 { return reverse ? scores.map { _ in ScoreWeights.maxNodeScore } : scores }
        return scores.map { score in
            let scaled = ScoreWeights.maxNodeScore * score / maximum
            return reverse ? ScoreWeights.maxNodeScore - scaled : scaled
        }
    }

    /// The weighted total per feasible node, in the order given.
    static func totals(
        state: CycleState, feasible: [NodeInfo], all: [NodeInfo], weights: ScoreWeights
    ) -> [Int64] {
        let pod = state.pod
        var totals = feasible.map {
            leastAllocated(pod, $0) * weights.nodeResourcesFit + balancedAllocation(pod, $0)
                * weights.balancedAllocation
        }
        func accumulate(_ scores: [Int64], _ weight: Int64) {
            for index in totals.indices { totals[index] += scores[index] * weight }
        }
        if !pod.preferredNodeTerms.isEmpty {
            accumulate(defaultNormalize(feasible.map { nodeAffinity(pod, $0) }, reverse: false), weights.nodeAffinity)
        }
        let taints = feasible.map { intolerablePreferNoScheduleTaints(pod, $0) }
        accumulate(defaultNormalize(taints, reverse: true), weights.taintToleration)
        let spread = SpreadScorer(pod: pod, feasible: feasible, all: all)
        if !spread.isEmpty {
            accumulate(spread.normalize(feasible.map(spread.rawScore), nodes: feasible), weights.podTopologySpread)
        }
        if pod.hasAffinityTerms || all.contains(where: { $0.podsWithAffinityTerms > 0 }) {
            let affinity = AffinityScorer(pod: pod, nodes: all, namespaceLabels: state.namespaceLabels)
            accumulate(affinity.normalize(feasible.map(affinity.rawScore)), weights.interPodAffinity)
        }
        return totals
    }
}

/// The natural logarithm, so the core needs no platform math library: x = m·2^e with m in [1, 2),
/// ln x = e·ln 2 + 2·atanh((m−1)/(m+1)), the series converging fast because the argument is ≤ 1/3.
func naturalLog(_ x: Double) -> Double {
    precondition(x > 0, "naturalLog needs a positive argument")
    let ln2 = 0.693_147_180_559_945_309_417_232_121_458
    let exponent = Double(x.exponent)
    let mantissa = x.significand
    let t = (mantissa - 1) / (mantissa + 1)
    let tSquared = t * t
    var term = t
    var sum = 0.0
    var denominator = 1.0
    for _ in 0..<40 {
        sum += term / denominator
        term *= tSquared
        denominator += 2
    }
    return exponent * ln2 + 2 * sum
}
