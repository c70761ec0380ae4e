import Foundation
import Glibc

extension CgroupIsolator {
    // MARK: - Usage and limitations

    /// The container's accounting, read from its cgroups.
    public func usage(containerID: String) throws(CgroupError) -> ContainerUsage {
        try Self.validate(containerID)
        switch layout {
        case .v1: return try usageV1(containerID)
        case .v2: return try usageV2(containerID)
        }
    }

    private func usageV1(_ containerID: String) throws(CgroupError) -> ContainerUsage {
        let cpuacct = cgroup(containerID, for: "cpuacct")
        let user: Double
        let system: Double
        // Nanosecond counters where the kernel has them; cpuacct.stat is in USER_HZ ticks.
        if let userNanos = CgroupFiles.number(cpuacct + "/cpuacct.usage_user"),
            let systemNanos = CgroupFiles.number(cpuacct + "/cpuacct.usage_sys")
        {
            user = Double(userNanos) / 1e9
            system = Double(systemNanos) / 1e9
        } else {
            let ticks = CgroupFiles.keyedValues(try CgroupFiles.read(cpuacct + "/cpuacct.stat"))
            let hertz = Double(sysconf(Int32(_SC_CLK_TCK)))
            user = Double(ticks["user"] ?? 0) / hertz
            system = Double(ticks["system"] ?? 0) / hertz
        }
        let memory = cgroup(containerID, for: "memory")
        let stat = CgroupFiles.keyedValues(try CgroupFiles.read(memory + "/memory.stat"))
        // An unlimited v1 limit reads as a huge page-aligned number near Int64.max.
        let limit = CgroupFiles.number(memory + "/memory.limit_in_bytes").flatMap {
            $0 >= Int64(1) << 62 ? nil : UInt64($0)
        }
        let oomKills = CgroupFiles.keyedValues(try CgroupFiles.read(memory + "/memory.oom_control"))["oom_kill"] ?? 0
        let cpu = cgroup(containerID, for: "cpu")
        let quota = CgroupFiles.number(cpu + "/cpu.cfs_quota_us") ?? -1
        let period = CgroupFiles.number(cpu + "/cpu.cfs_period_us") ?? 0
        let peak = CgroupFiles.number(memory + "/memory.max_usage_in_bytes").map { UInt64(max($0, 0)) } ?? 0
        return ContainerUsage(
            cpuUserSeconds: user, cpuSystemSeconds: system, memoryRSSBytes: stat["total_rss"] ?? stat["rss"] ?? 0,
            memoryTotalBytes: CgroupFiles.number(memory + "/memory.usage_in_bytes").map { UInt64(max($0, 0)) },
            memoryLimitBytes: limit, cpusLimit: quota > 0 && period > 0 ? Double(quota) / Double(period) : nil,
            oomKillCount: oomKills,
            limitation: oomKills > 0 ? .memory(limitBytes: limit, maximumUsedBytes: peak) : nil)
    }

    private func usageV2(_ containerID: String) throws(CgroupError) -> ContainerUsage {
        let directory = cgroup(containerID, for: "cpu")
        // cpu.stat's usage fields are core accounting: present even without the cpu controller.
        let cpuStat = CgroupFiles.keyedValues(try CgroupFiles.read(directory + "/cpu.stat"))
        let memoryStat = CgroupFiles.keyedValues((try? CgroupFiles.read(directory + "/memory.stat")) ?? "")
        let events = CgroupFiles.keyedValues((try? CgroupFiles.read(directory + "/memory.events")) ?? "")
        let limit = CgroupFiles.number(directory + "/memory.max").map { UInt64(max($0, 0)) }
        let current = CgroupFiles.number(directory + "/memory.current").map { UInt64(max($0, 0)) }
        // memory.peak exists from Linux 5.19; the current charge is the best older kernels offer.
        let peak = CgroupFiles.number(directory + "/memory.peak").map { UInt64(max($0, 0)) } ?? current ?? 0
        let oomKills = events["oom_kill"] ?? 0
        return ContainerUsage(
            cpuUserSeconds: Double(cpuStat["user_usec"] ?? 0) / 1e6,
            cpuSystemSeconds: Double(cpuStat["system_usec"] ?? 0) / 1e6,
            memoryRSSBytes: memoryStat["anon"] ?? 0, memoryTotalBytes: current, memoryLimitBytes: limit,
            cpusLimit: Self.cpusLimit(cpuMax: try? CgroupFiles.read(directory + "/cpu.max")),
            oomKillCount: oomKills,
            limitation: oomKills > 0 ? .memory(limitBytes: limit, maximumUsedBytes: peak) : nil)
    }

    /// "quota period" → quota/period; "max period" or no file → nil.
    static func cpusLimit(cpuMax: String?) -> Double? {
        let fields = (cpuMax ?? "").split(whereSeparator: \.isWhitespace)
        guard fields.count == 2, let quota = Double(fields[0]), let period = Double(fields[1]), period > 0 else {
            return nil
        }
        return quota / period
    }

    /// Polls the container's OOM-kill counter (v1 memory.oom_control `oom_kill`, v2
    /// memory.events `oom_kill`) and returns the memory limitation once the kernel has killed
    /// a process for exceeding the limit. Returns nil when the cgroup disappears (destroyed)
    /// or the calling task is cancelled.
    ///
    /// Only the one counter is read each round, once a second: an agent watches every container
    /// it runs this way, and a thousand full `usage` reads ten times a second were most of an
    /// idle agent's CPU. A limitation that ends the task is caught at its exit anyway.
    public func watchForLimitation(containerID: String) async -> Limitation? {
        while !Task.isCancelled {
            guard let kills = try? oomKillCount(containerID: containerID) else { return nil }
            if kills > 0 { return try? usage(containerID: containerID).limitation }
            try? await Task.sleep(for: limitationPollInterval)
        }
        return nil
    }

    /// The kernel's count of OOM kills in the container (v1 `memory.oom_control`, v2
    /// `memory.events`); throws when the cgroup is gone.
    public func oomKillCount(containerID: String) throws(CgroupError) -> UInt64 {
        try Self.validate(containerID)
        switch layout {
        case .v1:
            let memory = cgroup(containerID, for: "memory")
            return CgroupFiles.keyedValues(try CgroupFiles.read(memory + "/memory.oom_control"))["oom_kill"] ?? 0
        case .v2:
            let directory = cgroup(containerID, for: "memory")
            return CgroupFiles.keyedValues(try CgroupFiles.read(directory + "/memory.events"))["oom_kill"] ?? 0
        }
    }

    // MARK: - Destroy

    /// Kills every process in the container's cgroups (nested cgroups included) and removes
    /// the directories, children first. Idempotent: a container without cgroups is a no-op.
    /// v2 uses cgroup.kill where the kernel has it (5.14+); both versions then SIGKILL
    /// whatever cgroup.procs still lists until every cgroup is empty, which also catches
    /// processes forked while the previous round was being signalled.
    public func destroy(containerID: String, timeout: Duration = .seconds(10)) async throws(CgroupError) {
        let directories = try cgroupDirectories(containerID: containerID)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        if case .v2 = layout, let directory = directories.first, CgroupFiles.exists(directory + "/cgroup.kill") {
            try? CgroupFiles.write("1", to: directory + "/cgroup.kill")
        }
        while true {
            let subtree = directories.flatMap(CgroupFiles.subtreeDeepestFirst)
            let remaining = subtree.flatMap(CgroupFiles.processes(in:))
            if remaining.isEmpty, removeAll(subtree) { return }
            guard clock.now < deadline else {
                throw .destroyIncomplete(
                    "\(remaining.count) process(es) left, cgroups \(subtree.filter(CgroupFiles.exists)) not removed")
            }
            for pid in Set(remaining) { kill(pid, SIGKILL) }
            try? await Task.sleep(for: min(pollInterval, .milliseconds(20)))
        }
    }

    /// rmdir's each cgroup (deepest first); true when none is left. EBUSY happens briefly
    /// after the last process exits, so the caller retries.
    private func removeAll(_ subtreeDeepestFirst: [String]) -> Bool {
        for directory in subtreeDeepestFirst where rmdir(directory) != 0 && errno != ENOENT {
            return false
        }
        return true
    }
}
