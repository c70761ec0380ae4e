import MesosModel

extension AgentCore {
    /// RUN_TASK / RUN_TASK_GROUP from the master.
    public mutating func runTask(_ run: AgentEvent.RunTask, now: Double) -> [AgentAction] {
        guard let frameworkID = run.frameworkInfo.id else { return [] }
        frameworks[frameworkID] = run.frameworkInfo
        var actions: [AgentAction] = [.checkpoint]
        if let group = run.taskGroup, let executor = run.executor {
            for task in group.tasks {
                actions += deliver(task, executor: executor, frameworkID: frameworkID, now: now)
            }
        } else if let task = run.task {
            if let executor = task.executor {
                actions += deliver(task, executor: executor, frameworkID: frameworkID, now: now)
            } else {
                actions += launchCommandTask(task, frameworkID: frameworkID, now: now)
            }
        }
        return actions
    }

    /// A command task runs under the built-in command executor: one container, executor id = task id.
    mutating func launchCommandTask(_ task: TaskInfo, frameworkID: FrameworkID, now: Double) -> [AgentAction] {
        let executorID = ExecutorID(task.taskID.value)
        let key = ExecutorKey(frameworkID, executorID)
        guard let command = task.command else { return [] }
        if let existing = executors[key], existing.phase != .terminated {
            return statusUpdate(
                key: TaskKey(frameworkID, task.taskID), executorID: executorID, state: .failed,
                message: "An executor with id '\(executorID)' is already running", source: .agent,
                reason: TaskStatusReason.containerLaunchFailed, now: now)
        }
        let preview = String((command.value ?? "").prefix(12))
        var info = ExecutorInfo(executorID: executorID, frameworkID: frameworkID, command: command, resources: [])
        info.name = "Command Executor (Task: \(task.taskID)) (Command: sh -c '\(preview)...')"
        info.labels = task.labels
        info.discovery = task.discovery
        let containerID = newContainerID()
        var state = ExecutorState(
            key: key, info: info, containerID: containerID, isCommandExecutor: true, phase: .running,
            launchedAt: now)
        state.tasks[task.taskID] = task
        state.taskStates[task.taskID] = .staging
        executors[key] = state
        var plan = LaunchPlan(
            command: command,
            environment: Self.portEnvironment(task.resources ?? []).merging(environment(command.environment)) { $1 },
            frameworkUser: frameworks[frameworkID]?.user ?? "", taskID: task.taskID)
        plan.resources = task.resources ?? []
        plan.task = task
        let taskKey = TaskKey(frameworkID, task.taskID)
        var actions: [AgentAction] = [.launchContainer(key, containerID, plan)]
        actions += statusUpdate(
            key: taskKey, executorID: executorID, state: .starting, message: nil,
            source: .executor, reason: nil, now: now)
        return actions
    }

    /// The shell started the command task's process: it is running.
    public mutating func containerStarted(_ key: ExecutorKey, now: Double) -> [AgentAction] {
        guard let executor = executors[key], executor.isCommandExecutor,
            let taskID = executor.tasks.keys.first
        else { return [] }
        return statusUpdate(
            key: TaskKey(key.frameworkID, taskID), executorID: key.executorID, state: .running,
            message: nil, source: .executor, reason: nil, now: now)
    }

    /// The container could not be started at all.
    public mutating func containerLaunchFailed(_ key: ExecutorKey, message: String, now: Double) -> [AgentAction] {
        guard var executor = executors[key] else { return [] }
        executor.phase = .terminated
        executors[key] = executor
        var actions: [AgentAction] = []
        for taskID in (executor.tasks.keys.map { $0 } + executor.queuedTasks.map(\.taskID)).sorted() {
            actions += statusUpdate(
                key: TaskKey(key.frameworkID, taskID), executorID: key.executorID, state: .failed,
                message: "Failed to launch container: \(message)", source: .agent,
                reason: TaskStatusReason.containerLaunchFailed, now: now)
        }
        actions += retireExecutor(key, exitStatus: nil)
        return actions
    }

    /// A task for a custom executor: queue it until the executor subscribes, starting the executor if needed.
    mutating func deliver(
        _ task: TaskInfo, executor info: ExecutorInfo, frameworkID: FrameworkID, now: Double
    )
        -> [AgentAction]
    {
        let key = ExecutorKey(frameworkID, info.executorID)
        var actions: [AgentAction] = []
        let launching = executors[key] == nil || executors[key]?.phase == .terminated
        if launching {
            guard let command = info.command else { return [] }
            let containerID = newContainerID()
            executors[key] = ExecutorState(
                key: key, info: info, containerID: containerID, isCommandExecutor: false, phase: .registering,
                launchedAt: now)
            var plan = LaunchPlan(
                command: command,
                environment: Self.portEnvironment(info.resources ?? []).merging(environment(command.environment)) {
                    $1
                },
                frameworkUser: frameworks[frameworkID]?.user ?? "", taskID: nil)
            plan.resources = (info.resources ?? []) + (task.resources ?? [])
            plan.executor = info
            actions.append(.launchContainer(key, containerID, plan))
        }
        guard var executor = executors[key] else { return actions }
        switch executor.phase {
        case .registering:
            executor.queuedTasks.append(task)
            executor.taskStates[task.taskID] = .staging
        case .running:
            executor.tasks[task.taskID] = task
            executor.taskStates[task.taskID] = .staging
            actions.append(.sendToExecutor(key, .launch(task)))
        case .terminating, .terminated:
            executors[key] = executor
            return actions
                + statusUpdate(
                    key: TaskKey(frameworkID, task.taskID), executorID: key.executorID,
                    state: .lost, message: "Executor is terminating", source: .agent,
                    reason: TaskStatusReason.executorTerminated, now: now)
        }
        executors[key] = executor
        // A new container was sized for this task at launch; a running one grows to take it.
        return launching ? actions : actions + resizeContainer(key)
    }

    /// `PORT0`…`PORTn` and `PORTS` (comma-separated) for the ports a task or executor was
    /// given, lowest first, so programs can bind what they were offered. Variables the
    /// framework sets itself take precedence.
    public static func portEnvironment(_ resources: [Resource]) -> [String: String] {
        let ports = Resources(resources).ranges("ports").flatMap { Array($0) }
        guard !ports.isEmpty else { return [:] }
        var env: [String: String] = ["PORTS": ports.map(String.init).joined(separator: ",")]
        for (index, port) in ports.enumerated() { env["PORT\(index)"] = String(port) }
        return env
    }

    func environment(_ env: Environment?) -> [String: String] {
        var result: [String: String] = [:]
        for variable in env?.variables ?? [] {
            result[variable.name] = variable.value ?? ""
        }
        return result
    }

    /// KILL_TASK from the master.
    public mutating func killTask(_ kill: AgentEvent.KillTask, now: Double) -> [AgentAction] {
        let taskKey = TaskKey(kill.frameworkID, kill.taskID)
        guard let key = executorKey(for: taskKey), var executor = executors[key] else {
            // Already ended (its terminal update may still await acknowledgement): nothing to kill.
            if streams[taskKey] != nil || completedTask(taskKey) != nil { return [] }
            // Unknown here: report it lost so the framework learns the truth.
            return statusUpdate(
                key: taskKey, executorID: nil, state: .lost,
                message: "Cannot kill a task unknown to the agent", source: .agent,
                reason: TaskStatusReason.taskUnknown, now: now)
        }
        if let index = executor.queuedTasks.firstIndex(where: { $0.taskID == kill.taskID }) {
            let task = executor.queuedTasks.remove(at: index)
            executor.tasks[task.taskID] = task
            executors[key] = executor
            var actions = statusUpdate(
                key: taskKey, executorID: key.executorID, state: .killed,
                message: "Killed before delivery to the executor", source: .agent,
                reason: TaskStatusReason.taskKilledDuringLaunch, now: now)
            actions += resizeContainer(key)
            if executor.queuedTasks.isEmpty && executor.tasks.values.allSatisfy({ isTerminal(key, $0.taskID) }) {
                actions += shutdownExecutor(key, now: now)
            }
            return actions
        }
        if executor.taskStates[kill.taskID]?.isTerminal == true { return [] }
        executor.killing.insert(kill.taskID)
        executors[key] = executor
        if executor.isCommandExecutor {
            let grace =
                kill.killPolicy?.gracePeriod?.seconds
                ?? executor.tasks[kill.taskID]?.killPolicy?.gracePeriod?.seconds ?? config.defaultKillGracePeriod
            var actions: [AgentAction] = []
            if frameworks[key.frameworkID]?.hasTaskKillingState == true {
                actions += statusUpdate(
                    key: taskKey, executorID: key.executorID, state: .killing, message: nil,
                    source: .executor, reason: nil, now: now)
            }
            return actions + [.destroyContainer(key, executor.containerID, gracePeriod: max(grace, 0))]
        }
        return [.sendToExecutor(key, .kill(taskID: kill.taskID, killPolicy: kill.killPolicy))]
    }

    func isTerminal(_ key: ExecutorKey, _ taskID: TaskID) -> Bool {
        executors[key]?.taskStates[taskID]?.isTerminal ?? true
    }

    func executorKey(for task: TaskKey) -> ExecutorKey? {
        executors.values.first { executor in
            executor.key.frameworkID == task.frameworkID && executor.phase != .terminated
                && (executor.tasks[task.taskID] != nil || executor.queuedTasks.contains { $0.taskID == task.taskID })
        }?.key
    }

    /// SHUTDOWN_EXECUTOR: ask the executor to stop; destroy it when the grace period ends.
    public mutating func shutdownExecutor(_ key: ExecutorKey, now: Double) -> [AgentAction] {
        guard var executor = executors[key], executor.phase != .terminated, executor.phase != .terminating else {
            return []
        }
        let grace = executor.info.shutdownGracePeriod?.seconds ?? config.executorShutdownGracePeriod
        executor.phase = .terminating
        executor.shutdownDeadline = now + grace
        executors[key] = executor
        if executor.isCommandExecutor {
            for taskID in executor.tasks.keys { executors[key]?.killing.insert(taskID) }
            return [.destroyContainer(key, executor.containerID, gracePeriod: grace)]
        }
        return [.sendToExecutor(key, .shutdown), .closeExecutorStream(key)]
    }

    /// The agent is going away for good (`mesokube dev` stopping): every executor is asked to
    /// shut down, with its own grace period, as SHUTDOWN_EXECUTOR would. The agent's ticker still
    /// destroys the ones that outlive it.
    public mutating func shutdownAllExecutors(now: Double) -> [AgentAction] {
        var actions: [AgentAction] = []
        for key in executors.keys.sorted() { actions += shutdownExecutor(key, now: now) }
        return actions
    }

    /// True once every executor's container has ended.
    public var allExecutorsTerminated: Bool { executors.values.allSatisfy { $0.phase == .terminated } }

    /// SHUTDOWN_FRAMEWORK: the master has removed the framework. Its executors are stopped and
    /// its pending status updates dropped (Mesos' status-update manager cleans them up too):
    /// nobody is left to acknowledge them.
    public mutating func shutdownFramework(_ frameworkID: FrameworkID, now: Double) -> [AgentAction] {
        var actions: [AgentAction] = [.checkpoint]
        for key in streams.keys where key.frameworkID == frameworkID {
            streams[key] = nil
        }
        for key in executors.keys.sorted() where key.frameworkID == frameworkID {
            actions += shutdownExecutor(key, now: now)
        }
        return actions
    }
}
