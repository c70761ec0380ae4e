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

/// DefaultPreemption. Out of scope: PodDisruptionBudgets (upstream first prefers nodes whose victims
/// violate the fewest PDBs and reprieves PDB-protected victims first; here every victim counts as
/// non-violating, which is what upstream does when no PDB selects them) and scheduler extenders.
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
    }

    static func preempt<G: RandomNumberGenerator>(
        state: CycleState, nodes: [NodeInfo], diagnosis: Diagnosis, using generator: inout G
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
                switch selectVictims(state: state, node: node) {
                case .success(let victims): candidates.append(Candidate(nodeName: node.name, victims: victims))
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
        case success([PodInfo])
        case failure(NodeStatus)
    }

    /// Upstream `SelectVictimsOnNode`: take every lower-priority pod off, check the pod fits, then
    /// put them back most important first, keeping out only those whose return breaks the fit.
    static func selectVictims(state: CycleState, node: NodeInfo) -> VictimSelection {
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
        for candidate in potential {
            node.add(candidate)
            state.added(candidate, on: node)
            if state.runFiltersWithNominatedPods(on: node) != nil {
                node.remove(id: candidate.id)
                state.removed(candidate, from: node)
                victims.append(candidate)
            }
        }
        // Fitting with every pod back means eviction was not what stood in the way; upstream treats
        // such a node as an error, not a candidate.
        if victims.isEmpty { return .failure(.unresolvable(plugin, FilterReason.preemptionNotHelpful)) }
        return .success(victims)
    }

    /// Upstream `pickOneNodeForPreemption` without the PDB criterion: the lowest highest-priority
    /// victim, then the lowest sum of priorities, then the fewest victims, then the latest start of
    /// the highest-priority victims, then the first candidate found.
    static func pickOneNode(_ candidates: [Candidate]) -> Candidate? {
        let criteria: [(Candidate) -> Int64] = [
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
