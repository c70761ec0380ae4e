import KubeTypes

/// What the HPA shell gathered for one sync.
public struct HPAInput: Sendable {
    /// The target's `/scale`: `spec.replicas` and `status.selector`, or why it could not be read.
    public enum Scale: Sendable {
        case found(replicas: Int32, selector: String)
        case failed(String)
    }

    public var hpa: JSON
    public var scale: Scale
    /// The pods `status.selector` selects, in the HPA's namespace.
    public var pods: [JSON]
    /// Usage by pod name from metrics.k8s.io, or why it could not be read.
    public var metrics: Result<[String: PodResourceUsage], HPAMetricError>
    /// Epoch seconds.
    public var now: Int64

    public init(
        hpa: JSON, scale: Scale, pods: [JSON], metrics: Result<[String: PodResourceUsage], HPAMetricError>, now: Int64
    ) {
        self.hpa = hpa
        self.scale = scale
        self.pods = pods
        self.metrics = metrics
        self.now = now
    }
}

/// What the shell should do: write `/scale` to `newReplicas` when set, then `status`, and
/// record `events`. `history` replaces the autoscaler's remembered history.
public struct HPADecision: Sendable {
    public var newReplicas: Int32?
    public var status: JSON
    public var events: [ControllerEvent]
    public var history: HPAHistory
}

/// Upstream's `reconcileAutoscaler` for resource metrics (cpu and memory, Utilization and
/// AverageValue targets). Pods, Object, External and ContainerResource metrics are not
/// computed: they make ScalingActive False (reason `FailedGet<Type>Metric`).
public enum HPAReconciler {
    public static func reconcile(_ input: HPAInput, history: HPAHistory) -> HPADecision {
        var history = history
        let spec = input.hpa["spec"] ?? .emptyObject
        let minReplicas = Int32(clamping: spec["minReplicas"]?.intValue ?? 1)
        let maxReplicas = Int32(clamping: spec["maxReplicas"]?.intValue ?? 1)
        var status = HPAStatus(input.hpa["status"] ?? .emptyObject, now: input.now)
        var events: [ControllerEvent] = []
        status.json["observedGeneration"] = input.hpa["metadata"]?["generation"] ?? .null
        guard case .found(let current, _) = input.scale else {
            if case .failed(let error) = input.scale {
                let message = "the HPA controller was unable to get the target's current scale: \(error)"
                status.set("AbleToScale", false, "FailedGetScale", message)
                events.append(ControllerEvent(.warning, reason: "FailedGetScale", message: error))
            }
            return HPADecision(newReplicas: nil, status: status.json, events: events, history: history)
        }
        status.set(
            "AbleToScale", true, "SucceededGetScale", "the HPA controller was able to get the target's current scale")
        var desired: Int32 = 0
        var reason = ""
        if current == 0 && minReplicas != 0 {
            status.set(
                "ScalingActive", false, "ScalingDisabled",
                "scaling is disabled since the replica count of the target is zero")
            status.json["currentReplicas"] = .int(Int64(current))
            status.json["desiredReplicas"] = 0
            return HPADecision(newReplicas: nil, status: status.json, events: events, history: history)
        } else if current > maxReplicas {
            reason = "Current number of replicas above Spec.MaxReplicas"
            desired = maxReplicas
        } else if current < minReplicas {
            reason = "Current number of replicas below Spec.MinReplicas"
            desired = minReplicas
        } else {
            let computed = computeReplicas(input, current: current, status: &status, events: &events)
            guard let computed else {
                status.json["currentReplicas"] = .int(Int64(current))
                return HPADecision(newReplicas: nil, status: status.json, events: events, history: history)
            }
            desired = computed.replicas
            if desired > current { reason = "\(computed.metricName) above target" }
            if desired < current { reason = "All metrics below target" }
            let behavior = spec["behavior"]
            let normalizer = BehaviorNormalizer(
                scaleUp: ScalingRules(behavior?["scaleUp"], defaults: .defaultScaleUp),
                scaleDown: ScalingRules(behavior?["scaleDown"], defaults: .defaultScaleDown),
                minReplicas: minReplicas, maxReplicas: maxReplicas)
            let outcome = normalizer.normalize(current: current, desired: desired, history: &history, now: input.now)
            status.set("AbleToScale", true, outcome.ableToScale.reason, outcome.ableToScale.message)
            status.set("ScalingLimited", outcome.limited.status, outcome.limited.reason, outcome.limited.message)
            desired = outcome.replicas
            if desired != current { normalizer.record(from: current, to: desired, history: &history, now: input.now) }
        }
        status.json["currentReplicas"] = .int(Int64(current))
        status.json["desiredReplicas"] = .int(Int64(desired))
        guard desired != current else {
            return HPADecision(newReplicas: nil, status: status.json, events: events, history: history)
        }
        status.set(
            "AbleToScale", true, "SucceededRescale",
            "the HPA controller was able to update the target scale to \(desired)")
        status.json["lastScaleTime"] = .string(Timestamp.format(input.now))
        events.append(
            ControllerEvent(.normal, reason: "SuccessfulRescale", message: "New size: \(desired); reason: \(reason)"))
        return HPADecision(newReplicas: desired, status: status.json, events: events, history: history)
    }

    /// The status and event for a `/scale` write that failed (upstream: AbleToScale False).
    public static func rescaleFailed(_ decision: HPADecision, error: String, now: Int64) -> (JSON, ControllerEvent) {
        var status = HPAStatus(decision.status, now: now)
        status.set(
            "AbleToScale", false, "FailedUpdateScale",
            "the HPA controller was unable to update the target scale: \(error)")
        status.json["desiredReplicas"] = status.json["currentReplicas"] ?? 0
        status.json["lastScaleTime"] = .null
        return (
            status.json,
            ControllerEvent(
                .warning, reason: "FailedRescale", message: "New size: \(decision.newReplicas ?? 0); reason: \(error)")
        )
    }

    /// Upstream's `computeReplicasForMetrics`: the largest proposal of the valid metrics; nil
    /// (ScalingActive False) when no metric is valid.
    static func computeReplicas(
        _ input: HPAInput, current: Int32, status: inout HPAStatus, events: inout [ControllerEvent]
    ) -> (replicas: Int32, metricName: String)? {
        let metrics = input.hpa[path: ["spec", "metrics"]]?.arrayValue ?? []
        var best: (replicas: Int32, metricName: String)?
        var currentMetrics: [JSON] = []
        var firstInvalid: (reason: String, error: String)?
        var invalid = 0
        for metric in metrics {
            switch evaluate(metric, input: input, current: current) {
            case .success(let (proposal, name, currentMetric)):
                currentMetrics.append(currentMetric)
                if best == nil || proposal.replicas > best!.replicas { best = (proposal.replicas, name) }
            case .failure(let failure):
                invalid += 1
                events.append(ControllerEvent(.warning, reason: failure.reason, message: failure.error))
                if firstInvalid == nil { firstInvalid = (failure.reason, failure.error) }
            }
        }
        status.json["currentMetrics"] = .array(currentMetrics)
        if invalid >= metrics.count || best == nil {
            let reason = firstInvalid?.reason ?? "InvalidMetricSourceType"
            let error = firstInvalid?.error ?? "no metrics specified"
            status.set("ScalingActive", false, reason, "the HPA was unable to compute the replica count: \(error)")
            let summary = "invalid metrics (\(invalid) invalid out of \(metrics.count)), first error is: \(error)"
            events.append(ControllerEvent(.warning, reason: "FailedComputeMetricsReplicas", message: summary))
            return nil
        }
        status.set(
            "ScalingActive", true, "ValidMetricFound",
            "the HPA was able to successfully calculate a replica count from \(best!.metricName)")
        return best
    }

    struct MetricFailure: Error {
        var reason: String
        var error: String
    }

    /// One metric's proposal, its name for messages and its `currentMetrics` entry.
    static func evaluate(
        _ metric: JSON, input: HPAInput, current: Int32
    ) -> Result<(ResourceProposal, String, JSON), MetricFailure> {
        let type = metric["type"]?.stringValue ?? ""
        guard type == "Resource" else {
            return .failure(
                MetricFailure(
                    reason: "FailedGet\(type)Metric",
                    error: "\(type) metrics are not supported by this cluster: only Resource metrics (cpu, memory) are")
            )
        }
        let resource = metric[path: ["resource", "name"]]?.stringValue ?? ""
        let target = metric[path: ["resource", "target"]] ?? .emptyObject
        guard resource == "cpu" || resource == "memory" else {
            return .failure(
                MetricFailure(
                    reason: "FailedGetResourceMetric",
                    error: "failed to get \(resource) utilization: the resource metrics API reports only cpu and memory"
                ))
        }
        let metrics: [String: PodResourceUsage]
        switch input.metrics {
        case .success(let values): metrics = values
        case .failure(let error):
            return .failure(
                MetricFailure(
                    reason: "FailedGetResourceMetric",
                    error:
                        "failed to get \(resource) utilization: unable to get metrics for resource \(resource): \(error)"
                ))
        }
        let calculator = ReplicaCalculator(now: input.now)
        do throws(HPAMetricError) {
            if let percent = target["averageUtilization"]?.intValue, target["type"]?.stringValue == "Utilization" {
                let proposal = try calculator.utilizationReplicas(
                    current: current, target: Int32(clamping: percent), resource: resource, pods: input.pods,
                    metrics: metrics)
                let value = Self.quantity(proposal.averageValue, resource: resource)
                let entry: JSON = [
                    "type": "Resource",
                    "resource": [
                        "name": .string(resource),
                        "current": [
                            "averageUtilization": .int(Int64(proposal.utilization ?? 0)), "averageValue": value,
                        ],
                    ],
                ]
                return .success((proposal, "\(resource) resource utilization (percentage of request)", entry))
            }
            let text = target["averageValue"]?.stringValue ?? ""
            guard let targetQuantity = try? Quantity(parsing: text) else {
                throw HPAMetricError(
                    "invalid resource metric source: the target needs averageUtilization or averageValue")
            }
            let targetValue = resource == "cpu" ? targetQuantity.milliValue : targetQuantity.value
            let proposal = try calculator.averageValueReplicas(
                current: current, target: targetValue, resource: resource, pods: input.pods, metrics: metrics)
            let entry: JSON = [
                "type": "Resource",
                "resource": [
                    "name": .string(resource),
                    "current": ["averageValue": Self.quantity(proposal.averageValue, resource: resource)],
                ],
            ]
            return .success((proposal, "\(resource) resource", entry))
        } catch {
            let failure = target["type"]?.stringValue == "Utilization" ? "utilization" : "usage"
            return .failure(
                MetricFailure(
                    reason: "FailedGetResourceMetric", error: "failed to get \(resource) \(failure): \(error)"))
        }
    }

    /// Milli cpu as `250m`, bytes as a plain integer (upstream prints memory with its own
    /// suffixes; the value is the same).
    static func quantity(_ value: Int64, resource: String) -> JSON {
        .string(resource == "cpu" ? Quantity(milli: value).description : String(value))
    }
}

/// An HPA's status being rebuilt, with upstream's condition handling: a condition keeps its
/// `lastTransitionTime` while its status stays the same; reason and message follow.
struct HPAStatus {
    var json: JSON
    let now: Int64

    init(_ json: JSON, now: Int64) {
        self.json = json
        self.now = now
    }

    mutating func set(_ type: String, _ value: Bool, _ reason: String, _ message: String) {
        var conditions = json["conditions"]?.arrayValue ?? []
        let status = value ? "True" : "False"
        var condition: JSON = [
            "type": .string(type), "status": .string(status), "reason": .string(reason), "message": .string(message),
            "lastTransitionTime": .string(Timestamp.format(now)),
        ]
        if let index = conditions.firstIndex(where: { $0["type"]?.stringValue == type }) {
            if conditions[index]["status"]?.stringValue == status {
                condition["lastTransitionTime"] =
                    conditions[index]["lastTransitionTime"] ?? condition["lastTransitionTime"]
            }
            conditions[index] = condition
        } else {
            conditions.append(condition)
        }
        json["conditions"] = .array(conditions)
    }
}
