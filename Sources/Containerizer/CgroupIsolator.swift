import Foundation
import Glibc

/// The `cgroups/cpu,cgroups/mem` isolator: one `mesokube/<containerID>` cgroup per container
/// (v1: in the cpu, cpuacct and memory hierarchies; v2: one cgroup with cpu and memory
/// enabled). It keeps no state of its own — everything is read back from cgroupfs — so an
/// agent that restarts can keep using containers it did not prepare.
///
/// Spawning straight into the cgroup (clone3 `CLONE_INTO_CGROUP`, glibc 2.41's
/// `posix_spawnattr_setcgroup_np`) is not reachable from Swift on Debian 12's glibc 2.36, so
/// the agent calls `isolate` right after spawn, or launches through `attachingCommand`,
/// which moves the process into the cgroup before it execs the task.
public struct CgroupIsolator: Sendable {
    /// Controllers a v2 container cgroup can have enabled and limited.
    public enum Controller: String, Sendable, CaseIterable {
        case cpu
        case memory
    }

    public let layout: CgroupLayout
    /// Name of the cgroup under each hierarchy root that holds all containers.
    public let baseName: String
    /// `--cgroups-enable-cfs`: a quota from the cpu request when no explicit limit is given.
    public let enableCFS: Bool
    /// v2 only: controllers to enable and limit. v1 always uses cpu, cpuacct and memory.
    /// A v2 hierarchy whose controllers are bound to v1 (hybrid) can be used with `[]`.
    public let v2Controllers: Set<Controller>
    /// How often `destroy` looks at the cgroup.
    public let pollInterval: Duration
    /// How often `watchForLimitation` reads the OOM-kill counter.
    public let limitationPollInterval: Duration

    public init(
        layout: CgroupLayout, baseName: String = "mesokube", enableCFS: Bool = false,
        v2Controllers: Set<Controller> = [.cpu, .memory], pollInterval: Duration = .milliseconds(100),
        limitationPollInterval: Duration = .seconds(1)
    ) {
        self.layout = layout
        self.baseName = baseName
        self.enableCFS = enableCFS
        self.v2Controllers = v2Controllers
        self.pollInterval = pollInterval
        self.limitationPollInterval = limitationPollInterval
    }

    // MARK: - Paths

    /// The directories holding all containers (one per distinct hierarchy).
    public var baseDirectories: [String] {
        hierarchyRoots.map { $0 + "/" + baseName }
    }

    /// The container's cgroup directories, one per distinct hierarchy.
    public func cgroupDirectories(containerID: String) throws(CgroupError) -> [String] {
        try Self.validate(containerID)
        return baseDirectories.map { $0 + "/" + containerID }
    }

    private var hierarchyRoots: [String] {
        switch layout {
        case .v1(let cpu, let cpuacct, let memory):
            var roots: [String] = []
            for root in [cpu, cpuacct, memory] where !roots.contains(root) { roots.append(root) }
            return roots
        case .v2(let root): return [root]
        }
    }

    /// Path of the container's cgroup in the hierarchy that holds `controller`
    /// ("cpu", "cpuacct" or "memory"; all the same on v2).
    func cgroup(_ containerID: String, for controller: String) -> String {
        let root: String
        switch layout {
        case .v1(let cpu, let cpuacct, let memory):
            root = controller == "memory" ? memory : controller == "cpuacct" ? cpuacct : cpu
        case .v2(let unified): root = unified
        }
        return root + "/" + baseName + "/" + containerID
    }

    /// Ids become directory names: no separators, no dot names, nothing a shell would expand.
    static func validate(_ containerID: String) throws(CgroupError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        guard !containerID.isEmpty, containerID != ".", containerID != "..", containerID.allSatisfy(allowed.contains)
        else { throw .invalidContainerID(containerID) }
    }

    // MARK: - Lifecycle

    /// Creates the container's cgroups and applies `limits`. Throws `.alreadyExists` for a
    /// container that already has cgroups; removes what it created if a later step fails.
    public func prepare(containerID: String, limits: ResourceLimits) throws(CgroupError) {
        let directories = try cgroupDirectories(containerID: containerID)
        if case .v2(let root) = layout {
            try enableV2Controllers(in: root)
            try CgroupFiles.makeDirectory(root + "/" + baseName)
            try enableV2Controllers(in: root + "/" + baseName)
        } else {
            for base in baseDirectories { try CgroupFiles.makeDirectory(base) }
        }
        var created: [String] = []
        do throws(CgroupError) {
            for directory in directories {
                guard try CgroupFiles.makeDirectory(directory) else { throw .alreadyExists(directory) }
                created.append(directory)
            }
            try update(containerID: containerID, limits: limits)
        } catch {
            for directory in created { rmdir(directory) }
            throw error
        }
    }

    /// Moves `pid` (the whole thread group) into the container's cgroups. Children it forks
    /// afterwards are born there.
    public func isolate(containerID: String, pid: Int32) throws(CgroupError) {
        for directory in try cgroupDirectories(containerID: containerID) {
            try CgroupFiles.write("\(pid)", to: directory + "/cgroup.procs")
        }
    }

    /// `argv` prefixed with a `/bin/sh` step that moves itself into the container's cgroups
    /// (writing 0 to cgroup.procs moves the writer) and then execs `argv`; so the task never
    /// runs a single instruction outside its cgroup. Needs `prepare` first.
    public func attachingCommand(containerID: String, argv: [String]) throws(CgroupError) -> [String] {
        // validate() admits no quote characters, so single-quoting the paths is safe.
        let moves = try cgroupDirectories(containerID: containerID)
            .map { "echo 0 > '\($0)/cgroup.procs'" }
        let script = (moves + ["exec \"$@\""]).joined(separator: " && ")
        return ["/bin/sh", "-c", script, "mesokube-cgroup-attach"] + argv
    }

    /// Applies `limits` to a prepared container (shares/weight, CFS quota, memory limit).
    public func update(containerID: String, limits: ResourceLimits) throws(CgroupError) {
        try apply(containerID, limits, hardMemoryLimit: true)
    }

    /// Resizes a running container whose tasks came or went, as Mesos' containerizer update
    /// does: shares, quota and the soft limit follow `limits`, but the hard memory limit only
    /// rises. Lowering it under what the container uses would make the kernel refuse the
    /// write or OOM-kill the container.
    public func resize(containerID: String, limits: ResourceLimits) throws(CgroupError) {
        try Self.validate(containerID)
        let raise: Bool
        if let wanted = limits.memoryLimitBytes, let current = try hardMemoryLimitBytes(containerID) {
            raise = wanted > current
        } else {
            // Unlimited now (keep it so), or asked for no limit (lift it).
            raise = limits.memoryLimitBytes == nil
        }
        try apply(containerID, limits, hardMemoryLimit: raise)
    }

    /// The container's hard memory limit, nil when unlimited or not enforced.
    func hardMemoryLimitBytes(_ containerID: String) throws(CgroupError) -> UInt64? {
        switch layout {
        case .v1:
            let text = try CgroupFiles.read(cgroup(containerID, for: "memory") + "/memory.limit_in_bytes")
            // v1 reports "unlimited" as the page counter's maximum, close to Int64.max.
            guard let bytes = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes < 1 << 62 else {
                return nil
            }
            return bytes
        case .v2:
            guard v2Controllers.contains(.memory) else { return nil }
            let text = try CgroupFiles.read(cgroup(containerID, for: "cpu") + "/memory.max")
            return UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    private func apply(_ containerID: String, _ limits: ResourceLimits, hardMemoryLimit: Bool) throws(CgroupError) {
        try Self.validate(containerID)
        let quota = limits.cfsQuotaMicros(enableCFS: enableCFS)
        let period = ResourceLimits.cfsPeriodMicros
        switch layout {
        case .v1:
            let cpu = cgroup(containerID, for: "cpu")
            try CgroupFiles.write("\(limits.cpuShares)", to: cpu + "/cpu.shares")
            try CgroupFiles.write("\(period)", to: cpu + "/cpu.cfs_period_us")
            try CgroupFiles.write(quota.map { "\($0)" } ?? "-1", to: cpu + "/cpu.cfs_quota_us")
            let memory = cgroup(containerID, for: "memory")
            try CgroupFiles.write("\(limits.memoryRequestBytes)", to: memory + "/memory.soft_limit_in_bytes")
            if hardMemoryLimit {
                try CgroupFiles.write(
                    limits.memoryLimitBytes.map { "\($0)" } ?? "-1", to: memory + "/memory.limit_in_bytes")
            }
        case .v2:
            let directory = cgroup(containerID, for: "cpu")
            if v2Controllers.contains(.cpu) {
                try CgroupFiles.write("\(limits.cpuWeight)", to: directory + "/cpu.weight")
                try CgroupFiles.write("\(quota.map { "\($0)" } ?? "max") \(period)", to: directory + "/cpu.max")
            }
            if v2Controllers.contains(.memory) && hardMemoryLimit {
                try CgroupFiles.write(limits.memoryLimitBytes.map { "\($0)" } ?? "max", to: directory + "/memory.max")
            }
        }
    }

    /// Turns on `v2Controllers` for the children of `directory`, after checking it has them.
    private func enableV2Controllers(in directory: String) throws(CgroupError) {
        guard !v2Controllers.isEmpty else { return }
        let available = try CgroupFiles.read(directory + "/cgroup.controllers").split(whereSeparator: \.isWhitespace)
        let wanted = Controller.allCases.filter(v2Controllers.contains).map(\.rawValue)
        for controller in wanted where !available.contains(Substring(controller)) {
            throw .controllerUnavailable(controller: controller, path: directory)
        }
        let enabled = try CgroupFiles.read(directory + "/cgroup.subtree_control").split(whereSeparator: \.isWhitespace)
        let missing = wanted.filter { !enabled.contains(Substring($0)) }
        guard !missing.isEmpty else { return }
        try CgroupFiles.write(
            missing.map { "+" + $0 }.joined(separator: " "), to: directory + "/cgroup.subtree_control")
    }
}
