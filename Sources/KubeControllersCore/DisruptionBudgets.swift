import KubeTypes

/// PodDisruptionBudget status, as upstream's disruption controller computes it: which pods a budget
/// covers, how many of them are healthy, how many must stay healthy, and so how many voluntary
/// disruptions (evictions) are allowed now. The eviction subresource reads `disruptionsAllowed`
/// and records each eviction in `disruptedPods`, which keeps an evicted pod out of the healthy
/// count until it is gone (or `deletionTimeout` passed).
public enum DisruptionBudgets {
    /// Upstream `DeletionTimeout`: an evicted pod still present after this long counts again.
    public static let deletionTimeout: Int64 = 120

    /// A pod's managing controller as the shell finds it: identity and desired replicas (from
    /// the Deployment for a Deployment's ReplicaSet, as upstream's finders do).
    public struct ControllerScale: Sendable, Hashable {
        public var uid: String
        public var replicas: Int

        public init(uid: String, replicas: Int) {
            self.uid = uid
            self.replicas = replicas
        }
    }

    /// The pods of the budget's namespace its selector matches (an empty selector matches all of
    /// them; a missing or invalid one matches none).
    public static func coveredPods(_ budget: JSON, pods: [JSON]) -> [JSON] {
        guard let selector = PolicyV1.budgetSelector(budget) else { return [] }
        return pods.filter { $0.namespace == budget.namespace && selector.matches($0.labels) }
    }

    /// The budget's new status, or nil when it is already right. `scale` finds a pod's controller
    /// (nil for a pod without one, which only `minAvailable` as a count can count).
    public static func status(
        budget: JSON, pods allPods: [JSON], now: Int64, scale: (JSON) -> ControllerScale?
    ) -> JSON? {
        let pods = coveredPods(budget, pods: allPods)
        let spec = budget["spec"] ?? .emptyObject
        let (expected, desired) = expectedAndDesired(spec: spec, pods: pods, scale: scale)
        let disrupted = disruptedPods(budget, pods: pods, now: now)
        let healthy = pods.filter { pod in
            !pod.isBeingDeleted && disrupted[pod.name] == nil && PodState.isReady(pod)
        }.count
        var allowed = healthy - desired
        if expected <= 0 || allowed <= 0 { allowed = 0 }
        let current = budget["status"] ?? .emptyObject
        var status = current
        status["observedGeneration"] = budget[path: ["metadata", "generation"]] ?? .int(1)
        status["disruptionsAllowed"] = .int(Int64(allowed))
        status["currentHealthy"] = .int(Int64(healthy))
        status["desiredHealthy"] = .int(Int64(desired))
        status["expectedPods"] = .int(Int64(expected))
        // (No `cond ? nil : value` here: JSON takes nil literals, so that would store a null.)
        if disrupted.isEmpty {
            status["disruptedPods"] = Optional<JSON>.none
        } else {
            status["disruptedPods"] = .object(disrupted.mapValues { .string(Timestamp.format($0)) })
        }
        status["conditions"] = .array([
            allowedCondition(current, allowed: allowed > 0, generation: status["observedGeneration"], now: now)
        ])
        if status == current { return Optional<JSON>.none }
        return status
    }

    /// Upstream `getExpectedPodCount`: with `maxUnavailable` or a percentage `minAvailable`, the
    /// expected count is the sum of the covering controllers' replicas; with a count
    /// `minAvailable`, the number of covered pods.
    static func expectedAndDesired(spec: JSON, pods: [JSON], scale: (JSON) -> ControllerScale?) -> (Int, Int) {
        func controllersScale() -> Int {
            var replicas: [String: Int] = [:]
            for pod in pods { if let controller = scale(pod) { replicas[controller.uid] = controller.replicas } }
            return replicas.values.reduce(0, +)
        }
        if let maxUnavailable = spec["maxUnavailable"], maxUnavailable != .null {
            let expected = controllersScale()
            let unavailable = IntOrPercent.scaledValue(maxUnavailable, total: expected, roundUp: true)
            return (expected, max(0, expected - unavailable))
        }
        switch spec["minAvailable"] {
        case .int(let count)?:
            return (pods.count, Int(count))
        case .string(let text)?:
            let expected = controllersScale()
            return (expected, IntOrPercent.scaledValue(.string(text), total: expected, roundUp: true))
        default:
            return (0, 0)
        }
    }

    /// Upstream `buildDisruptedPodMap`: evictions recorded by the API server, kept while their pod
    /// is still there, not yet being deleted, and within the deletion timeout.
    static func disruptedPods(_ budget: JSON, pods: [JSON], now: Int64) -> [String: Int64] {
        let present = Dictionary(pods.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var kept: [String: Int64] = [:]
        for (name, value) in budget[path: ["status", "disruptedPods"]]?.objectValue ?? [:] {
            guard let pod = present[name], !pod.isBeingDeleted, let text = value.stringValue,
                let at = Timestamp.parse(text), at + deletionTimeout > now
            else { continue }
            kept[name] = at
        }
        return kept
    }

    /// The `DisruptionAllowed` condition; its transition time moves only when its status does.
    static func allowedCondition(_ status: JSON, allowed: Bool, generation: JSON?, now: Int64) -> JSON {
        let value = allowed ? "True" : "False"
        let previous = status["conditions"]?.arrayValue?.first { $0["type"]?.stringValue == "DisruptionAllowed" }
        let since =
            previous?["status"]?.stringValue == value
            ? previous?["lastTransitionTime"] ?? .string(Timestamp.format(now)) : .string(Timestamp.format(now))
        return [
            "type": "DisruptionAllowed", "status": .string(value),
            "reason": .string(allowed ? "SufficientPods" : "InsufficientPods"), "message": "",
            "observedGeneration": generation ?? .int(1), "lastTransitionTime": since,
        ]
    }
}
