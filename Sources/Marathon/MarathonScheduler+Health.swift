import Containerizer
import Foundation
import MarathonCore
import MesosModel

/// Health and readiness checks (decisions in MarathonCore's `TaskHealth`): the framework probes
/// Marathon-level checks (HTTP, HTTPS, TCP) and readiness checks of running tasks on their host
/// every `intervalSeconds`; COMMAND and MESOS_* checks run on the agent and report through the
/// `healthy` field of status updates. Health lives in memory, as in Marathon: after a failover
/// the probes start over and Mesos-run checks come back with the reconciliation's statuses.
extension MarathonScheduler {
    /// A running task's probes start (once) when it reaches TASK_RUNNING.
    func startChecks(for task: TaskRecord) {
        guard probes[task.id] == nil, let app = apps[PathId(task.appId)] else { return }
        let marathonLevel = app.healthChecks.enumerated().filter { $0.element.protocol.isMarathonLevel }
        let readiness = app.readinessChecks.first
        guard !marathonLevel.isEmpty || readiness != nil else { return }
        let target = ProbeTarget(host: task.host, ports: task.ports, portNames: app.portNames)
        let id = task.id
        probes[id] = Task { [weak self] in
            await withTaskGroup(of: Void.self) { group in
                for (index, check) in marathonLevel {
                    group.addTask { await self?.probeLoop(id, index: index, check: check, target: target) }
                }
                if let readiness {
                    group.addTask { await self?.readinessLoop(id, check: readiness, target: target) }
                }
            }
        }
    }

    func stopChecks(for id: String) {
        probes.removeValue(forKey: id)?.cancel()
        health.removeValue(forKey: id)
    }

    /// Where a task's checks connect: its host and host ports.
    struct ProbeTarget: Sendable {
        var host: String
        var ports: [Int]
        var portNames: [String?]

        func port(of check: MarathonCore.HealthCheck) -> Int? {
            if let port = check.port { return port }
            let index = check.portIndex ?? 0
            return ports.indices.contains(index) ? ports[index] : nil
        }

        func port(named name: String) -> Int? {
            guard let index = portNames.firstIndex(of: name), ports.indices.contains(index) else { return nil }
            return ports[index]
        }
    }

    private nonisolated func probeLoop(
        _ id: String, index: Int, check: MarathonCore.HealthCheck, target: ProbeTarget
    ) async {
        let interval = Duration.milliseconds(Int64(max(check.intervalSeconds, 0.1) * 1000))
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            guard !Task.isCancelled else { return }
            let outcome = await Self.probe(check, target: target)
            await recordProbe(id, index: index, check: check, outcome: outcome)
        }
    }

    private static func probe(_ check: MarathonCore.HealthCheck, target: ProbeTarget) async -> HealthProbeOutcome {
        guard let port = target.port(of: check) else { return .unhealthy("the task has no port for this check") }
        let timeout = Duration.milliseconds(Int64(max(check.timeoutSeconds, 0.1) * 1000))
        let result: ProbeResult
        switch check.protocol {
        case .tcp: result = await HealthCheckProbes.tcp(host: target.host, port: port, timeout: timeout)
        default:
            result = await HealthCheckProbes.http(
                host: target.host, port: port, path: check.path ?? "/",
                scheme: check.protocol == .https ? "https" : "http", timeout: timeout)
        }
        switch result {
        case .http(let code): return .http(statusCode: code, ignoreHttp1xx: check.ignoreHttp1xx)
        case .tcpConnected: return .healthy
        case .timedOut: return .unhealthy("timed out after \(check.timeoutSeconds) seconds")
        case .failed(let cause): return .unhealthy(cause)
        case .command: return .unhealthy("unexpected probe result")
        }
    }

    func recordProbe(_ id: String, index: Int, check: MarathonCore.HealthCheck, outcome: HealthProbeOutcome) async {
        guard let task = tasks[id], !task.killing, let app = apps[PathId(task.appId)] else { return }
        var state = health[id] ?? TaskHealth(checkCount: app.healthChecks.count)
        let changes = state.record(outcome, check: check, index: index, startedAt: task.startedAt, now: Date())
        health[id] = state
        await apply(changes, to: task, check: check)
    }

    /// `healthy` on a status update of a task whose app has a Mesos-run check.
    func recordMesosHealth(_ status: TaskStatus, of task: TaskRecord) async {
        guard let healthy = status.healthy, let app = apps[PathId(task.appId)],
            let check = app.healthChecks.first(where: { !$0.protocol.isMarathonLevel })
        else { return }
        var state = health[task.id] ?? TaskHealth(checkCount: app.healthChecks.count)
        let changes = state.recordMesos(healthy: healthy, cause: status.message, now: Date())
        health[task.id] = state
        await apply(changes, to: task, check: check)
    }

    private func apply(_ changes: [HealthChange], to task: TaskRecord, check: MarathonCore.HealthCheck) async {
        let identity: [String: JSONValue] = [
            "appId": .string(task.appId), "taskId": .string(task.id), "instanceId": .string(task.id),
            "version": .string(Timestamp.format(task.version)),
        ]
        for change in changes {
            switch change {
            case .aliveChanged(let alive):
                publish("health_status_changed_event", identity.merging(["alive": .bool(alive)]) { _, new in new })
                let healthy = health[task.id]?.checks.allSatisfy(\.alive) ?? false
                publish(
                    "instance_health_changed_event",
                    [
                        "instanceId": .string(task.id), "runSpecId": .string(task.appId),
                        "runSpecVersion": .string(Timestamp.format(task.version)), "healthy": .bool(healthy),
                    ])
            case .failed:
                publish("failed_health_check_event", identity.merging(["healthCheck": check.json]) { _, new in new })
            case .kill(let reason):
                logger.info("Killing an unhealthy task", metadata: ["task": "\(task.id)", "reason": "\(reason)"])
                publish(
                    "unhealthy_instance_kill_event",
                    identity.merging([
                        "reason": .string(reason), "host": .string(task.host), "slaveId": .string(task.agentId),
                    ]) { _, new in new })
                metrics.unhealthyKills += 1
                killedForHealth.insert(task.id)
                await kill([task.id])
            }
        }
        if !changes.isEmpty { wake() }
    }

    private nonisolated func readinessLoop(_ id: String, check: ReadinessCheck, target: ProbeTarget) async {
        let interval = Duration.milliseconds(Int64(max(check.intervalSeconds, 0.1) * 1000))
        let timeout = Duration.milliseconds(Int64(max(check.timeoutSeconds, 0.1) * 1000))
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            guard !Task.isCancelled else { return }
            var outcome = ReadinessOutcome(ready: false)
            if let port = target.port(named: check.portName) {
                let result = await HealthCheckProbes.http(
                    host: target.host, port: port, path: check.path,
                    scheme: check.protocol == "HTTPS" ? "https" : "http", timeout: timeout)
                if case .http(let code) = result {
                    outcome.ready = check.httpStatusCodesForReady.contains(code)
                    if check.preserveLastResponse { outcome.lastResponse = .object(["status": .number(Double(code))]) }
                }
            }
            if await recordReadiness(id, outcome) { return }
        }
    }

    /// Returns true once the task is ready (its readiness probing ends).
    func recordReadiness(_ id: String, _ outcome: ReadinessOutcome) -> Bool {
        guard let task = tasks[id], let app = apps[PathId(task.appId)] else { return true }
        var state = health[id] ?? TaskHealth(checkCount: app.healthChecks.count)
        state.recordReadiness(outcome)
        health[id] = state
        if state.isReady { wake() }
        return state.isReady
    }

    /// Every check alive and ready (for apps with such checks); what deployments wait for.
    func passesChecks(_ task: TaskRecord, of app: AppDefinition?) -> Bool {
        guard let app, !app.healthChecks.isEmpty || !app.readinessChecks.isEmpty else { return true }
        let state = health[task.id] ?? TaskHealth(checkCount: app.healthChecks.count)
        return state.isHealthy(needsReadiness: !app.readinessChecks.isEmpty)
    }

    /// `tasksHealthy` (every check alive) and `tasksUnhealthy` (a check failed last) of running tasks.
    func healthCounts(_ live: [TaskRecord], of app: AppDefinition) -> (healthy: Int, unhealthy: Int) {
        guard !app.healthChecks.isEmpty else { return (0, 0) }
        let checks = live.filter(\.isRunning).compactMap { health[$0.id]?.checks }
        let healthy = checks.filter { $0.allSatisfy(\.alive) }.count
        let unhealthy = checks.filter { $0.contains { $0.lastFailure != nil && !$0.alive } }.count
        return (healthy, unhealthy)
    }

    func healthResultsJSON(_ task: TaskRecord) -> [JSONValue] {
        health[task.id]?.resultsJSON(instanceId: task.id) ?? []
    }

    /// `readinessCheckResults` of the tasks of `id` that are not ready yet or have a result.
    func readinessJSON(of id: PathId) -> [JSONValue] {
        guard let check = apps[id]?.readinessChecks.first else { return [] }
        return liveTasks(of: id).filter(\.isRunning).map { task in
            (health[task.id] ?? TaskHealth(checkCount: 0)).readinessJSON(name: check.name, taskId: task.id)
        }
    }
}
