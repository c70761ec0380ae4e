import KubeTypes

/// A preemption decision (upstream DefaultPreemption's PostFilter result): the node the pod is
/// nominated to, the pods to evict there, and lower-priority pods whose nomination to that node
/// must be cleared because they may no longer fit.
public struct Nomination: Sendable, Hashable {
    public var nodeName: String
    /// Most important first, the order upstream keeps them in.
    public var victims: [PodReference]
    public var nominationsToClear: [PodReference]
}

/// What preemption reads of a PodDisruptionBudget: which pods it covers and how many more of them
/// may go (`status.disruptionsAllowed`; pods already in `status.disruptedPods` are not counted twice).
public struct DisruptionBudgetInfo: Sendable, Hashable {
    var namespace: String
    var selector: LabelSelector
    var disruptionsAllowed: Int64
    var disruptedPods: Set<String>

    /// Nil for a budget preemption ignores: one whose selector is missing, empty or unreadable
    /// (upstream's preemption skips those).
    init?(_ budget: JSON) {
        guard let object = budget[path: ["spec", "selector"]], object != .null, object != .emptyObject,
            let selector = try? LabelSelector(object: object)
        else { return nil }
        namespace = budget.namespace
        self.selector = selector
        disruptionsAllowed = budget[path: ["status", "disruptionsAllowed"]]?.intValue ?? 0
        disruptedPods = Set((budget[path: ["status", "disruptedPods"]]?.objectValue ?? [:]).keys)
    }

    func covers(_ pod: PodInfo) -> Bool { pod.namespace == namespace && selector.matches(pod.labels) }
}

/// DefaultPreemption, with upstream's PodDisruptionBudget handling: victims whose eviction would
/// exceed a budget are reprieved first, and nodes needing the fewest such violations win. Out of
/// scope: scheduler extenders.
enum Preemption {
    static let plugin = "DefaultPreemption"

    enum Outcome {
        case nominated(Nomination)
        /// The PostFilter message, already prefixed with `preemption: ` as upstream does.
        case failed(String)
    }

    struct Candidate {
        var nodeName: String
        var victims: [PodInfo]
        /// Victims whose eviction exceeds a PodDisruptionBudget.
        var violations: Int = 0
    }

    static func preempt<G: RandomNumberGenerator>(
        state: CycleState, nodes: [NodeInfo], diagnosis: Diagnosis, budgets: [DisruptionBudgetInfo] = [],
        using generator: inout G
    ) -> Outcome {
        let pod = state.pod
        if let reason = ineligibility(of: pod, nodes: nodes, diagnosis: diagnosis) {
            return .failed("preemption: " + reason)
        }
        // Only nodes that failed with a resolvable status can be helped by evicting pods.
        let potential = nodes.indices.filter { diagnosis.status(of: nodes[$0].name)?.code == .unschedulable }
        var statuses = Diagnosis()
        statuses.absentNodesStatus = .unresolvable(plugin, FilterReason.preemptionNotHelpful)
        var candidates: [Candidate] = []
        if !potential.isEmpty {
            // Upstream dry-runs from a random offset and stops once it has enough candidates:
            // 10% of the nodes, at least 100 (so every node in clusters of up to 100).
            let wanted = min(max(potential.count * 10 / 100, 100), potential.count)
            let offset = Int.random(in: 0..<potential.count, using: &generator)
            for step in 0..<potential.count where candidates.count < wanted {
                let node = nodes[potential[(offset + step) % potential.count]]
                switch selectVictims(state: state, node: node, budgets: budgets) {
                case .success(let victims, let violations):
                    candidates.append(Candidate(nodeName: node.name, victims: victims, violations: violations))
                case .failure(let status): statuses.nodeStatuses[node.name] = status
                }
            }
        }
        guard let best = pickOneNode(candidates) else {
            return .failed("preemption: " + statuses.fitErrorMessage(numAllNodes: nodes.count))
        }
        let target = nodes.first { $0.name == best.nodeName }
        let clear = (target?.nominatedPods ?? []).filter { $0.priority < pod.priority && $0.id != pod.id }
        return .nominated(
            Nomination(
                nodeName: best.nodeName, victims: best.victims.map(PodReference.init),
                nominationsToClear: clear.map(PodReference.init)))
    }

    /// Upstream `PodEligibleToPreemptOthers`: never for `preemptionPolicy: Never`, and not again
    /// while a pod this one already preempted on its nominated node is still terminating (unless
    /// that node can no longer take the pod at all).
    static func ineligibility(of pod: PodInfo, nodes: [NodeInfo], diagnosis: Diagnosis) -> String? {
        if pod.preemptionNever { return FilterReason.preemptionPolicyNever }
        guard !pod.nominatedNodeName.isEmpty,
            diagnosis.status(of: pod.nominatedNodeName)?.code != .unresolvable,
            let node = nodes.first(where: { $0.name == pod.nominatedNodeName })
        else { return nil }
        let waiting = node.pods.contains { $0.priority < pod.priority && $0.terminatingByPreemption }
        return waiting ? FilterReason.terminatingOnNominatedNode : nil
    }

    enum VictimSelection {
        case success([PodInfo], violations: Int)
        case failure(NodeStatus)
    }

    /// Upstream `SelectVictimsOnNode`: take every lower-priority pod off, check the pod fits, then
    /// put them back — those whose eviction would violate a budget first, then the others, each
    /// group most important first — keeping out only those whose return breaks the fit.
    static func selectVictims(
        state: CycleState, node: NodeInfo, budgets: [DisruptionBudgetInfo] = []
    ) -> VictimSelection {
        let pod = state.pod
        var node = node
        var state = state
        let potential = node.pods.filter { $0.priority < pod.priority }.sorted(by: PodInfo.moreImportant)
        if potential.isEmpty {
            return .failure(.unresolvable(plugin, FilterReason.noPreemptionVictims))
        }
        for victim in potential {
            node.remove(id: victim.id)
            state.removed(victim, from: node)
        }
        if let status = state.runFiltersWithNominatedPods(on: node) { return .failure(status) }
        var victims: [PodInfo] = []
        var violations = 0
        let (violating, nonViolating) = splitByBudgetViolation(potential, budgets: budgets)
        for (group, violates) in [(violating, true), (nonViolating, false)] {
            for candidate in group {
                node.add(candidate)
                state.added(candidate, on: node)
                if state.runFiltersWithNominatedPods(on: node) != nil {
                    node.remove(id: candidate.id)
                    state.removed(candidate, from: node)
                    victims.append(candidate)
                    if violates { violations += 1 }
                }
            }
        }
        // Fitting with every pod back means eviction was not what stood in the way; upstream treats
        // such a node as an error, not a candidate.
        if victims.isEmpty { return .failure(.unresolvable(plugin, FilterReason.preemptionNotHelpful)) }
        return .success(victims.sorted(by: PodInfo.moreImportant), violations: violations)
    }

    /// Upstream `filterPodsWithPDBViolation`: going through the pods most important first, each
    /// takes one allowed disruption from every budget covering it (unless the budget already
    /// counts it as disrupted); a pod that takes a budget below zero would violate it. Order is kept.
    static func splitByBudgetViolation(
        _ pods: [PodInfo], budgets: [DisruptionBudgetInfo]
    ) -> (violating: [PodInfo], nonViolating: [PodInfo]) {
        var allowed = budgets.map(\.disruptionsAllowed)
        var violating: [PodInfo] = []
        var nonViolating: [PodInfo] = []
        for pod in pods {
            var violates = false
            for (index, budget) in budgets.enumerated() where budget.covers(pod) {
                if budget.disruptedPods.contains(pod.json.name) { continue }
                allowed[index] -= 1
                if allowed[index] < 0 { violates = true }
            }
            if violates { violating.append(pod) } else { nonViolating.append(pod) }
        }
        return (violating, nonViolating)
    }

    /// Upstream `pickOneNodeForPreemption`: the fewest budget violations, then the lowest
    /// highest-priority victim, then the lowest sum of priorities, then the fewest victims, then the
    /// latest start of the highest-priority victims, then the first candidate found.
    static func pickOneNode(_ candidates: [Candidate]) -> Candidate? {
        let criteria: [(Candidate) -> Int64] = [
            { -Int64($0.violations) },
            { -($0.victims.first?.priority ?? 0) },
            { -$0.victims.reduce(0) { $0 + $1.priority + Int64(Int32.max) + 1 } },
            { -Int64($0.victims.count) },
            { earliestStartOfMostImportant($0.victims) },
        ]
        var remaining = candidates
        for score in criteria where remaining.count > 1 {
            let best = remaining.map(score).max() ?? 0
            remaining = remaining.filter { score($0) == best }
        }
        return remaining.first
    }

    /// Upstream `GetEarliestPodStartTime` over the highest-priority victims; a pod that has not
    /// started counts as starting now, later than any recorded start.
    static func earliestStartOfMostImportant(_ victims: [PodInfo]) -> Int64 {
        guard let top = victims.map(\.priority).max() else { return Int64.min }
        return victims.filter { $0.priority == top }.map { $0.startedAt ?? Int64.max }.min() ?? Int64.min
    }
}
