import MesosModel

extension AgentCore {
    /// The shell's health checker saw the task's health change (or produced its first
    /// result): a TASK_RUNNING update carrying `healthy`, as Mesos' executors send.
    public mutating func healthChanged(_ key: TaskKey, healthy: Bool, now: Double) -> [AgentAction] {
        runningUpdate(key, reason: TaskStatusReason.healthCheckStatusUpdated, now: now) { $0.healthy = healthy }
    }

    /// A new `check_status` for a task with a `TaskInfo.check`.
    public mutating func checkStatusChanged(_ key: TaskKey, _ result: CheckStatusInfo, now: Double) -> [AgentAction] {
        runningUpdate(key, reason: TaskStatusReason.checkStatusUpdated, now: now) { $0.checkStatus = result }
    }

    /// A TASK_RUNNING update with `reason`, filled in by `fill`; nothing once the task is no
    /// longer running (a late probe result must not revive a finished task).
    mutating func runningUpdate(
        _ key: TaskKey, reason: String, now: Double, fill: (inout TaskStatus) -> Void
    ) -> [AgentAction] {
        guard let executorKey = executorKey(for: key), let executor = executors[executorKey],
            executor.taskStates[key.taskID] == .running
        else { return [] }
        var status = TaskStatus(
            taskID: key.taskID, state: .running, message: nil, source: .executor, reason: reason, agentID: agentID,
            executorID: executorKey.executorID, timestamp: now, uuid: newUUID())
        fill(&status)
        return enqueue(status, key: key, now: now)
    }

    /// The health check failed past its limit: kill the task with its kill policy; its
    /// terminal update is TASK_KILLED with `healthy: false`.
    public mutating func killForFailedHealthCheck(_ key: TaskKey, message: String, now: Double) -> [AgentAction] {
        guard let executorKey = executorKey(for: key), var executor = executors[executorKey],
            !(executor.taskStates[key.taskID]?.isTerminal ?? true)
        else { return [] }
        executor.killedByHealthCheck.insert(key.taskID)
        executor.killing.insert(key.taskID)
        executors[executorKey] = executor
        let grace = executor.tasks[key.taskID]?.killPolicy?.gracePeriod?.seconds ?? config.defaultKillGracePeriod
        return [.destroyContainer(executorKey, executor.containerID, gracePeriod: grace)]
    }

    mutating func healthCheckKillUpdate(
        _ key: TaskKey, executorID: ExecutorID, exitMessage: String, now: Double
    ) -> [AgentAction] {
        var status = TaskStatus(
            taskID: key.taskID, state: .killed, message: "Task killed after failing its health check (\(exitMessage))",
            source: .executor, reason: nil, agentID: agentID, executorID: executorID, timestamp: now,
            uuid: newUUID())
        status.healthy = false
        executors[ExecutorKey(key.frameworkID, executorID)]?.taskStates[key.taskID] = .killed
        return enqueue(status, key: key, now: now)
    }

    /// The containerizer found the container over a limit (memory): it is destroyed at once
    /// and its tasks fail with the limitation's reason and message.
    public mutating func containerLimited(
        _ key: ExecutorKey, containerID: ContainerID, limitation: ContainerLimitation
    ) -> [AgentAction] {
        guard var executor = executors[key], executor.containerID == containerID, executor.limitation == nil
        else { return [] }
        executor.limitation = limitation
        executors[key] = executor
        return [.destroyContainer(key, containerID, gracePeriod: 0)]
    }
}
