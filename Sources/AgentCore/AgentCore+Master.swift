import MesosModel

extension AgentCore {
    /// The longest wait, in seconds, before the next registration attempt after `failures` failed
    /// ones; the shell waits a random time in [0.1 s, this] (jitter, so a cluster does not
    /// reconnect in step). A master that was just lost is most likely restarting under its
    /// supervisor, or being replaced by an election: the first attempts come briskly (≤ 0.5 s), so
    /// a cluster re-registers within a moment of the master's return. A master that stays away is
    /// then asked less and less often (2ⁿ s, capped at 10 s, as Mesos' agents back off). With
    /// several masters the brisk round lasts twice as long (about 3 s, an election's TTL) and the
    /// backoff stops at 4 s, since a new leader is expected soon; it used to stay brisk for good,
    /// and 10,000 agents asking a new leader that was still recovering its registry every 0.3 s
    /// (127,088 attempts in a minute) took the CPU it needed to finish.
    public static func registrationBackoffCeiling(failures: Int, severalMasters: Bool) -> Double {
        let briskAttempts = severalMasters ? 10 : 5
        if failures <= briskAttempts { return 0.5 }
        // 2, 4, 8, then 10 (4 with several masters): the shift stops before it could overflow.
        return min(Double(1 << min(failures - briskAttempts, 4)), severalMasters ? 4 : 10)
    }

    /// The REGISTER call sent whenever a master stream opens; it carries everything the
    /// agent runs so a restarted master can rebuild its view.
    public func registration() -> AgentCall {
        var call = AgentCall(type: .register, agentID: agentID)
        var tasks: [AgentTaskReport] = []
        var reportedExecutors: [AgentExecutorReport] = []
        for executor in executors.values.sorted(by: { $0.key < $1.key }) where executor.phase != .terminated {
            reportedExecutors.append(
                AgentExecutorReport(
                    frameworkID: executor.key.frameworkID, executor: executor.info,
                    isCommandExecutor: executor.isCommandExecutor))
            for task in (executor.tasks.values.map { $0 } + executor.queuedTasks).sorted(by: { $0.taskID < $1.taskID })
            {
                let key = TaskKey(executor.key.frameworkID, task.taskID)
                let stream = streams[key]
                // The newest state, so the master charges only live tasks; the unacknowledged
                // head travels in `statuses` so it knows what the framework was last told.
                let state = stream?.latestState ?? executor.taskStates[task.taskID] ?? .staging
                tasks.append(
                    AgentTaskReport(
                        frameworkID: executor.key.frameworkID,
                        executorID: executor.isCommandExecutor ? nil : executor.key.executorID, task: task,
                        state: state, statusUUID: stream?.pending.first?.uuid,
                        statuses: stream.map { Array($0.pending.prefix(1)) }))
            }
        }
        // Tasks whose executor is gone but whose terminal update is not yet acknowledged.
        for stream in streams.values.sorted(by: { $0.key < $1.key })
        where !tasks.contains(where: { $0.frameworkID == stream.key.frameworkID && $0.task.taskID == stream.key.taskID }
        ) {
            guard let head = stream.pending.first, let task = completedTask(stream.key) else { continue }
            tasks.append(
                AgentTaskReport(
                    frameworkID: stream.key.frameworkID, executorID: head.executorID, task: task,
                    state: stream.latestState, statusUUID: head.uuid, statuses: [head]))
        }
        call.register = AgentRegistration(
            agentInfo: agentInfo, endpoint: config.endpoint, version: mesosAPIVersion, tasks: tasks,
            executors: reportedExecutors,
            frameworks: frameworks.values.sorted(by: { ($0.id?.value ?? "") < ($1.id?.value ?? "") }))
        return call
    }

    /// A task that ended: in a retired executor, or among a live executor's completed tasks.
    func completedTask(_ key: TaskKey) -> TaskInfo? {
        for executor in completedExecutors.reversed() where executor.key.frameworkID == key.frameworkID {
            if let task = executor.tasks[key.taskID] ?? executor.completedTask(key.taskID) { return task }
        }
        for executor in executors.values where executor.key.frameworkID == key.frameworkID {
            if let task = executor.completedTask(key.taskID) { return task }
        }
        return nil
    }

    /// REGISTERED: remember the id and resend the head of every status stream.
    public mutating func registered(_ event: AgentEvent.Registered, now: Double) -> [AgentAction] {
        let changed = agentID != event.agentID
        agentID = event.agentID
        masterInfo = event.masterInfo
        registered = true
        var actions: [AgentAction] = changed ? [.checkpoint] : []
        for key in streams.keys.sorted() {
            actions += sendHead(key, now: now)
        }
        return actions
    }

    /// The master stream broke; updates wait until the next registration.
    public mutating func masterDisconnected() {
        registered = false
    }

    /// Every event arriving on the master stream.
    public mutating func handleMasterEvent(_ event: AgentEvent, now: Double) -> [AgentAction] {
        switch event.type {
        case .registered:
            guard let registered = event.registered else { return [] }
            return self.registered(registered, now: now)
        case .runTask, .runTaskGroup:
            guard let run = event.runTask else { return [] }
            return runTask(run, now: now)
        case .killTask:
            guard let kill = event.killTask else { return [] }
            return killTask(kill, now: now)
        case .shutdownFramework:
            guard let ref = event.executor else { return [] }
            return shutdownFramework(ref.frameworkID, now: now)
        case .shutdownExecutor:
            guard let ref = event.executor, let executorID = ref.executorID else { return [] }
            return shutdownExecutor(ExecutorKey(ref.frameworkID, executorID), now: now)
        case .acknowledge:
            guard let ack = event.acknowledge else { return [] }
            return acknowledge(TaskKey(ack.frameworkID, ack.taskID), uuid: ack.uuid, now: now)
        case .frameworkMessage:
            guard let message = event.frameworkMessage else { return [] }
            let key = ExecutorKey(message.frameworkID, message.executorID)
            guard let executor = executors[key], executor.phase == .running, !executor.isCommandExecutor else {
                return []
            }
            return [.sendToExecutor(key, .message(data: message.data))]
        case .updateFramework:
            guard let info = event.frameworkInfo, let id = info.id else { return [] }
            frameworks[id] = info
            return [.checkpoint]
        case .heartbeat:
            return []
        case .ping:
            // Only a registered agent answers: the PONG rides on the session it was granted.
            guard registered, let agentID else { return [] }
            return [.sendToMaster(AgentCall(type: .pong, agentID: agentID))]
        }
    }
}
