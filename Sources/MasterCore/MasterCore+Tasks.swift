import MesosModel

extension MasterCore {
    /// A status update forwarded by an agent (uuid set by the executor or agent).
    public mutating func statusUpdate(
        _ update: AgentCall.StatusUpdate, from agentID: AgentID, now: Double
    ) -> [MasterAction] {
        counters.statusUpdates += 1
        var status = update.status
        status.agentID = agentID
        if status.timestamp == nil { status.timestamp = now }
        guard var framework = frameworks.removeValue(forKey: update.frameworkID) else {
            // The framework is gone: acknowledge on its behalf so the agent's stream drains.
            guard let uuid = status.uuid, let session = agents[agentID]?.sessionID else { return [] }
            return [
                .sendToAgent(
                    sessionID: session,
                    .acknowledge(.init(frameworkID: update.frameworkID, taskID: status.taskID, uuid: uuid)))
            ]
        }
        // Taken out and put back, so its task table changes in place (see FrameworkRecord).
        defer { frameworks[update.frameworkID] = framework }
        var actions: [MasterAction] = []
        if update.latestStateOnly == true {
            return refreshLatestState(update, framework: &framework, now: now)
        }
        if framework.tasks[status.taskID] == nil, let uuid = status.uuid,
            framework.completedTasks.contains(where: { done in
                done.id == status.taskID && done.statuses.contains { $0.uuid == uuid }
            })
        {
            // A late retry of an update the master already handled for a task that has since
            // completed: the framework must not see the task regress. Updates the master has
            // not seen are forwarded even for completed tasks, as Mesos does.
            return []
        }
        if var task = framework.tasks[status.taskID] {
            if status.executorID == nil { status.executorID = task.executorID ?? ExecutorID(task.id.value) }
            let seen = status.uuid != nil && task.statuses.contains { $0.uuid == status.uuid }
            if seen && status.uuid != task.pendingUUID {
                // A stale retry (HTTP calls can overtake each other): keep the newer state.
                return refreshLatestState(update, framework: &framework, now: now)
            }
            if !seen {
                task.state = status.state
                task.pendingUUID = status.uuid
                task.statuses.append(status)
                if task.statuses.count > 32 { task.statuses.removeFirst() }
            }
            task.latestState = Self.newer(task.latestState, update.latestState ?? status.state)
            if task.latestState.isTerminal && !task.resourcesRecovered {
                allocator.recoverResources(
                    framework: framework.id, agent: task.agentID, resources: task.resources, refuseSeconds: nil,
                    now: now)
                task.resourcesRecovered = true
                actions.append(.requestAllocation)
            }
            framework.tasks[status.taskID] = task
            if status.uuid == nil && task.state.isTerminal {
                completeTask(status.taskID, in: &framework)
            }
        }
        actions.append(.observed(.taskUpdated(framework.id, status)))
        if let stream = framework.streamID {
            actions.append(.sendToFramework(streamID: stream, .update(status)))
        }
        return actions
    }

    /// The agent learned a newer state while an earlier update awaits acknowledgement:
    /// free the resources if the task is done, but do not resend the update. The caller puts
    /// `framework` back in the table.
    mutating func refreshLatestState(
        _ update: AgentCall.StatusUpdate, framework: inout FrameworkRecord, now: Double
    ) -> [MasterAction] {
        guard var task = framework.tasks[update.status.taskID], let reported = update.latestState else { return [] }
        let latest = Self.newer(task.latestState, reported)
        task.latestState = latest
        var actions: [MasterAction] = []
        if latest.isTerminal && !task.resourcesRecovered {
            allocator.recoverResources(
                framework: framework.id, agent: task.agentID, resources: task.resources, refuseSeconds: nil, now: now)
            task.resourcesRecovered = true
            actions.append(.requestAllocation)
        }
        framework.tasks[task.id] = task
        return actions
    }

    /// Latest states only move forward: a message that was overtaken cannot bring a
    /// finished task back to life.
    static func newer(_ current: TaskState, _ reported: TaskState) -> TaskState {
        current.isTerminal && !reported.isTerminal ? current : reported
    }

    /// Moves a task whose terminal update was acknowledged to the completed list.
    func completeTask(_ taskID: TaskID, in framework: inout FrameworkRecord) {
        guard let task = framework.tasks.removeValue(forKey: taskID) else { return }
        framework.completedTasks.append(task)
        trimCompletedTasks(&framework)
    }

    /// ACKNOWLEDGE: the framework has processed an update; pass it to the agent so it
    /// sends the next one.
    public mutating func acknowledge(
        _ call: SchedulerCall, frameworkID: FrameworkID
    ) -> Result<[MasterAction], MasterCallError> {
        guard let ack = call.acknowledge else { return .failure(.badRequest("Expecting 'acknowledge' to be present")) }
        guard StatusUUID.isValid(ack.uuid) else {
            counters.invalidStatusUpdateAcknowledgements += 1
            return .failure(.badRequest("'acknowledge.uuid' must be the base64 of 16 bytes"))
        }
        if let task = frameworks[frameworkID]?.tasks[ack.taskID], task.agentID == ack.agentID {
            counters.validStatusUpdateAcknowledgements += 1
            if task.pendingUUID == ack.uuid, var framework = frameworks.removeValue(forKey: frameworkID) {
                // Taken out and put back, so its task table changes in place (see FrameworkRecord).
                framework.tasks[ack.taskID]?.pendingUUID = nil
                if task.state.isTerminal { completeTask(ack.taskID, in: &framework) }
                frameworks[frameworkID] = framework
            }
        } else {
            counters.invalidStatusUpdateAcknowledgements += 1
        }
        // Forwarded even when the master no longer tracks the task (it may have completed
        // it already): only the agent knows which update it is waiting on, as in Mesos.
        guard let session = agents[ack.agentID]?.sessionID else { return .success([]) }
        return .success([
            .sendToAgent(
                sessionID: session, .acknowledge(.init(frameworkID: frameworkID, taskID: ack.taskID, uuid: ack.uuid)))
        ])
    }

    /// KILL: known tasks are killed on their agent; unknown ones are answered by reconciliation.
    public mutating func kill(
        _ call: SchedulerCall, frameworkID: FrameworkID, now: Double
    ) -> Result<[MasterAction], MasterCallError> {
        guard let kill = call.kill else { return .failure(.badRequest("Expecting 'kill' to be present")) }
        guard let framework = frameworks[frameworkID] else {
            return .failure(.forbidden("Framework is not subscribed"))
        }
        guard let task = framework.tasks[kill.taskID] else {
            let probe = SchedulerCall.Reconcile.Task(taskID: kill.taskID, agentID: kill.agentID)
            return .success(reconcileExplicit([probe], framework: framework, now: now))
        }
        guard let session = agents[task.agentID]?.sessionID else { return .success([]) }
        let policy = kill.killPolicy ?? task.info.killPolicy
        return .success([
            .sendToAgent(
                sessionID: session, .kill(.init(frameworkID: frameworkID, taskID: kill.taskID, killPolicy: policy)))
        ])
    }

    /// RECONCILE: explicit for the listed tasks, implicit (every known task) for an empty list.
    public mutating func reconcile(
        _ call: SchedulerCall, frameworkID: FrameworkID, now: Double
    ) -> Result<[MasterAction], MasterCallError> {
        guard let framework = frameworks[frameworkID] else {
            return .failure(.forbidden("Framework is not subscribed"))
        }
        let tasks = call.reconcile?.tasks ?? []
        if tasks.isEmpty { return .success(reconcileImplicit(framework, now: now)) }
        return .success(reconcileExplicit(tasks, framework: framework, now: now))
    }

    func reconciliationStatus(_ task: TaskRecord, now: Double) -> TaskStatus {
        var status = TaskStatus(
            taskID: task.id, state: task.state, message: "Reconciliation: Latest task state", source: .master,
            reason: TaskStatusReason.reconciliation, agentID: task.agentID,
            executorID: task.executorID, timestamp: now)
        if let last = task.statuses.last {
            status.healthy = last.healthy
            status.labels = last.labels
            status.containerStatus = last.containerStatus
            status.data = last.data
        }
        return status
    }

    func reconcileImplicit(_ framework: FrameworkRecord, now: Double) -> [MasterAction] {
        guard let stream = framework.streamID else { return [] }
        return framework.tasks.values.sorted(by: { $0.id < $1.id }).map {
            .sendToFramework(streamID: stream, .update(reconciliationStatus($0, now: now)))
        }
    }

    /// Unknown tasks: no answer while their agent may still re-register (after a master
    /// restart); TASK_UNREACHABLE (TASK_LOST for frameworks that are not partition-aware)
    /// when the agent is unreachable, as Mesos answers from its unreachable list; otherwise
    /// TASK_LOST, or for partition-aware frameworks TASK_GONE when the agent is registered
    /// and TASK_UNKNOWN when it is not.
    func reconcileExplicit(
        _ tasks: [SchedulerCall.Reconcile.Task], framework: FrameworkRecord, now: Double
    ) -> [MasterAction] {
        guard let stream = framework.streamID else { return [] }
        var actions: [MasterAction] = []
        for probe in tasks {
            if let task = framework.tasks[probe.taskID] {
                actions.append(.sendToFramework(streamID: stream, .update(reconciliationStatus(task, now: now))))
                continue
            }
            if let agentID = probe.agentID, let agent = agents[agentID], agent.recovered || !agent.connected,
                !agent.removed
            {
                continue
            }
            if probe.agentID == nil && agents.values.contains(where: { $0.recovered && !$0.removed }) {
                continue
            }
            if let agentID = probe.agentID, let gone = registry.unreachable[agentID.value] {
                var status = TaskStatus(
                    taskID: probe.taskID, state: framework.info.isPartitionAware ? .unreachable : .lost,
                    message: "Reconciliation: Task is unreachable", source: .master,
                    reason: TaskStatusReason.reconciliation, agentID: agentID, timestamp: now)
                status.unreachableTime = timeInfo(gone.time)
                actions.append(.sendToFramework(streamID: stream, .update(status)))
                continue
            }
            let agentKnown = probe.agentID.flatMap { agents[$0] }.map { $0.connected } ?? false
            let state: TaskState =
                framework.info.isPartitionAware ? (agentKnown ? .gone : .unknown) : .lost
            let status = TaskStatus(
                taskID: probe.taskID, state: state, message: "Reconciliation: Task is unknown", source: .master,
                reason: TaskStatusReason.reconciliation, agentID: probe.agentID, timestamp: now)
            actions.append(.sendToFramework(streamID: stream, .update(status)))
        }
        return actions
    }

    /// SHUTDOWN: stop one executor (its tasks are reported by the agent).
    public func shutdownExecutor(
        _ call: SchedulerCall, frameworkID: FrameworkID
    ) -> Result<[MasterAction], MasterCallError> {
        guard let shutdown = call.shutdown else { return .failure(.badRequest("Expecting 'shutdown' to be present")) }
        guard let session = agents[shutdown.agentID]?.sessionID else { return .success([]) }
        return .success([.sendToAgent(sessionID: session, .shutdownExecutor(frameworkID, shutdown.executorID))])
    }

    /// MESSAGE: framework → executor, best effort.
    public func frameworkMessage(
        _ call: SchedulerCall, frameworkID: FrameworkID
    ) -> Result<[MasterAction], MasterCallError> {
        guard let message = call.message else { return .failure(.badRequest("Expecting 'message' to be present")) }
        guard Base64.decode(message.data) != nil else {
            return .failure(.badRequest("'message.data' must be base64"))
        }
        guard let session = agents[message.agentID]?.sessionID else { return .success([]) }
        return .success([
            .sendToAgent(
                sessionID: session,
                .frameworkMessage(.init(frameworkID: frameworkID, executorID: message.executorID, data: message.data)))
        ])
    }

    /// An executor → framework message relayed by the agent.
    public func executorMessage(_ message: AgentCall.ExecutorMessage, from agentID: AgentID) -> [MasterAction] {
        guard let stream = frameworks[message.frameworkID]?.streamID else { return [] }
        return [
            .sendToFramework(
                streamID: stream, .message(agentID: agentID, executorID: message.executorID, data: message.data))
        ]
    }

    /// A custom executor exited: free its resources and tell the framework.
    public mutating func executorExited(
        _ exited: AgentCall.ExecutorExited, from agentID: AgentID, now: Double
    ) -> [MasterAction] {
        guard var framework = frameworks.removeValue(forKey: exited.frameworkID) else { return [] }
        // Taken out and put back, so its executor table changes in place (see FrameworkRecord).
        defer { frameworks[exited.frameworkID] = framework }
        var actions: [MasterAction] = []
        if let executor = framework.executors[agentID]?.removeValue(forKey: exited.executorID) {
            if framework.executors[agentID]?.isEmpty == true { framework.executors[agentID] = nil }
            let resources = Resources(executor.resources ?? [])
            if !resources.isEmpty {
                allocator.recoverResources(
                    framework: framework.id, agent: agentID, resources: resources, refuseSeconds: nil, now: now)
                actions.append(.requestAllocation)
            }
        }
        if let stream = framework.streamID {
            actions.append(
                .sendToFramework(
                    streamID: stream, .failure(agentID: agentID, executorID: exited.executorID, status: exited.status)))
        }
        return actions
    }
}
