/// A container's cpu and memory: the requests (what was offered and accepted) and optional
/// Mesos `TaskInfo.limits` above them. A limit of `nil` means "none given" (the request is
/// the limit where one applies); `.infinity` means explicitly unlimited.
public struct ResourceLimits: Sendable, Equatable {
    /// Requested cpus; sets the proportional share (cpu.shares / cpu.weight).
    public var cpus: Double
    /// Requested memory in MB.
    public var memoryMB: Double
    /// `limits.cpus`: CFS quota ceiling; `.infinity` = no quota even with CFS enabled.
    public var cpusLimit: Double?
    /// `limits.mem` in MB: hard memory limit; `.infinity` = no memory limit.
    public var memoryLimitMB: Double?

    public init(cpus: Double, memoryMB: Double, cpusLimit: Double? = nil, memoryLimitMB: Double? = nil) {
        self.cpus = cpus
        self.memoryMB = memoryMB
        self.cpusLimit = cpusLimit
        self.memoryLimitMB = memoryLimitMB
    }

    /// CFS period written with every quota (Mesos' default, 100 ms).
    public static let cfsPeriodMicros: UInt64 = 100_000
    /// Smallest quota Mesos writes (1 ms); smaller quotas are rejected or starve the task.
    public static let minimumCFSQuotaMicros: UInt64 = 1_000
    /// Smallest cpu.shares value the kernel accepts.
    public static let minimumCPUShares: UInt64 = 2
    /// Smallest memory limit Mesos enforces (32 MB); below it even a shell cannot start.
    public static let minimumMemoryBytes: UInt64 = 32 << 20

    /// v1 `cpu.shares`: 1024 per requested cpu, at least 2.
    public var cpuShares: UInt64 {
        let shares = (max(cpus, 0) * 1024).rounded(.down)
        return max(Self.minimumCPUShares, shares >= 262_144 ? 262_144 : UInt64(shares))
    }

    /// v2 `cpu.weight` from the shares, with the usual conversion (runc, systemd):
    /// shares 2…262144 map linearly onto weight 1…10000.
    public var cpuWeight: UInt64 {
        let shares = min(max(cpuShares, 2), 262_144)
        return 1 + ((shares - 2) * 9_999) / 262_142
    }

    /// CFS quota per `cfsPeriodMicros`, or nil for no quota. An explicit finite limit always
    /// sets a quota (as in Mesos); otherwise the request does when CFS is enabled.
    public func cfsQuotaMicros(enableCFS: Bool) -> UInt64? {
        let ceiling: Double
        switch cpusLimit {
        case .some(let limit) where limit.isInfinite: return nil
        case .some(let limit): ceiling = limit
        case .none:
            guard enableCFS else { return nil }
            ceiling = cpus
        }
        let quota = (max(ceiling, 0) * Double(Self.cfsPeriodMicros)).rounded(.down)
        return max(Self.minimumCFSQuotaMicros, UInt64(quota))
    }

    /// Hard memory limit in bytes (limit if given, else the request), or nil for unlimited.
    public var memoryLimitBytes: UInt64? {
        let megabytes = memoryLimitMB ?? memoryMB
        if megabytes.isInfinite { return nil }
        return max(Self.minimumMemoryBytes, UInt64((max(megabytes, 0) * 1_048_576).rounded(.down)))
    }

    /// The request in bytes, used as the v1 soft limit (reclaimed first under pressure).
    public var memoryRequestBytes: UInt64 {
        UInt64((max(memoryMB, 0) * 1_048_576).rounded(.down))
    }
}

/// Why the isolator wants a container stopped; the agent turns it into TASK_FAILED with
/// `reason` and `message` (Mesos' ContainerLimitation).
public struct Limitation: Sendable, Equatable, CustomStringConvertible {
    public enum Resource: String, Sendable, Equatable {
        case memory
    }

    public var resource: Resource
    /// Mesos' wording, e.g. "Memory limit exceeded: Requested: 64MB Maximum Used: 64MB".
    public var message: String

    public init(resource: Resource, message: String) {
        self.resource = resource
        self.message = message
    }

    /// The TaskStatus reason name for this limitation.
    public var reason: String {
        switch resource {
        case .memory: return "REASON_CONTAINER_LIMITATION_MEMORY"
        }
    }

    public var description: String { message }

    /// The memory limitation message Mesos writes, from the limit and the peak usage.
    static func memory(limitBytes: UInt64?, maximumUsedBytes: UInt64) -> Limitation {
        let requested = limitBytes.map(formatBytes) ?? "unlimited"
        return Limitation(
            resource: .memory,
            message: "Memory limit exceeded: Requested: \(requested) Maximum Used: \(formatBytes(maximumUsedBytes))")
    }

    /// Mesos' Bytes formatting: the largest unit that divides the value exactly.
    static func formatBytes(_ bytes: UInt64) -> String {
        for (shift, unit) in [(40, "TB"), (30, "GB"), (20, "MB"), (10, "KB")] {
            let size = UInt64(1) << UInt64(shift)
            if bytes >= size, bytes % size == 0 { return "\(bytes / size)\(unit)" }
        }
        return "\(bytes)B"
    }
}

/// A snapshot of a container's accounting, read from its cgroups (for /monitor/statistics).
public struct ContainerUsage: Sendable, Equatable {
    public var cpuUserSeconds: Double
    public var cpuSystemSeconds: Double
    /// Anonymous memory (v1 `total_rss`, v2 `anon`); 0 when no memory controller is in use.
    public var memoryRSSBytes: UInt64
    /// Current total charge (v1 `memory.usage_in_bytes`, v2 `memory.current`), if available.
    public var memoryTotalBytes: UInt64?
    /// Hard memory limit; nil when unlimited or no memory controller is in use.
    public var memoryLimitBytes: UInt64?
    /// CFS quota / period; nil without a quota.
    public var cpusLimit: Double?
    /// Processes the kernel OOM-killed in this container.
    public var oomKillCount: UInt64
    /// Set once the container has hit a limit (currently: an OOM kill).
    public var limitation: Limitation?

    public init(
        cpuUserSeconds: Double, cpuSystemSeconds: Double, memoryRSSBytes: UInt64, memoryTotalBytes: UInt64?,
        memoryLimitBytes: UInt64?, cpusLimit: Double?, oomKillCount: UInt64, limitation: Limitation?
    ) {
        self.cpuUserSeconds = cpuUserSeconds
        self.cpuSystemSeconds = cpuSystemSeconds
        self.memoryRSSBytes = memoryRSSBytes
        self.memoryTotalBytes = memoryTotalBytes
        self.memoryLimitBytes = memoryLimitBytes
        self.cpusLimit = cpusLimit
        self.oomKillCount = oomKillCount
        self.limitation = limitation
    }
}
