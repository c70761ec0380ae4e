import MesosModel

/// Errors answered to executor calls, in the executor API's convention.
public struct ExecutorCallError: Error, Hashable, Sendable {
    public var status: Int
    public var message: String
    public init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }
}

extension AgentCore {
    /// SUBSCRIBE from an executor process. Returns the SUBSCRIBED event plus queued tasks.
    public mutating func executorSubscribed(
        _ call: ExecutorCall, now: Double
    ) -> Result<[AgentAction], ExecutorCallError> {
        let key = ExecutorKey(call.frameworkID, call.executorID)
        guard var executor = executors[key], !executor.isCommandExecutor else {
            return .failure(ExecutorCallError(400, "Executor \(key) is unknown to this agent"))
        }
        guard executor.phase == .registering || executor.phase == .running else {
            return .failure(ExecutorCallError(400, "Executor \(key) is terminating"))
        }
        guard let framework = frameworks[call.frameworkID], let agentID else {
            return .failure(ExecutorCallError(400, "Framework \(call.frameworkID) is unknown to this agent"))
        }
        var actions: [AgentAction] = []
        var info = executor.info
        info.frameworkID = call.frameworkID
        var agent = agentInfo
        agent.id = agentID
        actions.append(
            .sendToExecutor(
                key,
                .subscribed(
                    executorInfo: info, frameworkInfo: framework, agentInfo: agent,
                    containerID: executor.containerID)))
        // A reconnecting executor tells us which tasks it already has; do not launch those twice.
        let known = Set((call.subscribe?.unacknowledgedTasks ?? []).map(\.taskID))
        for task in executor.queuedTasks where !known.contains(task.taskID) {
            executor.tasks[task.taskID] = task
            actions.append(.sendToExecutor(key, .launch(task)))
        }
        for task in executor.queuedTasks where known.contains(task.taskID) {
            executor.tasks[task.taskID] = task
        }
        executor.queuedTasks = []
        executor.phase = .running
        executors[key] = executor
        for update in call.subscribe?.unacknowledgedUpdates ?? [] where update.status.uuid != nil {
            let taskKey = TaskKey(call.frameworkID, update.status.taskID)
            if !(streams[taskKey]?.pending.contains(where: { $0.uuid == update.status.uuid }) ?? false) {
                actions += enqueue(update.status, key: taskKey, now: now)
            }
        }
        return .success(actions)
    }

    /// UPDATE from an executor: validated, queued on the task's stream, acknowledged to the executor.
    public mutating func executorUpdate(_ call: ExecutorCall, now: Double) -> Result<[AgentAction], ExecutorCallError> {
        let key = ExecutorKey(call.frameworkID, call.executorID)
        guard var status = call.update?.status else {
            return .failure(ExecutorCallError(400, "Expecting 'update' to be present"))
        }
        guard let uuid = status.uuid, StatusUUID.isValid(uuid) else {
            return .failure(ExecutorCallError(400, "'update.status.uuid' must be the base64 of 16 bytes"))
        }
        if status.state == .staging {
            return .failure(ExecutorCallError(400, "Executors must not send TASK_STAGING"))
        }
        if let source = status.source, source != .executor {
            return .failure(ExecutorCallError(400, "'update.status.source' must be SOURCE_EXECUTOR"))
        }
        if let executorID = status.executorID, executorID != call.executorID {
            return .failure(ExecutorCallError(400, "'update.status.executor_id' does not match the caller"))
        }
        guard var executor = executors[key], executor.phase == .running || executor.phase == .terminating else {
            return .failure(ExecutorCallError(403, "Executor \(key) is not subscribed"))
        }
        guard executor.tasks[status.taskID] != nil else {
            return .failure(ExecutorCallError(400, "Task \(status.taskID) is unknown to executor \(key.executorID)"))
        }
        status.source = .executor
        status.executorID = call.executorID
        status.agentID = agentID
        if status.timestamp == nil { status.timestamp = now }
        let ended = status.state.isTerminal && executor.taskStates[status.taskID]?.isTerminal != true
        executor.taskStates[status.taskID] = status.state
        if status.state.isTerminal { executor.killing.remove(status.taskID) }
        executors[key] = executor
        var actions = enqueue(status, key: TaskKey(call.frameworkID, status.taskID), now: now)
        actions.append(.sendToExecutor(key, .acknowledged(taskID: status.taskID, uuid: uuid)))
        if ended { actions += resizeContainer(key) }
        return .success(actions)
    }

    /// The executor's container resized to what it now holds; nothing for the command
    /// executor (its container is its one task) or an executor already shutting down.
    func resizeContainer(_ key: ExecutorKey) -> [AgentAction] {
        guard let executor = executors[key], !executor.isCommandExecutor,
            executor.phase == .registering || executor.phase == .running
        else { return [] }
        return [.updateContainer(key, executor.containerID, resources: executor.containerResources)]
    }

    /// MESSAGE from an executor to its framework.
    public func executorMessage(_ call: ExecutorCall) -> Result<[AgentAction], ExecutorCallError> {
        guard let data = call.message?.data else {
            return .failure(ExecutorCallError(400, "Expecting 'message' to be present"))
        }
        guard executors[ExecutorKey(call.frameworkID, call.executorID)]?.phase == .running else {
            return .failure(ExecutorCallError(403, "Executor is not subscribed"))
        }
        var out = AgentCall(type: .executorMessage, agentID: agentID)
        out.executorMessage = .init(frameworkID: call.frameworkID, executorID: call.executorID, data: data)
        return .success([.sendToMaster(out)])
    }

    /// The executor's subscription stream closed. Executors that do not come back within
    /// the registration timeout are destroyed by `tick`.
    public mutating func executorDisconnected(_ key: ExecutorKey, now: Double) -> [AgentAction] {
        guard var executor = executors[key], executor.phase == .running else { return [] }
        executor.phase = .registering
        executor.launchedAt = now
        executors[key] = executor
        return []
    }

    /// The container's process exited. Non-terminal tasks get their final state here.
    public mutating func containerExited(
        _ key: ExecutorKey, containerID: ContainerID, exitCode: Int32?, signal: Int32?, message: String, now: Double
    ) -> [AgentAction] {
        guard let executor = executors[key], executor.containerID == containerID else { return [] }
        var actions: [AgentAction] = []
        for taskID in (executor.tasks.keys.map { $0 } + executor.queuedTasks.map(\.taskID)).sorted()
        where !(executor.taskStates[taskID]?.isTerminal ?? false) {
            let taskKey = TaskKey(key.frameworkID, taskID)
            let killed = executor.killing.contains(taskID) || executor.phase == .terminating
            if let limitation = executor.limitation {
                actions += statusUpdate(
                    key: taskKey, executorID: key.executorID, state: .failed, message: limitation.message,
                    source: .agent, reason: limitation.reason, now: now)
                continue
            }
            if executor.killedByHealthCheck.contains(taskID) {
                actions += healthCheckKillUpdate(taskKey, executorID: key.executorID, exitMessage: message, now: now)
                continue
            }
            let state: TaskState
            let reason: String?
            if executor.isCommandExecutor {
                state = killed ? .killed : (exitCode == 0 ? .finished : .failed)
                reason = state == .failed ? TaskStatusReason.commandExecutorFailed : nil
            } else {
                state = killed ? .killed : .failed
                reason = TaskStatusReason.executorTerminated
            }
            let text = executor.isCommandExecutor ? message : "Executor terminated: \(message)"
            actions += statusUpdate(
                key: taskKey, executorID: key.executorID, state: state, message: text,
                source: executor.isCommandExecutor ? .executor : .agent, reason: reason, now: now)
        }
        if !executor.isCommandExecutor {
            var exited = AgentCall(type: .executorExited, agentID: agentID)
            exited.executorExited = .init(
                frameworkID: key.frameworkID, executorID: key.executorID,
                status: exitCode ?? signal.map { 128 + $0 })
            actions.append(.sendToMaster(exited))
            actions.append(.closeExecutorStream(key))
        }
        actions += retireExecutor(key, exitStatus: exitCode)
        return actions
    }

    mutating func retireExecutor(_ key: ExecutorKey, exitStatus: Int32?) -> [AgentAction] {
        guard var executor = executors.removeValue(forKey: key) else { return [] }
        executor.phase = .terminated
        executor.exitStatus = exitStatus
        completedExecutors.append(executor)
        let excess = completedExecutors.count - config.maxCompletedExecutorsPerFramework * max(frameworks.count, 1)
        if excess > 0 { completedExecutors.removeFirst(excess) }
        return [.checkpoint]
    }
}
