import AgentCore
import Containerizer
import Foundation
import MesosModel

/// The health checker and general checker of one command task.
struct TaskCheckers {
    var health: HealthCheckRunner?
    var check: CheckRunner?
}

extension AgentServer {
    /// Starts `TaskInfo.health_check` and `TaskInfo.check` for a command task, as Mesos'
    /// command executor does. Custom executors run their tasks' checks themselves.
    func startHealthChecks(_ key: ExecutorKey, plan: LaunchPlan, container: Container) {
        guard let task = plan.task else { return }
        let taskKey = TaskKey(key.frameworkID, task.taskID)
        let context = probeContext(plan: plan, container: container)
        var checkers = TaskCheckers()
        if let definition = task.healthCheck?.definition, let probe = CheckProbe(definition, context: context) {
            checkers.health = HealthCheckRunner(
                policy: HealthCheckPolicy(definition), probe: probe,
                onStatus: { [weak self] healthy in await self?.taskHealthChanged(taskKey, healthy: healthy) },
                onKill: { [weak self] message in await self?.taskFailedHealthCheck(taskKey, message: message) })
        }
        if let definition = task.check?.definition, let probe = CheckProbe(definition, context: context) {
            checkers.check = CheckRunner(
                check: definition, probe: probe,
                onStatus: { [weak self] status in await self?.taskCheckChanged(taskKey, status) })
        }
        guard checkers.health != nil || checkers.check != nil else { return }
        checkersByContainer[container.containerID] = checkers
        Task {
            await checkers.health?.start()
            await checkers.check?.start()
        }
    }

    /// Where probes run: COMMAND probes with the task's environment in its sandbox; HTTP
    /// and TCP probes against the host's loopback, as tasks share the host network.
    func probeContext(plan: LaunchPlan, container: Container) -> ProbeContext {
        var environment = plan.environment
        environment["PATH"] = environment["PATH"] ?? ProcessLauncher.defaultSearchPath
        environment["MESOS_SANDBOX"] = container.directory
        return ProbeContext(sandbox: container.directory, environment: environment)
    }

    func stopHealthChecks(_ containerID: ContainerID) {
        guard let checkers = checkersByContainer.removeValue(forKey: containerID) else { return }
        Task {
            await checkers.health?.stop()
            await checkers.check?.stop()
        }
    }

    func taskHealthChanged(_ key: TaskKey, healthy: Bool) async {
        await perform(core.healthChanged(key, healthy: healthy, now: Date().timeIntervalSince1970))
    }

    func taskFailedHealthCheck(_ key: TaskKey, message: String) async {
        logger.info("task \(key.taskID) of framework \(key.frameworkID) failed its health check: \(message)")
        await perform(core.killForFailedHealthCheck(key, message: message, now: Date().timeIntervalSince1970))
    }

    func taskCheckChanged(_ key: TaskKey, _ status: CheckStatusInfo) async {
        await perform(core.checkStatusChanged(key, status, now: Date().timeIntervalSince1970))
    }
}
