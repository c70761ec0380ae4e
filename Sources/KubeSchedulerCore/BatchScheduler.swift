import KubeTypes

/// A pod named the way the shell needs to act on it: `namespace/name` and its uid.
public struct PodReference: Sendable, Hashable {
    public var key: String
    public var uid: String

    public init(key: String, uid: String) {
        self.key = key
        self.uid = uid
    }

    init(_ pod: PodInfo) {
        self.init(key: pod.key, uid: pod.uid)
    }
}

/// A pod placed on a node: the shell binds it and launches its task from that node's offer.
public struct Assignment: Sendable, Hashable {
    public var pod: PodReference
    public var nodeName: String
}

/// A pod no node could take this round.
public struct SchedulingFailure: Sendable {
    public var pod: PodReference
    /// Upstream's FitError text, for the PodScheduled condition and the FailedScheduling event.
    public var message: String
    public var diagnosis: Diagnosis
    /// Set when preemption found room: evict the victims and record the nominated node; the pod
    /// itself is placed in a later round, once the victims are gone and their resources re-offered.
    public var nomination: Nomination?
}

/// The decisions of one scheduling cycle over a batch of pending pods.
public struct SchedulingOutcome: Sendable {
    /// In the order the pods were placed.
    public var assignments: [Assignment] = []
    public var failures: [SchedulingFailure] = []
    /// Pods with `spec.schedulingGates`, which upstream does not try to schedule.
    public var gated: [PodReference] = []
    /// Pods left for the next offers: the offers in hand could not have held them (`offerShare`).
    public var deferred: [PodReference] = []
    /// The nodes after the cycle: placed pods added, offers reduced, nominations recorded.
    public var nodes: [SchedulingNode] = []

    /// Pod key (`namespace/name`) → node name, for every placed pod.
    public var placements: [String: String] {
        Dictionary(assignments.map { ($0.pod.key, $0.nodeName) }, uniquingKeysWith: { first, _ in first })
    }

    /// The node the pod with this `namespace/name` key was placed on.
    public func nodeName(of podKey: String) -> String? {
        assignments.first { $0.pod.key == podKey }?.nodeName
    }

    public func failure(of podKey: String) -> SchedulingFailure? {
        failures.first { $0.pod.key == podKey }
    }
}

/// The scheduling core: upstream kube-scheduler's default profile run over one round of offers.
/// Pods are taken in queue order and each placement is accounted before the next pod is tried,
/// so many pods pack into the same offers without overcommitting them.
public struct KubeScheduler: Sendable {
    public var weights: ScoreWeights
    /// Labels of each namespace, for pod affinity terms with a `namespaceSelector`.
    public var namespaceLabels: [String: [String: String]]
    /// Claims, volumes and classes, for the VolumeBinding plugin.
    public var volumes: VolumeCatalog
    /// PodDisruptionBudgets, which preemption tries not to violate.
    public var disruptionBudgets: [DisruptionBudgetInfo]
    /// When set, a cycle takes only the head of the queue that the offers could hold, each offer
    /// within this share of itself (see `batch`); nil tries every pending pod.
    public var offerShare: Double?

    public init(
        weights: ScoreWeights = .upstreamDefaults, namespaceLabels: [String: [String: String]] = [:],
        volumes: VolumeCatalog = VolumeCatalog(), disruptionBudgets: [JSON] = [], offerShare: Double? = nil
    ) {
        self.weights = weights
        self.namespaceLabels = namespaceLabels
        self.volumes = volumes
        self.disruptionBudgets = disruptionBudgets.compactMap(DisruptionBudgetInfo.init)
        self.offerShare = offerShare
    }

    /// Schedules `pending` pods onto `nodes`. `generator` breaks ties between equally scored nodes
    /// and picks where the preemption dry run starts, so a seeded generator makes a cycle
    /// reproducible.
    public func schedule<G: RandomNumberGenerator>(
        pending: [JSON], nodes: [SchedulingNode], using generator: inout G
    ) -> SchedulingOutcome {
        var cluster = nodes.map(NodeInfo.init)
        var queue = Self.queueOrder(pending.map(PodInfo.init))
        // Every waiting pod's nomination holds its room, whether or not this cycle tries the pod.
        Self.recordNominations(of: queue, in: &cluster)
        var outcome = SchedulingOutcome()
        if let offerShare {
            let offering = cluster.filter { $0.offer != nil }
            let (taken, deferred) = Self.batch(
                queue, offers: offering.compactMap(\.offer), podRoom: offering.reduce(0) { $0 + $1.podRoom },
                share: offerShare)
            queue = taken
            outcome.deferred = deferred.map(PodReference.init)
        }
        // Offers only shrink while the batch is placed, so the nodes that can take a pod at all are
        // known once: a node without an offer fails NodeResourcesFit whatever the pod.
        let offered = cluster.indices.filter { cluster[$0].offer != nil }
        var nextStart = 0
        for pod in queue {
            if pod.schedulingGated {
                outcome.gated.append(PodReference(pod))
                continue
            }
            switch scheduleOne(pod, cluster: cluster, offered: offered, nextStart: &nextStart, using: &generator) {
            case .placed(let index):
                Self.assume(pod, on: index, cluster: &cluster)
                outcome.assignments.append(Assignment(pod: PodReference(pod), nodeName: cluster[index].name))
            case .unschedulable(let failure):
                if let nomination = failure.nomination { Self.nominate(pod, nomination, cluster: &cluster) }
                outcome.failures.append(failure)
            }
        }
        outcome.nodes = cluster.map(\.snapshot)
        return outcome
    }

    /// Upstream PrioritySort: higher `spec.priority` first, then the older pod (creation time stands
    /// in for upstream's queue-entry time), then input order.
    static func queueOrder(_ pods: [PodInfo]) -> [PodInfo] {
        pods.enumerated().sorted { lhs, rhs in
            if lhs.element.priority != rhs.element.priority { return lhs.element.priority > rhs.element.priority }
            let left = lhs.element.createdAt ?? Int64.max
            let right = rhs.element.createdAt ?? Int64.max
            if left != right { return left < right }
            return lhs.offset < rhs.offset
        }.map(\.element)
    }

    enum Decision {
        case placed(Int)
        case unschedulable(SchedulingFailure)
    }

    /// One scheduling cycle for one pod (upstream `schedulePod` plus PostFilter on failure).
    func scheduleOne<G: RandomNumberGenerator>(
        _ pod: PodInfo, cluster: [NodeInfo], offered: [Int], nextStart: inout Int, using generator: inout G
    ) -> Decision {
        let state = CycleState(pod: pod, nodes: cluster, namespaceLabels: namespaceLabels, volumes: volumes)
        var diagnosis = Diagnosis()
        if cluster.isEmpty {
            return .unschedulable(
                SchedulingFailure(
                    pod: PodReference(pod), message: "no nodes available to schedule pods", diagnosis: diagnosis,
                    nomination: nil))
        }
        if let rejection = state.preFilterRejection {
            diagnosis.preFilterMessage = rejection.reasons.joined(separator: ", ")
            diagnosis.absentNodesStatus = rejection
        } else {
            if let index = nominatedNodeIndex(state: state, cluster: cluster) { return .placed(index) }
            let feasible = findFeasible(
                state: state, cluster: cluster, offered: offered, nextStart: &nextStart, diagnosis: &diagnosis)
            if feasible.count == 1 { return .placed(feasible[0]) }
            if !feasible.isEmpty {
                return .placed(selectHost(state: state, feasible: feasible, cluster: cluster, using: &generator))
            }
        }
        var nomination: Nomination?
        switch Preemption.preempt(
            state: state, nodes: cluster, diagnosis: diagnosis, budgets: disruptionBudgets, using: &generator)
        {
        case .nominated(let result): nomination = result
        case .failed(let message): diagnosis.postFilterMessage = message
        }
        return .unschedulable(
            SchedulingFailure(
                pod: PodReference(pod), message: diagnosis.fitErrorMessage(numAllNodes: cluster.count),
                diagnosis: diagnosis, nomination: nomination))
    }

    /// Upstream `evaluateNominatedNode`: a pod that preempted before goes straight back to its
    /// nominated node when it fits there now.
    private func nominatedNodeIndex(state: CycleState, cluster: [NodeInfo]) -> Int? {
        let name = state.pod.nominatedNodeName
        guard !name.isEmpty, state.allowedNodeNames?.contains(name) ?? true,
            let index = cluster.firstIndex(where: { $0.name == name }),
            state.runFiltersWithNominatedPods(on: cluster[index]) == nil
        else { return nil }
        return index
    }

    /// Runs the filters on the offered nodes the PreFilter left in play, recording each rejection,
    /// until `numFeasibleNodesToFind` fit: upstream's search, which starts where the last pod's
    /// search stopped so that the batch's pods spread over the whole cluster. Nodes without an
    /// offer cannot be feasible; they are filtered only for a pod that fits nowhere, whose
    /// diagnosis (and preemption) needs every node's status. At 5,000 nodes with 117 offering,
    /// filtering them all for each of 8,144 pods took 43 s of one cycle.
    private func findFeasible(
        state: CycleState, cluster: [NodeInfo], offered: [Int], nextStart: inout Int, diagnosis: inout Diagnosis
    ) -> [Int] {
        if state.allowedNodeNames != nil {
            diagnosis.absentNodesStatus = .unresolvable(
                "NodeAffinity", FilterReason.outsidePreFilterResult(["NodeAffinity"]))
        }
        func fits(_ index: Int) -> Bool {
            let node = cluster[index]
            guard state.allowedNodeNames?.contains(node.name) ?? true else { return false }
            guard let status = state.runFiltersWithNominatedPods(on: node) else { return true }
            diagnosis.nodeStatuses[node.name] = status
            return false
        }
        var feasible: [Int] = []
        let wanted = Self.numFeasibleNodesToFind(allNodes: cluster.count)
        let start = offered.isEmpty ? 0 : nextStart % offered.count
        var processed = 0
        for offset in 0..<offered.count where feasible.count < wanted {
            let index = offered[(start + offset) % offered.count]
            processed += 1
            if fits(index) { feasible.append(index) }
        }
        if !offered.isEmpty { nextStart = (start + processed) % offered.count }
        if feasible.isEmpty {
            for index in cluster.indices where cluster[index].offer == nil {
                _ = fits(index)
            }
        }
        return feasible
    }

    /// Upstream `numFeasibleNodesToFind` with the adaptive `percentageOfNodesToScore`: every node
    /// below 100; above, 50% less a point per 125 nodes (at least 5%), and never fewer than 100.
    /// Scoring every node of a large cluster for every pod buys little placement quality for a
    /// cost that grows with nodes × pods.
    static func numFeasibleNodesToFind(allNodes: Int) -> Int {
        let minimum = 100
        guard allNodes >= minimum else { return allNodes }
        let percentage = max(5, 50 - allNodes / 125)
        return max(minimum, allNodes * percentage / 100)
    }

    /// Upstream `selectHost`: the highest total score; among equals each is equally likely
    /// (reservoir sampling with the injected generator).
    private func selectHost<G: RandomNumberGenerator>(
        state: CycleState, feasible: [Int], cluster: [NodeInfo], using generator: inout G
    ) -> Int {
        let totals = NodeScorers.totals(
            state: state, feasible: feasible.map { cluster[$0] }, all: cluster, weights: weights)
        var best = feasible[0]
        var bestScore = totals[0]
        var ties = 1
        for (position, index) in feasible.enumerated().dropFirst() {
            if totals[position] > bestScore {
                best = index
                bestScore = totals[position]
                ties = 1
            } else if totals[position] == bestScore {
                ties += 1
                if Int.random(in: 0..<ties, using: &generator) == 0 { best = index }
            }
        }
        return best
    }

    /// Pending pods that carry `status.nominatedNodeName` hold room on that node even when the
    /// shell did not list them among the node's nominated pods (upstream's nominator learns them
    /// from the queue the same way).
    static func recordNominations(of queue: [PodInfo], in cluster: inout [NodeInfo]) {
        for pod in queue where !pod.nominatedNodeName.isEmpty && !pod.schedulingGated {
            guard let index = cluster.firstIndex(where: { $0.name == pod.nominatedNodeName }),
                !cluster[index].nominatedPods.contains(where: { $0.id == pod.id })
            else { continue }
            cluster[index].nominatedPods.append(pod)
        }
    }

    /// Upstream `assume`: the pod counts on its node from now on and leaves any nomination list.
    static func assume(_ pod: PodInfo, on index: Int, cluster: inout [NodeInfo]) {
        for position in cluster.indices {
            cluster[position].nominatedPods.removeAll { $0.id == pod.id }
        }
        var bound = pod.json
        bound[path: ["spec", "nodeName"]] = .string(cluster[index].name)
        cluster[index].add(PodInfo(bound))
    }

    /// Records a nomination so that later, lower-priority pods in the batch leave the room alone,
    /// and drops the nominations preemption cleared.
    static func nominate(_ pod: PodInfo, _ nomination: Nomination, cluster: inout [NodeInfo]) {
        let cleared = Set(nomination.nominationsToClear.map(\.key))
        for position in cluster.indices {
            cluster[position].nominatedPods.removeAll { $0.id == pod.id || cleared.contains($0.key) }
        }
        guard let index = cluster.firstIndex(where: { $0.name == nomination.nodeName }) else { return }
        var nominated = pod.json
        nominated[path: ["status", "nominatedNodeName"]] = .string(nomination.nodeName)
        cluster[index].nominatedPods.append(PodInfo(nominated))
    }
}
