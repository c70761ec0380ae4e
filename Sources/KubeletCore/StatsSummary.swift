import KubeTypes

/// One reading of a cgroup's accounting (a container's, or the node's).
public struct UsageReading: Sendable, Equatable {
    /// Cumulative CPU time, in nanoseconds (`cpuacct.usage`).
    public var cpuNanoseconds: UInt64
    /// The memory charge (`memory.usage_in_bytes`).
    public var memoryUsageBytes: UInt64
    /// The charge less what the kernel can drop at once (`total_inactive_file`): what upstream
    /// calls the working set and evicts and autoscales on.
    public var workingSetBytes: UInt64

    public init(cpuNanoseconds: UInt64, memoryUsageBytes: UInt64, workingSetBytes: UInt64) {
        self.cpuNanoseconds = cpuNanoseconds
        self.memoryUsageBytes = memoryUsageBytes
        self.workingSetBytes = workingSetBytes
    }

    /// The working set as cadvisor computes it: usage minus inactive file pages, never below 0.
    public static func workingSet(usage: UInt64, inactiveFile: UInt64) -> UInt64 {
        usage > inactiveFile ? usage - inactiveFile : 0
    }
}

/// CPU usage rates (nanocores) from cumulative CPU counters sampled over time, as cadvisor
/// derives `usageNanoCores`: the counter's growth between two samples at least `window`
/// apart, divided by the time between them. Readings closer together than `window` reuse the
/// last rate, so frequent scrapes do not shrink the window to noise.
public struct CPUUsageRates: Sendable, Equatable {
    struct Reference: Sendable, Equatable {
        var cpuNanoseconds: UInt64
        var at: Int64
        var rate: UInt64?
    }

    /// Shortest interval a rate is computed over, in nanoseconds.
    public let windowNanoseconds: Int64
    var references: [String: Reference] = [:]

    public init(windowNanoseconds: Int64 = 10_000_000_000) {
        self.windowNanoseconds = windowNanoseconds
    }

    /// Records a reading of `key`'s counter taken at `now` (nanoseconds since the epoch) and
    /// returns its current rate in nanocores, or nil until two readings a window apart exist.
    /// A counter that went backwards (a new cgroup under the same key) starts over.
    public mutating func observe(_ key: String, cpuNanoseconds: UInt64, now: Int64) -> UInt64? {
        guard let previous = references[key], cpuNanoseconds >= previous.cpuNanoseconds, now >= previous.at else {
            references[key] = Reference(cpuNanoseconds: cpuNanoseconds, at: now, rate: nil)
            return nil
        }
        let elapsed = now - previous.at
        guard elapsed >= windowNanoseconds, elapsed > 0 else { return previous.rate }
        let used = Double(cpuNanoseconds - previous.cpuNanoseconds)
        let rate = UInt64((used / Double(elapsed) * 1e9).rounded())
        references[key] = Reference(cpuNanoseconds: cpuNanoseconds, at: now, rate: rate)
        return rate
    }

    /// Forgets every key not in `live` (containers that ended).
    public mutating func retain(_ live: Set<String>) {
        references = references.filter { live.contains($0.key) }
    }

    public var keys: Set<String> { Set(references.keys) }
}

/// A container's reading in a pod, for the summary.
public struct ContainerUsageReading: Sendable, Equatable {
    public var name: String
    /// Key of its cgroup in `CPUUsageRates` (the runtime id of the instance).
    public var key: String
    public var reading: UsageReading

    public init(name: String, key: String, reading: UsageReading) {
        self.name = name
        self.key = key
        self.reading = reading
    }
}

/// A pod's containers' readings.
public struct PodUsageReading: Sendable, Equatable {
    public var name: String
    public var namespace: String
    public var uid: String
    public var containers: [ContainerUsageReading]

    public init(name: String, namespace: String, uid: String, containers: [ContainerUsageReading]) {
        self.name = name
        self.namespace = namespace
        self.uid = uid
        self.containers = containers
    }
}

/// The kubelet's `GET /stats/summary` document (upstream `stats/v1alpha1.Summary`), with the
/// fields metrics-server reads: cpu `time`, `usageNanoCores`, `usageCoreNanoSeconds`, memory
/// `time`, `workingSetBytes`, `usageBytes`.
public enum StatsSummary {
    public static let nodeKey = "/"

    /// Feeds every reading to `rates` (forgetting containers that are gone) and builds the
    /// summary. `now` is in nanoseconds since the epoch.
    public static func build(
        nodeName: String, node: UsageReading, pods: [PodUsageReading], rates: inout CPUUsageRates, now: Int64
    ) -> JSON {
        let time = JSON.string(Timestamp.format(now / 1_000_000_000))
        var live: Set<String> = [nodeKey]
        let nodeRate = rates.observe(nodeKey, cpuNanoseconds: node.cpuNanoseconds, now: now)
        var podEntries: [JSON] = []
        for pod in pods {
            var containers: [JSON] = []
            var podTotal = UsageReading(cpuNanoseconds: 0, memoryUsageBytes: 0, workingSetBytes: 0)
            var podRate: UInt64? = 0
            for container in pod.containers {
                live.insert(container.key)
                let rate = rates.observe(container.key, cpuNanoseconds: container.reading.cpuNanoseconds, now: now)
                podRate = podRate.flatMap { total in rate.map { total + $0 } }
                podTotal.cpuNanoseconds += container.reading.cpuNanoseconds
                podTotal.memoryUsageBytes += container.reading.memoryUsageBytes
                podTotal.workingSetBytes += container.reading.workingSetBytes
                containers.append(
                    [
                        "name": .string(container.name),
                        "cpu": cpu(container.reading, rate: rate, time: time),
                        "memory": memory(container.reading, time: time),
                    ])
            }
            podEntries.append(
                [
                    "podRef": [
                        "name": .string(pod.name), "namespace": .string(pod.namespace), "uid": .string(pod.uid),
                    ],
                    "cpu": cpu(podTotal, rate: pod.containers.isEmpty ? nil : podRate, time: time),
                    "memory": memory(podTotal, time: time), "containers": .array(containers),
                ])
        }
        rates.retain(live)
        return [
            "node": [
                "nodeName": .string(nodeName), "cpu": cpu(node, rate: nodeRate, time: time),
                "memory": memory(node, time: time),
            ],
            "pods": .array(podEntries),
        ]
    }

    static func cpu(_ reading: UsageReading, rate: UInt64?, time: JSON) -> JSON {
        var cpu: JSON = ["time": time, "usageCoreNanoSeconds": .int(Int64(clamping: reading.cpuNanoseconds))]
        if let rate { cpu["usageNanoCores"] = .int(Int64(clamping: rate)) }
        return cpu
    }

    static func memory(_ reading: UsageReading, time: JSON) -> JSON {
        [
            "time": time, "usageBytes": .int(Int64(clamping: reading.memoryUsageBytes)),
            "workingSetBytes": .int(Int64(clamping: reading.workingSetBytes)),
        ]
    }
}
