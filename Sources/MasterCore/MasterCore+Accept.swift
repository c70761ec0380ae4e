import MesosModel

extension MasterCore {
    /// Operation types ACCEPT can carry today; others are refused with 400 rather than ignored.
    static let supportedOperations: Set<String> = ["LAUNCH", "LAUNCH_GROUP", "RESERVE", "UNRESERVE"]

    /// ACCEPT: validate the offers, apply operations in order, decline what is left over.
    public mutating func accept(
        _ call: SchedulerCall, frameworkID: FrameworkID, now: Double
    ) -> Result<[MasterAction], MasterCallError> {
        guard let accept = call.accept else { return .failure(.badRequest("Expecting 'accept' to be present")) }
        for operation in accept.operations where !Self.supportedOperations.contains(operation.type) {
            return .failure(
                .badRequest("Offer operation '\(operation.type)' is not supported (see docs/mesos-compat.md)"))
        }
        guard let framework = frameworks[frameworkID] else {
            return .failure(.forbidden("Framework is not subscribed"))
        }
        if let invalid = invalidOffersReason(accept.offerIDs, frameworkID: frameworkID) {
            return .success(rejectAccept(accept, framework: framework, reason: invalid, now: now))
        }
        let held = accept.offerIDs.compactMap { offers[$0] }
        let agentID = held[0].agentID
        let role = held[0].role
        var available = Resources()
        for offer in held {
            available += offer.resources
            offers[offer.id] = nil
            frameworks[frameworkID]?.offerIDs.remove(offer.id)
        }
        var plan = AcceptPlan(frameworkID: frameworkID, agentID: agentID, role: role, available: available, now: now)
        for operation in accept.operations {
            switch operation.type {
            case "LAUNCH": applyLaunch(operation.launch?.taskInfos ?? [], plan: &plan)
            case "LAUNCH_GROUP": applyLaunchGroup(operation.launchGroup, plan: &plan)
            case "RESERVE": applyReserve(operation.reserve?.resources ?? [], plan: &plan)
            case "UNRESERVE": applyUnreserve(operation.unreserve?.resources ?? [], plan: &plan)
            default: break
            }
        }
        let refuse = accept.filters?.effectiveRefuseSeconds ?? 5
        if !plan.available.isEmpty {
            allocator.recoverResources(
                framework: frameworkID, agent: agentID, resources: plan.available, refuseSeconds: refuse, now: now)
        }
        return .success(plan.actions)
    }

    /// Resources and actions threaded through the operations of one ACCEPT.
    struct AcceptPlan {
        var frameworkID: FrameworkID
        var agentID: AgentID
        var role: String
        var available: Resources
        var now: Double
        var actions: [MasterAction] = []
        var launchedIDs: Set<TaskID> = []
    }

    /// Mesos' offer checks: every offer exists, is this framework's, and all are on one
    /// agent for one allocation role.
    func invalidOffersReason(_ ids: [OfferID], frameworkID: FrameworkID) -> String? {
        if ids.isEmpty { return "No offers specified" }
        if Set(ids).count != ids.count { return "Duplicate offers specified" }
        var agent: AgentID?
        var role: String?
        for id in ids {
            guard let offer = offers[id] else { return "Offer \(id) is no longer valid" }
            if offer.frameworkID != frameworkID { return "Offer \(id) belongs to another framework" }
            if let agent, agent != offer.agentID { return "Aggregated offers must belong to one agent" }
            if let role, role != offer.role { return "Aggregated offers must be allocated to the same role" }
            agent = offer.agentID
            role = offer.role
        }
        return nil
    }

    /// Invalid offers: every task in the call is lost (dropped for partition-aware
    /// frameworks) and any still-valid offers go back to the pool.
    mutating func rejectAccept(
        _ accept: SchedulerCall.Accept, framework: FrameworkRecord, reason: String, now: Double
    ) -> [MasterAction] {
        var actions: [MasterAction] = []
        for id in accept.offerIDs where offers[id]?.frameworkID == framework.id {
            actions += removeOffer(id, rescind: false, refuseSeconds: nil, now: now)
        }
        guard let stream = framework.streamID else { return actions }
        let state: TaskState = framework.info.isPartitionAware ? .dropped : .lost
        var tasks: [TaskInfo] = []
        for operation in accept.operations {
            tasks += operation.launch?.taskInfos ?? []
            tasks += operation.launchGroup?.taskGroup.tasks ?? []
        }
        for task in tasks {
            let status = TaskStatus(
                taskID: task.taskID, state: state, message: "Task launched with invalid offers: \(reason)",
                source: .master, reason: TaskStatusReason.invalidOffers, agentID: task.agentID, timestamp: now)
            actions.append(.sendToFramework(streamID: stream, .update(status)))
        }
        return actions
    }

    /// Master-generated TASK_ERROR (no uuid, never retried).
    func taskError(
        _ task: TaskInfo, message: String, streamID: String?, agentID: AgentID, now: Double
    ) -> [MasterAction] {
        guard let streamID else { return [] }
        let status = TaskStatus(
            taskID: task.taskID, state: .error, message: message, source: .master,
            reason: TaskStatusReason.taskInvalid, agentID: agentID, timestamp: now)
        return [.sendToFramework(streamID: streamID, .update(status))]
    }

    mutating func applyLaunch(_ tasks: [TaskInfo], plan: inout AcceptPlan) {
        for task in tasks {
            launchOne(task, plan: &plan)
        }
    }

    private mutating func launchOne(_ task: TaskInfo, plan: inout AcceptPlan) {
        guard let framework = frameworks[plan.frameworkID] else { return }
        let stream = framework.streamID
        var needed: Resources
        switch validateTask(task, framework: framework, plan: plan) {
        case .failure(let invalid):
            counters.tasksInvalid += 1
            plan.actions += taskError(
                task, message: invalid.message, streamID: stream, agentID: plan.agentID, now: plan.now)
            return
        case .success(let resources):
            needed = resources
        }
        var executorToStart: ExecutorInfo?
        if var executor = task.executor, framework.executors[plan.agentID]?[executor.executorID] == nil {
            executor.frameworkID = plan.frameworkID
            executorToStart = executor
            needed += Resources(executor.resources ?? []).allocated(to: plan.role)
        }
        guard plan.available.contains(needed) else {
            counters.tasksInvalid += 1
            plan.actions += taskError(
                task, message: "Task uses more resources \(needed.summary) than available \(plan.available.summary)",
                streamID: stream, agentID: plan.agentID, now: plan.now)
            return
        }
        plan.available -= needed
        plan.launchedIDs.insert(task.taskID)
        var launched = task
        launched.resources = injectAllocation(task.resources ?? [], role: plan.role)
        if var executor = launched.executor {
            executor.frameworkID = plan.frameworkID
            executor.resources = executor.resources.map { injectAllocation($0, role: plan.role) }
            launched.executor = executor
        }
        recordLaunch(launched, executorToStart: executorToStart, plan: &plan)
        plan.actions.append(.observed(.taskAdded(plan.frameworkID, launched.taskID)))
        guard let session = agents[plan.agentID]?.sessionID, let info = frameworks[plan.frameworkID]?.info else {
            return
        }
        plan.actions.append(
            .sendToAgent(
                sessionID: session,
                .runTask(.init(frameworkInfo: info, task: launched, executor: launched.executor, taskGroup: nil))))
    }

    /// Adds the task (and a newly started custom executor) to the framework's books.
    mutating func recordLaunch(_ task: TaskInfo, executorToStart: ExecutorInfo?, plan: inout AcceptPlan) {
        let taskResources = Resources(task.resources ?? [])
        var record = TaskRecord(
            info: task, frameworkID: plan.frameworkID, agentID: plan.agentID, executorID: task.executor?.executorID,
            role: plan.role, resources: taskResources, state: .staging, latestState: .staging)
        record.statuses = []
        frameworks[plan.frameworkID]?.tasks[task.taskID] = record
        if let executor = executorToStart {
            var stored = executor
            stored.resources = executor.resources.map { injectAllocation($0, role: plan.role) }
            frameworks[plan.frameworkID]?.executors[plan.agentID, default: [:]][executor.executorID] = stored
        }
        counters.tasksLaunched += 1
    }

    /// Frameworks that predate MULTI_ROLE send resources without allocation info; the
    /// master fills in the offer's role so accounting matches the allocator's.
    func injectAllocation(_ resources: [Resource], role: String) -> [Resource] {
        resources.map { resource in
            var copy = resource
            if copy.allocationInfo == nil { copy.allocationInfo = AllocationInfo(role: role) }
            return copy
        }
    }

    /// Mesos' task validation. On success returns the task's own resources (allocation-tagged).
    func validateTask(_ task: TaskInfo, framework: FrameworkRecord, plan: AcceptPlan) -> Result<Resources, TaskInvalid>
    {
        if let error = validateID(task.taskID.value, kind: "Task ID") { return .failure(TaskInvalid(error)) }
        if task.agentID != plan.agentID {
            return .failure(TaskInvalid("Task uses agent \(task.agentID) but the offer is for agent \(plan.agentID)"))
        }
        if framework.tasks[task.taskID] != nil || plan.launchedIDs.contains(task.taskID) {
            return .failure(TaskInvalid("Task has duplicate ID: \(task.taskID)"))
        }
        if (task.command == nil) == (task.executor == nil) {
            return .failure(
                TaskInvalid("Task should have at least one (but not both) of CommandInfo or ExecutorInfo present"))
        }
        if let unsupported = unsupportedTaskField(task) { return .failure(TaskInvalid(unsupported)) }
        let raw = task.resources ?? []
        if raw.isEmpty { return .failure(TaskInvalid("Task uses no resources")) }
        let resources = Resources(injectAllocation(raw, role: plan.role))
        if let error = resources.validationError() { return .failure(TaskInvalid("Invalid resources: \(error)")) }
        if resources.allocationRoles != [plan.role] {
            return .failure(TaskInvalid("Task resources must be allocated to the offer's role '\(plan.role)'"))
        }
        if let error = TaskValidation.containerizerError(task, resources: resources) {
            return .failure(TaskInvalid(error))
        }
        if let executor = task.executor {
            if let error = validateExecutor(executor, framework: framework, plan: plan) {
                return .failure(TaskInvalid(error))
            }
        }
        return .success(resources)
    }

    func validateExecutor(_ executor: ExecutorInfo, framework: FrameworkRecord, plan: AcceptPlan) -> String? {
        if let error = validateID(executor.executorID.value, kind: "Executor ID") { return error }
        if let fid = executor.frameworkID, fid != framework.id {
            return "ExecutorInfo has an invalid FrameworkID (Actual: \(fid) vs Expected: \(framework.id))"
        }
        if executor.command == nil { return "Executor must have a CommandInfo" }
        if let container = executor.container, let error = TaskValidation.executorContainerError(container) {
            return error
        }
        if let error = TaskValidation.urisError(executor.command?.uris) { return error }
        let resources = Resources(injectAllocation(executor.resources ?? [], role: plan.role))
        if let error = resources.validationError() { return "Invalid executor resources: \(error)" }
        if let existing = framework.executors[plan.agentID]?[executor.executorID] {
            var comparable = executor
            comparable.frameworkID = framework.id
            comparable.resources = comparable.resources.map { injectAllocation($0, role: plan.role) }
            if comparable.command != existing.command
                || Resources(comparable.resources ?? []) != Resources(existing.resources ?? [])
            {
                return "ExecutorInfo is not compatible with the running executor '\(executor.executorID)'"
            }
        }
        return nil
    }

    /// Fields that later work will support; until then they are refused by name (rule 5).
    func unsupportedTaskField(_ task: TaskInfo) -> String? {
        let notYet = "is not supported yet (see docs/mesos-compat.md)"
        if task.command?.user != nil { return "CommandInfo.user \(notYet)" }
        for resource in task.resources ?? [] {
            if resource.disk != nil { return "Resource.disk (volumes) \(notYet)" }
            if resource.revocable != nil { return "Revocable resources \(notYet)" }
            if resource.shared != nil { return "Shared resources \(notYet)" }
        }
        // An image container may leave the command out: the image's entrypoint and cmd run.
        let hasImage = task.container?.imageName != nil
        if let command = task.command, !command.isShell, (command.value ?? "").isEmpty, !hasImage {
            return "CommandInfo.value must name the executable when 'shell' is false"
        }
        if let command = task.command, command.isShell, command.value == nil, !hasImage {
            return "CommandInfo.value must be set for a shell command"
        }
        return nil
    }
}

struct TaskInvalid: Error {
    var message: String
    init(_ message: String) { self.message = message }
}

extension Resources {
    /// Short human-readable form for error messages: `cpus:1; mem:128`.
    var summary: String {
        list.map { resource -> String in
            switch resource.type {
            case .scalar: return "\(resource.name):\(resource.scalar?.value ?? 0)"
            case .ranges:
                let ranges = resource.ranges?.range.map { "\($0.begin)-\($0.end)" } ?? []
                return "\(resource.name):[\(ranges.joined(separator: ","))]"
            case .set: return "\(resource.name):{\((resource.set?.item ?? []).joined(separator: ","))}"
            }
        }.joined(separator: "; ")
    }
}
