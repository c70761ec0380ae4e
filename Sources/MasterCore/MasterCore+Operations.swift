import MesosModel

extension MasterCore {
    /// LAUNCH_GROUP: all tasks go to one executor atomically, or none do.
    mutating func applyLaunchGroup(_ group: OfferOperation.LaunchGroup?, plan: inout AcceptPlan) {
        guard let group, let framework = frameworks[plan.frameworkID] else { return }
        let stream = framework.streamID
        var executor = group.executor
        executor.frameworkID = plan.frameworkID
        func failAll(_ message: String) {
            counters.tasksInvalid += group.taskGroup.tasks.count
            for task in group.taskGroup.tasks {
                plan.actions += taskError(
                    task, message: message, streamID: stream, agentID: plan.agentID, now: plan.now)
            }
        }
        if group.taskGroup.tasks.isEmpty { return failAll("Task group is empty") }
        if let type = executor.type, type != "DEFAULT" && type != "CUSTOM" {
            return failAll("ExecutorInfo.type must be DEFAULT or CUSTOM")
        }
        if executor.type == "DEFAULT" {
            return failAll(
                "The DEFAULT executor is not supported yet; use a CUSTOM executor (see docs/mesos-compat.md)")
        }
        if let error = validateExecutor(executor, framework: framework, plan: plan) { return failAll(error) }
        var needed = Resources()
        var seen = Set<TaskID>()
        for task in group.taskGroup.tasks {
            if task.executor != nil { return failAll("Tasks in a task group must not set 'executor'") }
            var asCommand = task
            if asCommand.command == nil { asCommand.command = CommandInfo(value: "") }
            if seen.contains(task.taskID) { return failAll("Task group has duplicate task ID: \(task.taskID)") }
            seen.insert(task.taskID)
            switch validateTask(asCommand, framework: framework, plan: plan) {
            case .failure(let invalid): return failAll(invalid.message)
            case .success(let resources): needed += resources
            }
        }
        let newExecutor = framework.executors[plan.agentID]?[executor.executorID] == nil
        if newExecutor { needed += Resources(executor.resources ?? []).allocated(to: plan.role) }
        guard plan.available.contains(needed) else {
            return failAll("Task group uses more resources \(needed.summary) than available \(plan.available.summary)")
        }
        plan.available -= needed
        executor.resources = executor.resources.map { injectAllocation($0, role: plan.role) }
        var launchedTasks: [TaskInfo] = []
        for var task in group.taskGroup.tasks {
            task.resources = injectAllocation(task.resources ?? [], role: plan.role)
            task.executor = executor
            plan.launchedIDs.insert(task.taskID)
            recordLaunch(task, executorToStart: newExecutor && launchedTasks.isEmpty ? executor : nil, plan: &plan)
            plan.actions.append(.observed(.taskAdded(plan.frameworkID, task.taskID)))
            task.executor = nil
            launchedTasks.append(task)
        }
        guard let session = agents[plan.agentID]?.sessionID, let info = frameworks[plan.frameworkID]?.info else {
            return
        }
        plan.actions.append(
            .sendToAgent(
                sessionID: session,
                .runTask(
                    .init(
                        frameworkInfo: info, task: nil, executor: executor,
                        taskGroup: TaskGroupInfo(tasks: launchedTasks)))))
    }

    /// RESERVE from an offer: unreserved resources of the offer become reserved for its role.
    mutating func applyReserve(_ raw: [Resource], plan: inout AcceptPlan) {
        let stream = frameworks[plan.frameworkID]?.streamID
        guard let framework = frameworks[plan.frameworkID] else { return }
        if plan.role == "*" {
            plan.actions += operationError("Frameworks in role '*' cannot reserve resources", stream: stream)
            return
        }
        let reserved = Resources(injectAllocation(raw, role: plan.role))
        if let error = validateReservation(reserved, role: plan.role, principal: framework.info.principal) {
            plan.actions += operationError("Invalid RESERVE operation: \(error)", stream: stream)
            return
        }
        let source = reserved.poppingReservation()
        guard plan.available.contains(source) else {
            plan.actions += operationError(
                "Invalid RESERVE operation: \(source.summary) is not available in the offer", stream: stream)
            return
        }
        plan.available -= source
        plan.available += reserved
        allocator.transformAllocation(framework: plan.frameworkID, agent: plan.agentID, from: source, to: reserved)
        recordReservationChange(agentID: plan.agentID, add: reserved.withoutAllocationInfo(), remove: Resources())
        plan.actions.append(.persistRegistry)
    }

    /// UNRESERVE from an offer: dynamically reserved resources return to the unreserved pool.
    mutating func applyUnreserve(_ raw: [Resource], plan: inout AcceptPlan) {
        let stream = frameworks[plan.frameworkID]?.streamID
        let reserved = Resources(injectAllocation(raw, role: plan.role))
        let dynamic = reserved.list.allSatisfy { $0.reservations?.last?.type == .dynamic }
        guard dynamic, !reserved.isEmpty else {
            plan.actions += operationError(
                "Invalid UNRESERVE operation: only dynamically reserved resources can be unreserved", stream: stream)
            return
        }
        guard plan.available.contains(reserved) else {
            plan.actions += operationError(
                "Invalid UNRESERVE operation: \(reserved.summary) is not available in the offer", stream: stream)
            return
        }
        let unreserved = reserved.poppingReservation()
        plan.available -= reserved
        plan.available += unreserved
        allocator.transformAllocation(framework: plan.frameworkID, agent: plan.agentID, from: reserved, to: unreserved)
        recordReservationChange(agentID: plan.agentID, add: Resources(), remove: reserved.withoutAllocationInfo())
        plan.actions.append(.persistRegistry)
    }

    func validateReservation(_ reserved: Resources, role: String, principal: String?) -> String? {
        if reserved.isEmpty { return "no resources to reserve" }
        if let error = reserved.validationError() { return error }
        for resource in reserved.list {
            guard let top = resource.reservations?.last, top.type == .dynamic else {
                return "resource '\(resource.name)' carries no dynamic reservation"
            }
            if top.role != role {
                return "reservation role '\(top.role ?? "")' differs from the offer's role '\(role)'"
            }
            if let principal, let given = top.principal, given != principal {
                return "reservation principal '\(given)' differs from the framework's principal '\(principal)'"
            }
        }
        return nil
    }

    /// Invalid RESERVE/UNRESERVE operations are dropped, as Mesos drops them: without an
    /// operation id there is no status to report, and the resources come back in the next
    /// offer unchanged. The message is kept for `/metrics` and the log.
    mutating func operationError(_ message: String, stream: String?) -> [MasterAction] {
        _ = stream
        counters.invalidOperations += 1
        counters.lastInvalidOperation = message
        return []
    }

    /// Keeps the agent's total and the registry's reservation list in step.
    mutating func recordReservationChange(agentID: AgentID, add: Resources, remove: Resources) {
        var current = Resources(registry.reservations[agentID.value] ?? [])
        current += add
        current -= remove
        registry.reservations[agentID.value] = current.isEmpty ? nil : current.list
        if var agent = agents[agentID] {
            agent.totalResources = applyingReservations(agent.baseResources, reservations: current.list)
            agents[agentID] = agent
        }
    }
}
