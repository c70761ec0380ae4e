import KubeTypes

/// The PodDisruptionBudget check of `pods/eviction`, as upstream's eviction REST does: a pod that
/// is not running (pending, finished, already being deleted) may always go; otherwise the one
/// budget covering it must allow a disruption, and the eviction takes it — `disruptionsAllowed`
/// goes down by one and the pod is recorded in `disruptedPods` — in a compare-and-swap on the
/// budget, so concurrent evictions (kubectl drain evicts in parallel) never take more than allowed.
/// The disruption controller recomputes the budget from the pods afterwards.
extension KubeAPIServer {
    static let evictionRefusal = "Cannot evict pod as it would violate the pod's disruption budget."
    /// Upstream `MaxDisruptedPodSize`.
    static let maxDisruptedPods = 2000

    func admitEviction(of pod: JSON, request: ResourceRequest) async throws {
        let phase = pod[path: ["status", "phase"]]?.stringValue ?? ""
        if ["Succeeded", "Failed", "Pending"].contains(phase) || pod[path: ["metadata", "deletionTimestamp"]] != nil {
            return
        }
        guard let budgets = request.snapshot.resource(group: "policy", version: "v1", plural: "poddisruptionbudgets")
        else { return }
        for _ in 0..<5 {
            let prefix = ObjectStorage.prefix(budgets, namespace: request.namespace)
            let (items, _) = try await storage.store.listAll(prefix: prefix)
            var covering: [(JSON, Int64)] = []
            for item in items {
                let budget = try ObjectStorage.decode(item)
                if Self.covers(budget, pod) { covering.append((budget, item.modRevision)) }
            }
            guard let (budget, revision) = covering.first else { return }
            if covering.count > 1 {
                throw APIError.internalError(
                    "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.")
            }
            guard let taken = try Self.takeDisruption(budget, pod: pod, now: environment.now()) else { return }
            if try await storage.update(budgets, taken, expected: revision) != nil { return }
        }
        throw APIError.conflict(
            budgets, name: pod.name, "too many concurrent evictions for this pod's disruption budget")
    }

    /// The disruption controller's rule (`PolicyV1.budgetSelector`); the budgets are already of the pod's namespace.
    static func covers(_ budget: JSON, _ pod: JSON) -> Bool {
        PolicyV1.budgetSelector(budget)?.matches(pod.labels) ?? false
    }

    /// The budget with one disruption taken for `pod`; nil when the pod may go without taking one
    /// (an unready pod while the budget is met, or always with `AlwaysAllow`). Throws the refusal.
    static func takeDisruption(_ budget: JSON, pod: JSON, now: Int64) throws -> JSON? {
        let status = budget["status"] ?? .emptyObject
        let current = status["currentHealthy"]?.intValue ?? 0
        let desired = status["desiredHealthy"]?.intValue ?? 0
        let ready = (pod[path: ["status", "conditions"]]?.arrayValue ?? []).contains {
            $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True"
        }
        if !ready {
            if budget[path: ["spec", "unhealthyPodEvictionPolicy"]]?.stringValue == "AlwaysAllow" { return nil }
            if current >= desired && desired > 0 { return nil }
        }
        let generation = budget[path: ["metadata", "generation"]]?.intValue ?? 1
        if (status["observedGeneration"]?.intValue ?? 0) < generation {
            throw refusal("The disruption budget \(budget.name) is still being processed by the server.")
        }
        let allowed = status["disruptionsAllowed"]?.intValue ?? 0
        if allowed < 0 { throw APIError.forbidden("pdb disruptions allowed is negative") }
        var disrupted = status["disruptedPods"]?.objectValue ?? [:]
        if disrupted.count > maxDisruptedPods {
            throw APIError.forbidden("DisruptedPods map too big - too many evictions not confirmed by PDB controller")
        }
        if allowed == 0 {
            throw refusal(
                "The disruption budget \(budget.name) needs \(desired) healthy pods and has \(current) currently")
        }
        disrupted[pod.name] = .string(Timestamp.format(now))
        var next = budget
        next[path: ["status", "disruptionsAllowed"]] = .int(allowed - 1)
        next[path: ["status", "disruptedPods"]] = .object(disrupted)
        return next
    }

    static func refusal(_ cause: String) -> APIError {
        APIError.tooManyRequests(
            evictionRefusal, causes: [["reason": "DisruptionBudget", "message": .string(cause)]])
    }
}
