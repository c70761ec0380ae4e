import MesosModel

extension MasterCore {
    /// REGISTER from an agent, fresh or carrying the id and tasks it had before (re-registration).
    public mutating func registerAgent(
        _ registration: AgentRegistration, sessionID: String, now: Double
    ) -> Result<(AgentID, [MasterAction]), MasterCallError> {
        if let error = validateRegistration(registration) { return .failure(.badRequest(error)) }
        var actions: [MasterAction] = []
        let base = Resources(registration.agentInfo.resources ?? [])
        let id: AgentID
        let previous: AgentRecord?
        if let claimed = registration.agentInfo.id {
            id = claimed
            previous = agents[claimed]
            counters.agentReregistrations += 1
        } else {
            id = nextAgentID()
            previous = nil
            counters.agentRegistrations += 1
        }
        if let previous {
            if let old = previous.sessionID, old != sessionID { actions.append(.closeAgentSession(sessionID: old)) }
            if !previous.removed { allocator.removeAgent(id) }
            for offer in offers.values.filter({ $0.agentID == id }).sorted(by: { $0.id < $1.id }) {
                actions += rescindOffer(offer.id, now: now)
            }
        }
        var info = registration.agentInfo
        info.id = id
        let total = applyingReservations(base, reservations: registry.reservations[id.value] ?? [])
        agents[id] = AgentRecord(
            id: id, info: info, endpoint: registration.endpoint, version: registration.version, sessionID: sessionID,
            baseResources: base, totalResources: total, registeredTime: previous?.registeredTime ?? now,
            reregisteredTime: previous == nil && registration.agentInfo.id == nil ? nil : now, removalDeadline: nil,
            recovered: false, removed: false, lastContact: now)
        let returning = previous?.removed == true ? takeBackTasksGivenUp(registration, agentID: id) : []
        actions += adoptReportedWork(registration, agentID: id, now: now)
        if !returning.isEmpty { actions += announceReturnedTasks(returning, agentID: id, now: now) }
        let used = usedResources(on: id)
        allocator.addAgent(id, total: total, used: used)
        let admitted = MasterRegistry.AdmittedAgent(info: info, endpoint: registration.endpoint)
        // An agent the registry already admits, as it was, needs no write: after a master restart
        // the whole cluster re-registers so, and a write each would serialise the storm (Mesos
        // writes only to admit an agent or to mark it reachable again).
        let admittedAsBefore = registry.agents[id.value] == admitted && registry.unreachable[id.value] == nil
        registry.agents[id.value] = admitted
        registry.unreachable[id.value] = nil
        // Durable before the agent hears it is registered.
        actions.insert(
            .sendToAgent(
                sessionID: sessionID,
                .registered(id, master: masterInfo, totalPingTimeoutSeconds: totalPingTimeoutSeconds)), at: 0)
        if !admittedAsBefore { actions.insert(.persistRegistry, at: 0) }
        actions.append(.observed(.agentAdded(id)))
        actions.append(.requestAllocation)
        return .success((id, actions))
    }

    func validateRegistration(_ registration: AgentRegistration) -> String? {
        let info = registration.agentInfo
        if info.hostname.isEmpty { return "'agent_info.hostname' must be set" }
        if let id = info.id, let error = validateID(id.value, kind: "Agent ID") { return error }
        let resources = Resources(info.resources ?? [])
        if let error = resources.validationError() { return "Invalid agent resources: \(error)" }
        if registration.endpoint.split(separator: ":").count != 2 { return "'endpoint' must be host:port" }
        return nil
    }

    /// Takes in the tasks and executors an agent reports. Tasks the master believed were
    /// on that agent but the agent no longer has are lost.
    mutating func adoptReportedWork(
        _ registration: AgentRegistration, agentID: AgentID, now: Double
    ) -> [MasterAction] {
        var actions: [MasterAction] = []
        let reported = Set(registration.tasks.map { "\($0.frameworkID.value)/\($0.task.taskID.value)" })
        for framework in frameworks.values.sorted(by: { $0.id < $1.id }) {
            // Includes STAGING tasks: a RUN_TASK sent on the agent's previous session is lost
            // with it, and the framework must hear so rather than wait forever.
            for task in framework.tasks.on(agentID) {
                if !reported.contains("\(framework.id.value)/\(task.id.value)") {
                    actions += loseTask(
                        task, reason: TaskStatusReason.agentRestarted,
                        message: "Task is not known to the re-registered agent", now: now,
                        partitionAwareState: .dropped)
                }
            }
            frameworks[framework.id]?.executors[agentID] = nil
        }
        let infos = Dictionary(
            registration.frameworks.compactMap { info in info.id.map { ($0, info) } },
            uniquingKeysWith: { first, _ in first })
        // Work of frameworks that were removed while the agent was away is shut down, not adopted.
        let removed = Set(registration.tasks.map(\.frameworkID) + registration.executors.map(\.frameworkID))
            .filter(isRemovedFramework).sorted()
        if !removed.isEmpty, let session = agents[agentID]?.sessionID {
            actions += removed.map { .sendToAgent(sessionID: session, .shutdownFramework($0)) }
        }
        for executor in registration.executors
        where !executor.isCommandExecutor && !removed.contains(executor.frameworkID) {
            ensureFramework(executor.frameworkID, info: infos[executor.frameworkID], now: now)
            frameworks[executor.frameworkID]?.executors[agentID, default: [:]][executor.executor.executorID] =
                executor.executor
        }
        for report in registration.tasks where !removed.contains(report.frameworkID) {
            ensureFramework(report.frameworkID, info: infos[report.frameworkID], now: now)
            // Looked up, not copied out: a local copy of the record would make the insert below
            // copy the framework's whole task table, once per reported task.
            guard let executorRole = frameworks[report.frameworkID].map(executorRole) else { continue }
            let resources = Resources(report.task.resources ?? [])
            let role = resources.allocationRoles.first ?? executorRole
            // `state` is the newest state the agent knows; the unacknowledged head update (if
            // any) is what the framework has been told, Mesos' `status_update_state`.
            var record = TaskRecord(
                info: report.task, frameworkID: report.frameworkID, agentID: agentID, executorID: report.executorID,
                role: role, resources: resources.allocationRoles.isEmpty ? resources.allocated(to: role) : resources,
                state: report.statuses?.first?.state ?? report.state, latestState: report.state)
            record.statuses = report.statuses ?? []
            record.pendingUUID = report.statusUUID
            record.resourcesRecovered = report.state.isTerminal
            frameworks[report.frameworkID]?.tasks[report.task.taskID] = record
        }
        return actions
    }

    func isRemovedFramework(_ id: FrameworkID) -> Bool {
        frameworks[id] == nil
            && (registry.removedFrameworks.contains(id.value) || completedFrameworks.contains { $0.id == id })
    }

    /// A framework mentioned by an agent but not subscribed (yet) after a master restart.
    mutating func ensureFramework(_ id: FrameworkID, info: FrameworkInfo?, now: Double) {
        guard frameworks[id] == nil else { return }
        var frameworkInfo = info ?? FrameworkInfo(user: "", name: "", id: id)
        frameworkInfo.id = id
        let timeout = frameworkInfo.failoverTimeout ?? 0
        frameworks[id] = FrameworkRecord(
            id: id, info: frameworkInfo, streamID: nil, active: false, recovered: true, registeredTime: now,
            failoverDeadline: now + max(timeout, 0), suppressedRoles: [])
        allocator.addFramework(
            id, roles: Set(frameworkInfo.effectiveRoles), suppressedRoles: [], active: false, used: [:])
    }

    /// Resources in use on an agent per framework: live tasks plus custom executors.
    func usedResources(on agentID: AgentID) -> [FrameworkID: Resources] {
        var used: [FrameworkID: Resources] = [:]
        for framework in frameworks.values {
            var total = Resources()
            for task in framework.tasks.on(agentID) where !task.resourcesRecovered {
                total += task.resources
            }
            for executor in framework.executors[agentID]?.values.map({ $0 }) ?? [] {
                let resources = Resources(executor.resources ?? [])
                total +=
                    resources.allocationRoles.isEmpty ? resources.allocated(to: executorRole(framework)) : resources
            }
            if !total.isEmpty { used[framework.id] = total }
        }
        return used
    }

    /// The agent's stream closed. It has until the re-register timeout to come back.
    public mutating func agentDisconnected(_ agentID: AgentID, sessionID: String, now: Double) -> [MasterAction] {
        guard var agent = agents[agentID], agent.sessionID == sessionID else { return [] }
        agent.sessionID = nil
        agent.removalDeadline = now + config.agentReregisterTimeoutSeconds
        agents[agentID] = agent
        allocator.deactivateAgent(agentID)
        var actions: [MasterAction] = []
        for offer in offers.values.filter({ $0.agentID == agentID }).sorted(by: { $0.id < $1.id }) {
            actions += rescindOffer(offer.id, now: now)
        }
        return actions
    }

    /// Agents past their deadline are removed: their tasks are lost (unreachable for
    /// partition-aware frameworks) and every framework is told the agent is gone.
    mutating func expireAgents(now: Double) -> [MasterAction] {
        var actions: [MasterAction] = []
        let expired = agents.values.filter { !$0.connected && !$0.removed && ($0.removalDeadline ?? .infinity) <= now }
        for agent in expired.sorted(by: { $0.id < $1.id }) {
            actions += removeAgent(agent.id, now: now)
        }
        return actions
    }

    mutating func removeAgent(_ agentID: AgentID, now: Double, message: String? = nil) -> [MasterAction] {
        guard var agent = agents[agentID] else { return [] }
        // Durable before anyone is told, as Mesos' registrar applies MarkSlaveUnreachable first:
        // a leader killed right after its frameworks heard TASK_UNREACHABLE has recorded it.
        recordUnreachable(agentID, now: now)
        var actions: [MasterAction] = [.persistRegistry]
        for framework in frameworks.values.sorted(by: { $0.id < $1.id }) {
            for task in framework.tasks.on(agentID) {
                actions += loseTask(
                    task, reason: TaskStatusReason.agentRemoved, message: message ?? "Agent \(agentID) removed",
                    now: now)
            }
            frameworks[framework.id]?.executors[agentID] = nil
            if let stream = framework.streamID {
                actions.append(
                    .sendToFramework(streamID: stream, .failure(agentID: agentID, executorID: nil, status: nil)))
            }
        }
        if !agent.recovered { allocator.removeAgent(agentID) }
        agent.removed = true
        agent.recovered = false
        agents[agentID] = agent
        counters.agentRemovals += 1
        actions.append(.observed(.agentRemoved(agentID)))
        return actions
    }

    /// Master-generated loss of a task (no uuid, not retried). Frameworks that are not
    /// partition-aware hear TASK_LOST; partition-aware ones hear `partitionAwareState`:
    /// TASK_UNREACHABLE while the agent may come back, TASK_DROPPED when the agent is back
    /// and does not have the task.
    mutating func loseTask(
        _ task: TaskRecord, reason: String, message: String, now: Double,
        partitionAwareState: TaskState = .unreachable
    ) -> [MasterAction] {
        guard var framework = frameworks.removeValue(forKey: task.frameworkID) else { return [] }
        // Taken out and put back, so its task table changes in place (see FrameworkRecord): losing
        // every task of many agents would otherwise copy the table once per task.
        defer { frameworks[task.frameworkID] = framework }
        let state: TaskState = framework.info.isPartitionAware ? partitionAwareState : .lost
        var status = TaskStatus(
            taskID: task.id, state: state, message: message, source: .master, reason: reason, agentID: task.agentID,
            executorID: task.executorID, timestamp: now)
        if state == .unreachable { status.unreachableTime = timeInfo(now) }
        var updated = task
        updated.state = state
        updated.latestState = state
        updated.statuses.append(status)
        if !task.resourcesRecovered {
            allocator.recoverResources(
                framework: framework.id, agent: task.agentID, resources: task.resources, refuseSeconds: nil, now: now)
            updated.resourcesRecovered = true
        }
        framework.tasks[task.id] = updated
        if state.isTerminal { completeTask(task.id, in: &framework) }
        let observed = MasterAction.observed(.taskUpdated(framework.id, status))
        guard let stream = framework.streamID else { return [observed] }
        return [observed, .sendToFramework(streamID: stream, .update(status))]
    }
}

/// Mesos' TimeInfo: nanoseconds since the epoch.
func timeInfo(_ seconds: Double) -> JSONValue {
    .object(["nanoseconds": .number((seconds * 1e9).rounded())])
}
