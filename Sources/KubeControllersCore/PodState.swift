import KubeTypes

/// What the controllers read off a pod: upstream `podutil` and the pod filters of
/// `controller_utils.go`. Times are epoch seconds, `nil` standing for Go's zero time.
enum PodState {
    static func phase(_ pod: JSON) -> String { pod[path: ["status", "phase"]]?.stringValue ?? "" }

    static func nodeName(_ pod: JSON) -> String { pod[path: ["spec", "nodeName"]]?.stringValue ?? "" }

    static func isTerminal(_ pod: JSON) -> Bool {
        let phase = phase(pod)
        return phase == "Succeeded" || phase == "Failed"
    }

    /// Upstream `IsPodActive`: not finished and not being deleted. Only active pods count as
    /// replicas, so a terminating pod is replaced straight away.
    static func isActive(_ pod: JSON) -> Bool { !isTerminal(pod) && !pod.isBeingDeleted }

    /// Upstream `FilterTerminatingPods`: being deleted but not yet finished.
    static func isTerminating(_ pod: JSON) -> Bool { pod.isBeingDeleted && !isTerminal(pod) }

    static func readyCondition(_ pod: JSON) -> JSON? {
        let conditions = pod[path: ["status", "conditions"]]?.arrayValue ?? []
        return conditions.first { $0["type"]?.stringValue == "Ready" }
    }

    /// Upstream `IsPodReady`: the Ready condition is True.
    static func isReady(_ pod: JSON) -> Bool { readyCondition(pod)?["status"]?.stringValue == "True" }

    /// When a ready pod last became ready; nil when not ready or the time is missing.
    static func readySince(_ pod: JSON) -> Int64? {
        guard isReady(pod) else { return nil }
        return readyCondition(pod)?["lastTransitionTime"]?.stringValue.flatMap(Timestamp.parse)
    }

    /// Upstream `IsPodAvailable`: ready, and ready for longer than minReadySeconds (strictly, as
    /// upstream compares with `Before`).
    static func isAvailable(_ pod: JSON, minReadySeconds: Int64, now: Int64) -> Bool {
        guard isReady(pod) else { return false }
        if minReadySeconds == 0 { return true }
        guard let since = readySince(pod) else { return false }
        return since + minReadySeconds < now
    }

    /// Seconds from `now` until a ready pod turns available, nil if it is not ready or already
    /// available; lets the shell requeue exactly when the count changes.
    static func secondsUntilAvailable(_ pod: JSON, minReadySeconds: Int64, now: Int64) -> Int64? {
        guard minReadySeconds > 0, let since = readySince(pod) else { return nil }
        let availableAt = since + minReadySeconds + 1
        return availableAt > now ? availableAt - now : nil
    }

    /// Upstream's `controller.kubernetes.io/pod-deletion-cost` annotation; 0 when absent or bad.
    static func deletionCost(_ pod: JSON) -> Int32 {
        pod.annotations["controller.kubernetes.io/pod-deletion-cost"].flatMap { Int32($0) } ?? 0
    }

    /// Highest restart count of the regular containers and, separately, of the restartable init
    /// containers (sidecars), as upstream's `maxContainerRestarts` compares them in that order.
    static func maxRestarts(_ pod: JSON) -> (regular: Int64, sidecar: Int64) {
        let regular =
            (pod[path: ["status", "containerStatuses"]]?.arrayValue ?? [])
            .compactMap { $0["restartCount"]?.intValue }.max() ?? 0
        let sidecars = Set(
            (pod[path: ["spec", "initContainers"]]?.arrayValue ?? [])
                .filter { $0["restartPolicy"]?.stringValue == "Always" }
                .compactMap { $0["name"]?.stringValue })
        let sidecar =
            (pod[path: ["status", "initContainerStatuses"]]?.arrayValue ?? [])
            .filter { sidecars.contains($0["name"]?.stringValue ?? "") }
            .compactMap { $0["restartCount"]?.intValue }.max() ?? 0
        return (regular, sidecar)
    }
}

/// The order in which a ReplicaSet gives up pods when scaling down (upstream
/// `ActivePodsWithRanks.Less` with PodDeletionCost and LogarithmicScaleDown, both on by default):
/// the pods that hurt least to lose come first.
struct PodDeletionOrder {
    /// For every pod to rank: how many active related pods share its node.
    let colocated: [String: Int]
    let now: Int64

    /// Builds the co-location ranks from the pods of all ReplicaSets that share the controller
    /// (upstream `getPodsRankedByRelatedPodsOnSameNode`).
    init(relatedPods: [JSON], now: Int64) {
        var counts: [String: Int] = [:]
        for pod in relatedPods where PodState.isActive(pod) { counts[PodState.nodeName(pod), default: 0] += 1 }
        self.colocated = counts
        self.now = now
    }

    /// The `count` pods to delete, best victims first. Deleting everything needs no ranking.
    func victims(among pods: [JSON], count: Int) -> [JSON] {
        guard count < pods.count else { return pods }
        let ranked = pods.enumerated().sorted { lhs, rhs in
            if let decided = precedes(lhs.element, rhs.element) { return decided }
            return lhs.offset < rhs.offset
        }
        return ranked.prefix(count).map(\.element)
    }

    /// True when `first` should be deleted before `second`, false for the reverse, nil for a tie.
    func precedes(_ first: JSON, _ second: JSON) -> Bool? {
        // 1. Unassigned before assigned.
        let (nodeA, nodeB) = (PodState.nodeName(first), PodState.nodeName(second))
        if nodeA != nodeB && (nodeA.isEmpty || nodeB.isEmpty) { return nodeA.isEmpty }
        // 2. Pending before Unknown before Running.
        let (phaseA, phaseB) = (Self.phaseOrdinal(first), Self.phaseOrdinal(second))
        if phaseA != phaseB { return phaseA < phaseB }
        // 3. Not ready before ready.
        let (readyA, readyB) = (PodState.isReady(first), PodState.isReady(second))
        if readyA != readyB { return !readyA }
        // 4. Lower deletion cost first.
        let (costA, costB) = (PodState.deletionCost(first), PodState.deletionCost(second))
        if costA != costB { return costA < costB }
        // 5. Doubled up (more colocated related pods) first.
        let (rankA, rankB) = (colocated[nodeA] ?? 0, colocated[nodeB] ?? 0)
        if rankA != rankB { return rankA > rankB }
        // 6. Ready for less time first.
        if readyA && readyB {
            let (sinceA, sinceB) = (PodState.readySince(first), PodState.readySince(second))
            if sinceA != sinceB { return newerFirst(sinceA, sinceB, first, second) }
        }
        // 7. More container restarts first (regular containers, then sidecars).
        let (restartsA, restartsB) = (PodState.maxRestarts(first), PodState.maxRestarts(second))
        if restartsA.regular != restartsB.regular { return restartsA.regular > restartsB.regular }
        if restartsA.sidecar != restartsB.sidecar { return restartsA.sidecar > restartsB.sidecar }
        // 8. Newer pods first.
        let (createdA, createdB) = (first.creationTime, second.creationTime)
        if createdA != createdB { return newerFirst(createdA, createdB, first, second) }
        return nil
    }

    /// Upstream's time comparison under LogarithmicScaleDown: missing times first, then times
    /// bucketed by the log2 of their age in nanoseconds (so pods of similar age tie), ties broken
    /// by uid to spread deletions pseudo-randomly.
    private func newerFirst(_ timeA: Int64?, _ timeB: Int64?, _ first: JSON, _ second: JSON) -> Bool {
        guard let timeA, let timeB else { return timeA == nil }
        let difference = Self.logarithmicRank(of: timeA, now: now) - Self.logarithmicRank(of: timeB, now: now)
        if difference == 0 { return first.uid < second.uid }
        return difference < 0
    }

    static func logarithmicRank(of time: Int64, now: Int64) -> Int64 {
        let age = now - time
        guard age > 0 else { return -1 }
        // Go's durations are nanoseconds; floor(log2(n)) of a positive integer is its top bit.
        let (nanoseconds, overflow) = age.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? 62 : Int64(63 - nanoseconds.leadingZeroBitCount)
    }

    static func phaseOrdinal(_ pod: JSON) -> Int {
        switch PodState.phase(pod) {
        case "Pending": 0
        case "Unknown": 1
        case "Running": 2
        default: 0
        }
    }
}
