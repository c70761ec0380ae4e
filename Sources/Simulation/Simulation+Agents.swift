import AgentCore
import MasterCore
import MesosModel

/// The agent shell and containerizer, simulated (mirrors `AgentServer.perform`).
extension SimulationRun {
    func isPartitioned(_ index: Int) -> Bool {
        guard let until = agents[index].partitionedUntil else { return false }
        return now < until
    }

    /// Feeds one input to an agent core, checks its status streams, then performs its actions.
    func agentInput(_ index: Int, _ input: (inout AgentCore) -> [AgentAction]) {
        let actions = input(&agents[index].core)
        refreshPendingUpdates(index)
        scheduleAgentTimer(index)
        performAgent(index, actions)
    }

    /// The shell ticks every 0.5 s; with only command tasks the core's timers are the status
    /// retries, so ticking exactly when the earliest retry is due is equivalent and far cheaper.
    func scheduleAgentTimer(_ index: Int) {
        let due = agents[index].core.streams.values.compactMap(\.nextRetry).min()
        guard let due, due < (agents[index].timerAt ?? .infinity) else { return }
        agents[index].timerAt = due
        queue.push(.agentTick(index), at: max(due, now))
    }

    func agentTick(_ index: Int) {
        if let at = agents[index].timerAt, at <= now { agents[index].timerAt = nil }
        agentInput(index) { $0.tick(now: now) }
    }

    func agentConnect(_ index: Int) {
        guard agents[index].link == .idle else { return }
        agents[index].attempt += 1
        let attempt = agents[index].attempt
        agents[index].link = .connecting(attempt: attempt)
        let call = agents[index].core.registration()
        log("\(agents[index].name) registers (attempt \(attempt), \(call.register?.tasks.count ?? 0) tasks)")
        schedule(.agentRegisterArrives(index, call, attempt: attempt), after: networkDelay())
    }

    func agentRegisterFailed(_ index: Int, _ attempt: Int) {
        guard agents[index].link == .connecting(attempt: attempt) else { return }
        agents[index].link = .idle
        agents[index].failures += 1
        scheduleAgentReconnect(index)
    }

    /// Mesos-style backoff: random in [0.1 s, 2ⁿ s], capped at 10 s.
    func scheduleAgentReconnect(_ index: Int) {
        let cap = min(Double(1 << min(agents[index].failures, 4)), 10)
        schedule(.agentConnect(index), after: rng.uniform(0.1, max(cap, 0.2)))
    }

    func agentReceives(_ index: Int, stream: String, _ payload: StreamPayload) {
        guard agents[index].link == .linked(stream: stream) else { return }
        switch payload {
        case .opened:
            agents[index].session = stream
        case .agent(let event):
            log("\(agents[index].name) <- \(describe(event))")
            if event.type == .registered { agents[index].failures = 0 }
            if event.type == .shutdownFramework, let frameworkID = event.executor?.frameworkID {
                // The master removed the framework: the agent may drop its pending updates.
                removedFrameworks.insert(frameworkID)
            }
            agentInput(index) { $0.handleMasterEvent(event, now: now) }
        case .closed:
            agentLostLink(index, stream: stream)
        case .scheduler:
            violation("network", "scheduler event on an agent stream")
        }
    }

    func agentLostLink(_ index: Int, stream: String) {
        guard agents[index].link == .linked(stream: stream) else { return }
        log("\(agents[index].name) lost master stream \(stream)")
        agents[index].link = .idle
        agents[index].session = nil
        agents[index].core.masterDisconnected()
        scheduleAgentReconnect(index)
    }

    func performAgent(_ index: Int, _ actions: [AgentAction]) {
        for action in actions {
            switch action {
            case .launchContainer(let key, let containerID, let plan):
                launchContainer(index, key, containerID, plan)
                if config.sabotage == .containersStartTwice {
                    launchContainer(index, key, ContainerID(containerID.value + "-again"), plan)
                }
            case .destroyContainer(_, let containerID, let grace):
                destroyContainer(index, containerID, grace: grace)
            case .sendToExecutor, .closeExecutorStream, .updateContainer:
                violation("executor", "\(agents[index].name) addressed an executor, but only command tasks run")
            case .sendToMaster(let call):
                sendToMaster(index, call)
            case .checkpoint:
                break
            }
        }
    }

    /// One-shot POST on the current session; sometimes lost on the way (a fault).
    func sendToMaster(_ index: Int, _ call: AgentCall) {
        guard let session = agents[index].session else {
            log("\(agents[index].name) cannot send \(describe(call)): no session")
            return
        }
        if !quiescing && rng.chance(config.faults.agentCallDropProbability) {
            stats.droppedAgentCalls += 1
            log("\(agents[index].name) -> master LOST: \(describe(call))")
            return
        }
        schedule(.agentCallArrives(index, session: session, call), after: networkDelay())
    }

    // MARK: Containers

    func launchContainer(_ index: Int, _ key: ExecutorKey, _ containerID: ContainerID, _ plan: LaunchPlan) {
        guard let taskID = plan.taskID else {
            violation("executor", "custom executor \(key) launched, but only command tasks run")
            return
        }
        let taskKey = TaskKey(key.frameworkID, taskID)
        if let other = liveContainerByTask[taskKey] {
            violation("task-runs-twice", "\(taskID) launched on \(agents[index].name) while \(other) still runs")
        } else if everLaunched.contains(taskKey) {
            violation("task-runs-twice", "\(taskID) launched a second time on \(agents[index].name)")
        }
        if let fw = frameworkIndexByID[key.frameworkID], frameworks[fw].tasks[taskID]?.invalid == true {
            violation("invalid-task-launched", "\(taskID) should have been refused by the master")
        }
        everLaunched.insert(taskKey)
        stats.tasksLaunched += 1
        let info = agents[index].core.executors[key]?.tasks[taskID]
        let resources = Resources(info?.resources ?? []).withoutAllocationInfo()
        containers[containerID] = SimContainer(agent: index, key: key, taskKey: taskKey, resources: resources)
        liveContainerByTask[taskKey] = containerID
        checkAgentCapacity(index)
        if rng.chance(0.02) {
            log("\(agents[index].name) container for \(taskID) fails to launch")
            removeContainer(containerID)
            agentInput(index) { $0.containerLaunchFailed(key, message: "simulated launch failure", now: now) }
            return
        }
        log("\(agents[index].name) container \(containerID.value.prefix(8)) runs \(taskID)")
        schedule(.containerStarted(index, containerID), after: rng.uniform(0.01, 0.3))
        if !rng.chance(0.1) {
            let code: Int32 = rng.chance(0.8) ? 0 : Int32(rng.int(1...3))
            let at = now + rng.uniform(config.taskDuration.lowerBound, config.taskDuration.upperBound)
            containers[containerID]?.exitScheduled = at
            queue.push(.containerExited(index, containerID, exitCode: code, signal: nil), at: at)
        }
    }

    func containerStarted(_ index: Int, _ containerID: ContainerID) {
        guard let container = containers[containerID] else { return }
        agentInput(index) { $0.containerStarted(container.key, now: now) }
    }

    /// SIGTERM, then SIGKILL when the grace period ends; most processes exit on SIGTERM.
    func destroyContainer(_ index: Int, _ containerID: ContainerID, grace: Double) {
        guard let container = containers[containerID] else { return }
        let onTerm = rng.chance(0.7)
        let delay = grace <= 0 ? 0.001 : (onTerm ? rng.uniform(0.001, min(grace, 2)) : grace)
        let at = now + delay
        if let scheduled = container.exitScheduled, scheduled <= at { return }
        containers[containerID]?.exitScheduled = at
        let signal: Int32 = onTerm && grace > 0 ? 15 : 9
        queue.push(.containerExited(index, containerID, exitCode: nil, signal: signal), at: at)
    }

    func containerExited(_ index: Int, _ containerID: ContainerID, exitCode: Int32?, signal: Int32?) {
        guard let container = containers[containerID] else { return }
        removeContainer(containerID)
        let message =
            exitCode.map { "Command exited with status \($0)" } ?? "Command terminated with signal \(signal ?? 0)"
        log("\(agents[index].name) container of \(container.taskKey.taskID): \(message)")
        agentInput(index) {
            $0.containerExited(
                container.key, containerID: containerID, exitCode: exitCode, signal: signal, message: message, now: now)
        }
    }

    func removeContainer(_ containerID: ContainerID) {
        guard let container = containers.removeValue(forKey: containerID) else { return }
        if liveContainerByTask[container.taskKey] == containerID { liveContainerByTask[container.taskKey] = nil }
    }

    // MARK: Faults

    func faultAgentDisconnect(_ index: Int) {
        guard !quiescing, let mean = config.faults.agentDisconnectMeanInterval else { return }
        schedule(.faultAgentDisconnect(index), after: rng.exponential(mean: mean))
        stats.agentDisconnects += 1
        if rng.chance(config.faults.agentLongPartitionProbability) {
            let until = now + config.agentReregisterTimeout + rng.uniform(2, 15)
            agents[index].partitionedUntil = until
            log("FAULT \(agents[index].name) partitioned for \(formatTime(until - now)) s")
            queue.push(.partitionHeals(index), at: until)
        } else {
            agents[index].partitionedUntil = now + rng.uniform(0, 2)
            log("FAULT \(agents[index].name) stream breaks")
        }
        if case .linked(let stream) = agents[index].link { breakStream(stream) }
    }

    func partitionHeals(_ index: Int) {
        guard agents[index].partitionedUntil != nil, !isPartitioned(index) || quiescing else { return }
        agents[index].partitionedUntil = nil
        log("\(agents[index].name) partition heals")
    }
}
