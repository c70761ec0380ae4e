import AgentCore
import Foundation
import MesosModel

extension AgentServer {
    /// `/state` in the Mesos agent's shape.
    func stateJSON() -> JSONValue {
        let total = Resources(core.config.resources)
        var object: [String: JSONValue] = [
            "version": .string(mesosAPIVersion),
            "build_user": .string("mesokube"),
            "start_time": .number(startTime),
            "id": .string(core.agentID?.value ?? ""),
            "pid": .string("slave(1)@\(core.config.endpoint)"),
            "hostname": .string(core.config.hostname),
            "resources": .object(total.legacyJSON),
            "unreserved_resources": .object(total.unreserved.legacyJSON),
            "reserved_resources": .object(total.reservationsByRole.mapValues { .object($0.legacyJSON) }),
            "attributes": .object(legacyAttributesJSON(core.config.attributes)),
            "master_hostname": .string(core.masterInfo?.hostname ?? ""),
            "flags": .object(options.flags.mapValues(JSONValue.string)),
        ]
        var byFramework: [FrameworkID: [JSONValue]] = [:]
        var completedByFramework: [FrameworkID: [JSONValue]] = [:]
        for executor in core.executors.values.sorted(by: { $0.key < $1.key }) {
            byFramework[executor.key.frameworkID, default: []].append(executorJSON(executor))
        }
        for executor in core.completedExecutors {
            completedByFramework[executor.key.frameworkID, default: []].append(executorJSON(executor))
        }
        let ids = Set(byFramework.keys).union(completedByFramework.keys).union(core.frameworks.keys)
        object["frameworks"] = .array(
            ids.sorted().filter { byFramework[$0] != nil || core.frameworks[$0] != nil }.map { id in
                let info = core.frameworks[id]
                return .object([
                    "id": .string(id.value),
                    "name": .string(info?.name ?? ""),
                    "user": .string(info?.user ?? ""),
                    "failover_timeout": .number(info?.failoverTimeout ?? 0),
                    "checkpoint": .bool(info?.checkpoint ?? false),
                    "hostname": .string(info?.hostname ?? ""),
                    "role": .string(info?.effectiveRoles.first ?? "*"),
                    "executors": .array(byFramework[id] ?? []),
                    "completed_executors": .array(completedByFramework[id] ?? []),
                ])
            })
        object["completed_frameworks"] = .array([])
        return .object(object)
    }

    func executorJSON(_ executor: ExecutorState) -> JSONValue {
        let directory = sandboxDirectory(executor.key, executor.containerID)
        var live: [JSONValue] = []
        var completed: [JSONValue] = []
        for task in executor.tasks.values.sorted(by: { $0.taskID < $1.taskID }) {
            let state = executor.taskStates[task.taskID] ?? .staging
            let json = taskJSON(task, executor: executor, state: state)
            if state.isTerminal { completed.append(json) } else { live.append(json) }
        }
        completed = executor.completedTasks.map { taskJSON($0.task, executor: executor, state: $0.state) } + completed
        var resources = Resources(executor.info.resources ?? [])
        for task in executor.tasks.values { resources += Resources(task.resources ?? []) }
        return .object([
            "id": .string(executor.key.executorID.value),
            "name": .string(executor.info.name ?? ""),
            "source": .string(executor.info.source ?? ""),
            "container": .string(executor.containerID.value),
            "directory": .string(directory),
            "resources": .object(resources.legacyJSON),
            "type": .string(executor.isCommandExecutor ? "COMMAND" : "CUSTOM"),
            "tasks": .array(live),
            "queued_tasks": .array(executor.queuedTasks.map { taskJSON($0, executor: executor, state: .staging) }),
            "completed_tasks": .array(completed),
        ])
    }

    func taskJSON(_ task: TaskInfo, executor: ExecutorState, state: TaskState) -> JSONValue {
        .object([
            "id": .string(task.taskID.value),
            "name": .string(task.name),
            "framework_id": .string(executor.key.frameworkID.value),
            "executor_id": .string(executor.isCommandExecutor ? "" : executor.key.executorID.value),
            "slave_id": .string(core.agentID?.value ?? ""),
            "state": .string(state.rawValue),
            "resources": .object(Resources(task.resources ?? []).legacyJSON),
        ])
    }

    /// `/monitor/statistics`: per-container usage, from the container's cgroups when it has
    /// them (the whole tree of processes), else from its task's `/proc` entries.
    func statisticsJSON() -> JSONValue {
        var list: [JSONValue] = []
        for (containerID, container) in containers.sorted(by: { $0.key < $1.key }) {
            guard let executor = core.executors[container.key] else { continue }
            var stats: [String: JSONValue] = ["timestamp": .number(Date().timeIntervalSince1970)]
            if container.cgroups, let usage = try? cgroups?.usage(containerID: containerID.value) {
                stats["cpus_user_time_secs"] = .number(usage.cpuUserSeconds)
                stats["cpus_system_time_secs"] = .number(usage.cpuSystemSeconds)
                stats["mem_rss_bytes"] = .number(Double(usage.memoryRSSBytes))
                if let total = usage.memoryTotalBytes { stats["mem_total_bytes"] = .number(Double(total)) }
                if let limit = usage.cpusLimit { stats["cpus_quota"] = .number(limit) }
                if let limit = usage.memoryLimitBytes { stats["mem_limit_bytes"] = .number(Double(limit)) }
            } else {
                stats.merge(Self.processStatistics(pid: container.record.taskPID)) { $1 }
            }
            var resources = Resources(executor.info.resources ?? [])
            for task in executor.tasks.values { resources += Resources(task.resources ?? []) }
            stats["cpus_limit"] = .number(resources.cpus)
            if stats["mem_limit_bytes"] == nil { stats["mem_limit_bytes"] = .number(resources.mem * 1024 * 1024) }
            list.append(
                .object([
                    "executor_id": .string(container.key.executorID.value),
                    "executor_name": .string(executor.info.name ?? ""),
                    "framework_id": .string(container.key.frameworkID.value),
                    "container_id": .string(containerID.value),
                    "source": .string(executor.info.source ?? ""),
                    "statistics": .object(stats),
                ]))
        }
        return .array(list)
    }

    /// cpu times and rss of one process, for containers without cgroups.
    static func processStatistics(pid: Int32) -> [String: JSONValue] {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let page = Double(sysconf(Int32(_SC_PAGESIZE)))
        var stats: [String: JSONValue] = [:]
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        {
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) {
                stats["cpus_user_time_secs"] = .number(user / ticks)
                stats["cpus_system_time_secs"] = .number(system / ticks)
            }
        }
        if let statm = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8) {
            let fields = statm.split(separator: " ")
            if fields.count > 1, let rss = Double(fields[1]) { stats["mem_rss_bytes"] = .number(rss * page) }
        }
        return stats
    }
}
