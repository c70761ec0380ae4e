import KubeTypes

/// The compute resources a pod asks for, in the units the scheduler compares.
public struct PodRequests: Sendable, Hashable {
    public var milliCPU: Int64
    public var memory: Int64
    public var ephemeralStorage: Int64

    public init(milliCPU: Int64 = 0, memory: Int64 = 0, ephemeralStorage: Int64 = 0) {
        self.milliCPU = milliCPU
        self.memory = memory
        self.ephemeralStorage = ephemeralStorage
    }

    public static let zero = PodRequests()

    public var isZero: Bool { milliCPU == 0 && memory == 0 && ephemeralStorage == 0 }

    static func + (lhs: PodRequests, rhs: PodRequests) -> PodRequests {
        PodRequests(
            milliCPU: lhs.milliCPU + rhs.milliCPU, memory: lhs.memory + rhs.memory,
            ephemeralStorage: lhs.ephemeralStorage + rhs.ephemeralStorage)
    }

    static func - (lhs: PodRequests, rhs: PodRequests) -> PodRequests {
        PodRequests(
            milliCPU: lhs.milliCPU - rhs.milliCPU, memory: lhs.memory - rhs.memory,
            ephemeralStorage: lhs.ephemeralStorage - rhs.ephemeralStorage)
    }

    static func max(_ lhs: PodRequests, _ rhs: PodRequests) -> PodRequests {
        PodRequests(
            milliCPU: Swift.max(lhs.milliCPU, rhs.milliCPU), memory: Swift.max(lhs.memory, rhs.memory),
            ephemeralStorage: Swift.max(lhs.ephemeralStorage, rhs.ephemeralStorage))
    }
}

extension PodRequests {
    /// Upstream's `schedutil.DefaultMilliCPURequest`: what scoring assumes for a container without a
    /// CPU request, so that many best-effort pods do not all land on one node.
    public static let defaultMilliCPU: Int64 = 100
    /// Upstream's `schedutil.DefaultMemoryRequest` (200Mi), for the same reason.
    public static let defaultMemory: Int64 = 200 * 1024 * 1024

    /// What the pod needs to fit (upstream `resource.PodRequests`): regular containers run together,
    /// so their requests add up; init containers run one at a time, so the pod needs the largest of
    /// them, where an init container with `restartPolicy: Always` (a sidecar) keeps running and so
    /// adds to everything after it. Pod-level `spec.resources.requests` replace the container sum for
    /// the resources they name, and `spec.overhead` comes on top. Unset requests count as zero.
    public init(pod: JSON) {
        self = Self.compute(pod: pod, nonZero: false)
    }

    /// The same sum with upstream's scoring defaults (100m CPU, 200Mi memory) for each container that
    /// leaves the request unset — used only to score nodes, never to decide whether a pod fits.
    public init(nonZeroScoringRequestsOf pod: JSON) {
        self = Self.compute(pod: pod, nonZero: true)
    }

    static func compute(pod: JSON, nonZero: Bool) -> PodRequests {
        let spec = pod["spec"] ?? .emptyObject
        var total = PodRequests.zero
        for container in spec["containers"]?.arrayValue ?? [] {
            total = total + containerRequests(container, nonZero: nonZero)
        }
        var sidecars = PodRequests.zero
        var initPeak = PodRequests.zero
        for container in spec["initContainers"]?.arrayValue ?? [] {
            let requests = containerRequests(container, nonZero: nonZero)
            if container["restartPolicy"]?.stringValue == "Always" {
                total = total + requests
                sidecars = sidecars + requests
                initPeak = max(initPeak, sidecars)
            } else {
                initPeak = max(initPeak, requests + sidecars)
            }
        }
        total = max(total, initPeak)
        let podLevel = spec[path: ["resources", "requests"]]?.objectValue ?? [:]
        if let cpu = podLevel["cpu"] { total.milliCPU = ResourceList.milliValue(cpu) }
        if let memory = podLevel["memory"] { total.memory = ResourceList.value(memory) }
        let overhead = spec["overhead"]?.objectValue ?? [:]
        total.milliCPU += ResourceList.milliValue(overhead["cpu"])
        total.memory += ResourceList.value(overhead["memory"])
        total.ephemeralStorage += ResourceList.value(overhead["ephemeral-storage"])
        return total
    }

    static func containerRequests(_ container: JSON, nonZero: Bool) -> PodRequests {
        let requests = container[path: ["resources", "requests"]]?.objectValue ?? [:]
        var result = PodRequests(
            milliCPU: ResourceList.milliValue(requests["cpu"]), memory: ResourceList.value(requests["memory"]),
            ephemeralStorage: ResourceList.value(requests["ephemeral-storage"]))
        // Upstream applies the defaults only where the request is missing: an explicit 0 stays 0.
        if nonZero && requests["cpu"] == nil { result.milliCPU = defaultMilliCPU }
        if nonZero && requests["memory"] == nil { result.memory = defaultMemory }
        return result
    }
}
