import Containerizer
import Foundation
import KubeTypes
import KubeletCore

/// The kubelet's resource statistics (`GET /stats/summary`): every running container's cgroup
/// (runc puts each under `mesokube-pods/<runtime id>` in every hierarchy) and the node's own
/// totals from /proc, with CPU rates kept by `CPUUsageRates`. `sample()` runs every
/// `interval` so a rate is ready before anyone asks.
actor ContainerStats {
    let layout: CgroupLayout?
    let cgroupParent: String
    var rates = CPUUsageRates()

    init(cgroupParent: String = ContainerRuntime.podCgroupParent) {
        layout = try? CgroupLayout.detect()
        self.cgroupParent = cgroupParent
    }

    /// The summary document for `pods` (their running containers), as of now.
    func summary(nodeName: String, pods: [PodUsageTargets]) -> JSON {
        let readings = pods.map { pod in
            PodUsageReading(
                name: pod.name, namespace: pod.namespace, uid: pod.uid,
                containers: pod.containers.compactMap { container in
                    read(container.runtimeID).map {
                        ContainerUsageReading(name: container.name, key: container.runtimeID, reading: $0)
                    }
                })
        }
        let now = Int64(Date().timeIntervalSince1970 * 1e9)
        return StatsSummary.build(
            nodeName: nodeName, node: Self.nodeReading(), pods: readings, rates: &rates, now: now)
    }

    /// The container's cgroup accounting, nil when it has no cgroup (yet, or any more).
    func read(_ runtimeID: String) -> UsageReading? {
        switch layout {
        case .v1(_, let cpuacct, let memory):
            let cpuDirectory = "\(cpuacct)/\(cgroupParent)/\(runtimeID)"
            let memoryDirectory = "\(memory)/\(cgroupParent)/\(runtimeID)"
            guard let cpu = Self.number(cpuDirectory + "/cpuacct.usage"),
                let usage = Self.number(memoryDirectory + "/memory.usage_in_bytes")
            else { return nil }
            let stat = Self.keyed(memoryDirectory + "/memory.stat")
            let inactive = stat["total_inactive_file"] ?? stat["inactive_file"] ?? 0
            return UsageReading(
                cpuNanoseconds: cpu, memoryUsageBytes: usage,
                workingSetBytes: UsageReading.workingSet(usage: usage, inactiveFile: inactive))
        case .v2(let root):
            let directory = "\(root)/\(cgroupParent)/\(runtimeID)"
            guard let micros = Self.keyed(directory + "/cpu.stat")["usage_usec"] else { return nil }
            let usage = Self.number(directory + "/memory.current") ?? 0
            let inactive = Self.keyed(directory + "/memory.stat")["inactive_file"] ?? 0
            return UsageReading(
                cpuNanoseconds: micros * 1000, memoryUsageBytes: usage,
                workingSetBytes: UsageReading.workingSet(usage: usage, inactiveFile: inactive))
        case nil:
            return nil
        }
    }

    /// The machine's totals: busy CPU time from /proc/stat, memory in use from /proc/meminfo
    /// (total less available as the working set, total less free as the usage).
    static func nodeReading() -> UsageReading {
        let stat = (try? String(contentsOfFile: "/proc/stat", encoding: .utf8)) ?? ""
        let fields =
            stat.split(separator: "\n").first?.split(separator: " ").dropFirst().compactMap { UInt64($0) } ?? []
        // user nice system idle iowait irq softirq steal: all but idle and iowait are busy time.
        let busyTicks = fields.enumerated().filter { $0.offset < 8 && $0.offset != 3 && $0.offset != 4 }
            .reduce(UInt64(0)) { $0 + $1.element }
        let ticksPerSecond = UInt64(max(sysconf(Int32(_SC_CLK_TCK)), 1))
        let memory = keyed("/proc/meminfo")
        let total = (memory["MemTotal"] ?? 0) * 1024
        let available = (memory["MemAvailable"] ?? 0) * 1024
        let free = (memory["MemFree"] ?? 0) * 1024
        return UsageReading(
            cpuNanoseconds: busyTicks * (1_000_000_000 / ticksPerSecond),
            memoryUsageBytes: total > free ? total - free : 0,
            workingSetBytes: total > available ? total - available : 0)
    }

    static func number(_ path: String) -> UInt64? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap {
            UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// "key value" lines (memory.stat, cpu.stat) and "Key: value kB" lines (meminfo).
    static func keyed(_ path: String) -> [String: UInt64] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        var values: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == ":" })
            guard parts.count >= 2, let value = UInt64(parts[1]) else { continue }
            values[String(parts[0])] = value
        }
        return values
    }
}

/// A pod's running containers, for the statistics.
struct PodUsageTargets: Sendable {
    var name: String
    var namespace: String
    var uid: String
    var containers: [(name: String, runtimeID: String)]
}

extension PodWorker {
    var usageTargets: PodUsageTargets {
        PodUsageTargets(
            name: pod.name, namespace: pod.namespace, uid: pod.uid,
            containers: containers.values.sorted { $0.name < $1.name }.map { ($0.name, $0.runtimeID) })
    }
}
