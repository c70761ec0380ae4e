import KubeTypes

/// A pod's resource usage as the metrics API reports it, summed over its containers.
public struct PodResourceUsage: Sendable, Equatable {
    /// CPU in millicores.
    public var cpuMillis: Int64
    /// Memory (working set) in bytes.
    public var memoryBytes: Int64
    /// When the sample was taken (epoch seconds) and over how long a window its rate is; nil
    /// when the metrics API did not say.
    public var timestamp: Int64?
    public var windowSeconds: Int64

    public init(cpuMillis: Int64, memoryBytes: Int64, timestamp: Int64? = nil, windowSeconds: Int64 = 0) {
        self.cpuMillis = cpuMillis
        self.memoryBytes = memoryBytes
        self.timestamp = timestamp
        self.windowSeconds = windowSeconds
    }

    /// `cpu` in milli units, `memory` in bytes: the unit requests are compared in.
    func value(of resource: String) -> Int64 { resource == "cpu" ? cpuMillis : memoryBytes }
}

/// Why a replica count could not be computed from a metric; `message` is upstream's wording.
public struct HPAMetricError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What one resource metric proposes.
struct ResourceProposal: Equatable {
    var replicas: Int32
    /// Average utilization in percent of request (Utilization targets).
    var utilization: Int32?
    /// Average usage per pod, in milli units for cpu, bytes for memory.
    var averageValue: Int64
}

/// Upstream's `ReplicaCalculator` for resource metrics (`GetResourceReplicas`,
/// `GetRawResourceReplicas`): pods are grouped into ready ones with metrics, unready ones
/// (cpu only: not Ready yet), missing ones (no metrics) and ignored ones (terminating or
/// failed); missing and unready pods are then counted conservatively, so that they can only
/// damp a scale, never cause one.
struct ReplicaCalculator {
    var tolerance: Double = 0.1
    /// Now, for the CPU start-up rule below (epoch seconds).
    var now: Int64 = 0
    /// Upstream `--horizontal-pod-autoscaler-cpu-initialization-period` (5 min) and
    /// `--horizontal-pod-autoscaler-initial-readiness-delay` (30 s).
    var cpuInitializationPeriod: Int64 = 300
    var initialReadinessDelay: Int64 = 30

    struct PodGroups {
        var ready: [String: Int64] = [:]
        var unready: Set<String> = []
        var missing: Set<String> = []
        var ignored: Set<String> = []
    }

    func groupPods(_ pods: [JSON], metrics: [String: PodResourceUsage], resource: String) -> PodGroups {
        var groups = PodGroups()
        for pod in pods {
            let name = pod.name
            if pod.isBeingDeleted || PodState.phase(pod) == "Failed" {
                groups.ignored.insert(name)
                continue
            }
            if PodState.phase(pod) == "Pending" {
                groups.unready.insert(name)
                continue
            }
            guard let usage = metrics[name] else {
                groups.missing.insert(name)
                continue
            }
            if resource == "cpu" && cpuSampleIsUnready(pod, usage) {
                groups.unready.insert(name)
                continue
            }
            groups.ready[name] = usage.value(of: resource)
        }
        return groups
    }

    /// Upstream's rule for CPU samples, which start-up bursts would distort: a pod without a Ready
    /// condition or a start time is unready; within the initialization period after its start, so
    /// is a pod not Ready or whose sample's window began before its last readiness change; after
    /// it, only a pod not Ready that has never been ready (its condition last changed within the
    /// initial readiness delay of its start).
    func cpuSampleIsUnready(_ pod: JSON, _ usage: PodResourceUsage) -> Bool {
        guard let condition = PodState.readyCondition(pod),
            let started = pod[path: ["status", "startTime"]]?.stringValue.flatMap(Timestamp.parse)
        else { return true }
        let ready = condition["status"]?.stringValue == "True"
        let transition = condition["lastTransitionTime"]?.stringValue.flatMap(Timestamp.parse) ?? started
        if started + cpuInitializationPeriod > now {
            guard ready else { return true }
            guard let sampled = usage.timestamp else { return false }
            return sampled < transition + usage.windowSeconds
        }
        return condition["status"]?.stringValue == "False" && started + initialReadinessDelay > transition
    }

    /// Sum of the pod's containers' requests of `resource` (milli cpu or bytes).
    static func request(of pod: JSON, resource: String) throws(HPAMetricError) -> Int64 {
        var total: Int64 = 0
        for container in pod[path: ["spec", "containers"]]?.arrayValue ?? [] {
            guard let text = container[path: ["resources", "requests", resource]]?.stringValue,
                let quantity = try? Quantity(parsing: text)
            else {
                throw HPAMetricError(
                    "missing request for \(resource) in container \(container["name"]?.stringValue ?? "") of Pod \(pod.name)"
                )
            }
            total += resource == "cpu" ? quantity.milliValue : quantity.value
        }
        return total
    }

    /// Replicas for an `averageUtilization` target (percent of request).
    func utilizationReplicas(
        current: Int32, target: Int32, resource: String, pods: [JSON], metrics: [String: PodResourceUsage]
    ) throws(HPAMetricError) -> ResourceProposal {
        guard !metrics.isEmpty else {
            throw HPAMetricError(
                "unable to get metrics for resource \(resource): no metrics returned from resource metrics API")
        }
        guard !pods.isEmpty else {
            throw HPAMetricError("no pods returned by selector while calculating replica count")
        }
        var groups = groupPods(pods, metrics: metrics, resource: resource)
        var requests: [String: Int64] = [:]
        for pod in pods { requests[pod.name] = try Self.request(of: pod, resource: resource) }
        guard !groups.ready.isEmpty else {
            throw HPAMetricError("did not receive metrics for targeted pods (pods might be unready)")
        }
        let first = try utilization(groups.ready, requests: requests, target: target, resource: resource)
        let readyCount = Int32(pods.count - groups.unready.count - groups.ignored.count)
        let rebalanceUnready = !groups.unready.isEmpty && first.ratio > 1.0
        let proposal = { (replicas: Int32) in
            ResourceProposal(replicas: replicas, utilization: first.percent, averageValue: first.average)
        }
        if !rebalanceUnready && groups.missing.isEmpty {
            if abs(1.0 - first.ratio) <= tolerance { return proposal(current) }
            return proposal(Int32((first.ratio * Double(readyCount)).rounded(.up)))
        }
        if first.ratio < 1.0 {
            // Scaling down: pods without metrics count as using their whole request (or the
            // target, when it is above 100%).
            let fallback = Int64(max(100, target))
            for name in groups.missing { groups.ready[name] = (requests[name] ?? 0) * fallback / 100 }
        } else if first.ratio > 1.0 {
            for name in groups.missing { groups.ready[name] = 0 }
        }
        if rebalanceUnready { for name in groups.unready { groups.ready[name] = 0 } }
        let second = try utilization(groups.ready, requests: requests, target: target, resource: resource)
        return proposal(
            adjusted(current: current, first: first.ratio, second: second.ratio, counted: groups.ready.count))
    }

    /// Replicas for an `averageValue` target (usage per pod, milli cpu or bytes).
    func averageValueReplicas(
        current: Int32, target: Int64, resource: String, pods: [JSON], metrics: [String: PodResourceUsage]
    ) throws(HPAMetricError) -> ResourceProposal {
        guard !metrics.isEmpty else {
            throw HPAMetricError(
                "unable to get metrics for resource \(resource): no metrics returned from resource metrics API")
        }
        guard !pods.isEmpty else {
            throw HPAMetricError("no pods returned by selector while calculating replica count")
        }
        var groups = groupPods(pods, metrics: metrics, resource: resource)
        guard !groups.ready.isEmpty, target > 0 else {
            throw HPAMetricError("did not receive metrics for targeted pods (pods might be unready)")
        }
        func ratio(_ values: [String: Int64]) -> (ratio: Double, average: Int64) {
            let total = values.values.reduce(0, +)
            let average = total / Int64(values.count)
            return (Double(total) / (Double(target) * Double(values.count)), average)
        }
        let first = ratio(groups.ready)
        let readyCount = Int32(pods.count - groups.unready.count - groups.ignored.count)
        let rebalanceUnready = !groups.unready.isEmpty && first.ratio > 1.0
        let proposal = { (replicas: Int32) in
            ResourceProposal(replicas: replicas, utilization: nil, averageValue: first.average)
        }
        if !rebalanceUnready && groups.missing.isEmpty {
            if abs(1.0 - first.ratio) <= tolerance { return proposal(current) }
            return proposal(Int32((first.ratio * Double(readyCount)).rounded(.up)))
        }
        if first.ratio < 1.0 {
            for name in groups.missing { groups.ready[name] = target }
        } else if first.ratio > 1.0 {
            for name in groups.missing { groups.ready[name] = 0 }
        }
        if rebalanceUnready { for name in groups.unready { groups.ready[name] = 0 } }
        let second = ratio(groups.ready)
        return proposal(
            adjusted(current: current, first: first.ratio, second: second.ratio, counted: groups.ready.count))
    }

    /// Upstream's second pass: no change when the conservative numbers land within tolerance or
    /// flip the direction, or when the new count would move against the usage.
    func adjusted(current: Int32, first: Double, second: Double, counted: Int) -> Int32 {
        if abs(1.0 - second) <= tolerance || (first < 1.0 && second > 1.0) || (first > 1.0 && second < 1.0) {
            return current
        }
        let replicas = Int32((second * Double(counted)).rounded(.up))
        if (second < 1.0 && replicas > current) || (second > 1.0 && replicas < current) { return current }
        return replicas
    }

    /// Upstream `GetResourceUtilizationRatio`: usage over requests of the pods with samples.
    func utilization(
        _ usage: [String: Int64], requests: [String: Int64], target: Int32, resource: String
    ) throws(HPAMetricError) -> (ratio: Double, percent: Int32, average: Int64) {
        var totalUsage: Int64 = 0
        var totalRequests: Int64 = 0
        for (name, value) in usage {
            guard let request = requests[name] else { continue }
            totalUsage += value
            totalRequests += request
        }
        guard totalRequests > 0 else {
            throw HPAMetricError("no metrics returned matched known pods")
        }
        let percent = Int32(totalUsage * 100 / totalRequests)
        return (Double(percent) / Double(target), percent, totalUsage / Int64(usage.count))
    }
}
