import Containerizer
import Foundation
import MesosModel

/// The isolators an agent runs containers with (`--isolation`, Mesos' names).
public struct IsolationConfig: Sendable, Equatable {
    /// `cgroups/cpu`, `cgroups/mem`: limits and accounting through cgroups.
    public var cgroupsCPU = false
    public var cgroupsMemory = false
    /// `namespaces/pid`: each container gets its own pid namespace.
    public var pidNamespace = false
    /// `filesystem/linux`: a private mount namespace (with `namespaces/pid`, a fresh /proc).
    public var filesystemLinux = false

    /// The default on Linux, as the issue asks: cgroups cpu and mem plus a pid namespace.
    public static let defaultFlag = "cgroups/cpu,cgroups/mem,namespaces/pid,filesystem/linux"

    public var usesCgroups: Bool { cgroupsCPU || cgroupsMemory }

    /// Isolators accepted for compatibility that need nothing beyond what every container
    /// gets here: posix ones (usage comes from /proc) and the image runtime (always runc).
    static let accepted: Set<String> = [
        "posix/cpu", "posix/mem", "filesystem/posix", "docker/runtime", "volume/host_path",
    ]

    /// Parses a comma-separated list; unknown isolators are an error, not silently ignored.
    public init(flag: String) throws(AgentConfigurationError) {
        for name in flag.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            switch name {
            case "cgroups/cpu": cgroupsCPU = true
            case "cgroups/mem": cgroupsMemory = true
            case "cgroups/all":
                cgroupsCPU = true
                cgroupsMemory = true
            case "namespaces/pid": pidNamespace = true
            case "filesystem/linux": filesystemLinux = true
            default:
                guard Self.accepted.contains(name) else {
                    throw AgentConfigurationError(
                        "Unknown or unsupported isolator '\(name)' in --isolation; supported: cgroups/cpu,"
                            + " cgroups/mem, namespaces/pid, filesystem/linux, "
                            + Self.accepted.sorted().joined(separator: ", "))
                }
            }
        }
        if pidNamespace && getuid() != 0 {
            throw AgentConfigurationError(
                "namespaces/pid needs root; run the agent as root or drop it from --isolation")
        }
    }

    /// Drops the limits of a controller that is not enabled: cgroups/cpu alone sets no
    /// memory limit, cgroups/mem alone no CPU quota.
    func effective(_ limits: ResourceLimits) -> ResourceLimits {
        var result = limits
        if !cgroupsMemory { result.memoryLimitMB = .infinity }
        if !cgroupsCPU { result.cpusLimit = .infinity }
        return result
    }

    /// What the cgroup isolator enforces for a container with these resources and limits.
    static func limits(resources: [Resource], limits: TaskLimits?) -> ResourceLimits {
        let requested = Resources(resources)
        return ResourceLimits(
            cpus: requested.cpus, memoryMB: requested.mem, cpusLimit: limits?.cpus, memoryLimitMB: limits?.mem)
    }
}

/// A setting the agent cannot start with; the message says what to change.
public struct AgentConfigurationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
