import MesosModel

extension MasterCore {
    /// SUBSCRIBE on a new stream. On success the caller starts streaming to `streamID`
    /// and performs the returned actions (SUBSCRIBED and a first HEARTBEAT come first).
    public mutating func subscribe(
        _ call: SchedulerCall, streamID: String, now: Double
    ) -> Result<(FrameworkID, [MasterAction]), MasterCallError> {
        guard let subscribe = call.subscribe else {
            return .failure(.badRequest("Expecting 'subscribe' to be present"))
        }
        var info = subscribe.frameworkInfo
        if let error = validateFrameworkInfo(info) ?? unsupportedSubscribeField(subscribe) {
            return .failure(.badRequest(error))
        }
        if let topLevel = call.frameworkID, topLevel != info.id {
            return .failure(.badRequest("'framework_id' differs from 'subscribe.framework_info.id'"))
        }
        if info.id != nil && call.frameworkID == nil {
            return .failure(.badRequest("'framework_id' must be set when 'framework_info.id' is set"))
        }
        let suppressed = Set(subscribe.suppressedRoles ?? [])
        if !suppressed.isSubset(of: Set(info.effectiveRoles)) {
            return .failure(.badRequest("Suppressed roles must be a subset of the framework's roles"))
        }
        var actions: [MasterAction] = []
        let id: FrameworkID
        if let existing = info.id {
            if registry.removedFrameworks.contains(existing.value)
                || completedFrameworks.contains(where: { $0.id == existing })
            {
                return .failure(MasterCallError(200, "Framework has been removed", asStreamError: true))
            }
            id = existing
            actions += resubscribe(id, info: info, suppressed: suppressed, streamID: streamID, now: now)
        } else {
            id = nextFrameworkID()
            info.id = id
            let record = FrameworkRecord(
                id: id, info: info, streamID: streamID, active: true, recovered: false, registeredTime: now,
                failoverDeadline: nil, suppressedRoles: suppressed)
            frameworks[id] = record
            allocator.addFramework(
                id, roles: record.roles, suppressedRoles: suppressed, active: true, used: [:])
            registerFrameworkInRegistry(record)
            actions.append(.persistRegistry)
            actions.append(.observed(.frameworkAdded(id)))
        }
        actions.insert(contentsOf: subscribedEvents(id, streamID: streamID), at: 0)
        actions.append(.requestAllocation)
        return .success((id, actions))
    }

    private func subscribedEvents(_ id: FrameworkID, streamID: String) -> [MasterAction] {
        [
            .sendToFramework(
                streamID: streamID,
                .subscribed(
                    frameworkID: id, heartbeatIntervalSeconds: config.heartbeatIntervalSeconds,
                    masterInfo: masterInfo)),
            .sendToFramework(streamID: streamID, .heartbeat),
        ]
    }

    /// A known (or master-recovered) framework subscribes again: failover. The old
    /// stream, if still open, is told "Framework failed over" and closed.
    private mutating func resubscribe(
        _ id: FrameworkID, info: FrameworkInfo, suppressed: Set<String>, streamID: String, now: Double
    ) -> [MasterAction] {
        var actions: [MasterAction] = []
        guard var record = frameworks[id] else {
            // Unknown but well-formed id after a master failover: Mesos accepts it.
            let record = FrameworkRecord(
                id: id, info: info, streamID: streamID, active: true, recovered: false, registeredTime: now,
                reregisteredTime: now, failoverDeadline: nil, suppressedRoles: suppressed)
            frameworks[id] = record
            allocator.addFramework(id, roles: record.roles, suppressedRoles: suppressed, active: true, used: [:])
            registerFrameworkInRegistry(record)
            return [.persistRegistry, .observed(.frameworkAdded(id))]
        }
        if let old = record.streamID, old != streamID {
            actions.append(.sendToFramework(streamID: old, .error("Framework failed over")))
            actions.append(.closeFrameworkStream(streamID: old))
        }
        actions += recoverOffers(of: id, sendRescind: false)
        record.info = info
        record.streamID = streamID
        record.active = true
        record.recovered = false
        record.reregisteredTime = now
        record.unregisteredTime = nil
        record.failoverDeadline = nil
        record.suppressedRoles = suppressed
        frameworks[id] = record
        allocator.updateFramework(id, roles: record.roles, suppressedRoles: suppressed)
        allocator.activateFramework(id)
        registerFrameworkInRegistry(record)
        actions.append(.persistRegistry)
        actions.append(.observed(.frameworkUpdated(id)))
        for agent in agents.values.sorted(by: { $0.id < $1.id })
        where agent.connected && frameworkHasWork(id, on: agent.id) {
            actions.append(.sendToAgent(sessionID: agent.sessionID!, .updateFramework(info)))
        }
        return actions
    }

    func frameworkHasWork(_ id: FrameworkID, on agentID: AgentID) -> Bool {
        guard let record = frameworks[id] else { return false }
        return record.tasks.hasTasks(on: agentID) || record.executors[agentID] != nil
    }

    /// Offer constraints (agent attribute filters) are not implemented: refused, not ignored.
    func unsupportedSubscribeField(_ subscribe: SchedulerCall.Subscribe) -> String? {
        guard let constraints = subscribe.offerConstraints, constraints != .null, constraints != .object([:])
        else { return nil }
        return "'offer_constraints' is not supported yet (see docs/mesos-compat.md)"
    }

    func validateFrameworkInfo(_ info: FrameworkInfo) -> String? {
        if info.name.isEmpty { return "'FrameworkInfo.name' must be set" }
        if let filters = info.offerFilters, filters != .null, filters != .object([:]) {
            return "'FrameworkInfo.offer_filters' is not supported yet (see docs/mesos-compat.md)"
        }
        if let timeout = info.failoverTimeout, !(timeout.isFinite && timeout >= 0) {
            return "'FrameworkInfo.failover_timeout' must be a non-negative finite number of seconds"
        }
        if info.isMultiRole {
            if info.role != nil && info.role != "*" && info.roles != nil {
                return "'FrameworkInfo.role' must not be set for a MULTI_ROLE framework; use 'roles'"
            }
            let roles = info.roles ?? []
            if Set(roles).count != roles.count { return "'FrameworkInfo.roles' contains duplicate entries" }
        } else if let roles = info.roles, !roles.isEmpty {
            return "'FrameworkInfo.roles' requires the MULTI_ROLE capability"
        }
        for role in info.effectiveRoles {
            if let error = isValidRoleName(role) { return "Invalid role '\(role)': \(error)" }
        }
        if let id = info.id, let error = validateID(id.value, kind: "Framework ID") { return error }
        return nil
    }

    /// The subscription stream closed: the framework is disconnected, its offers are
    /// recovered and its failover clock starts.
    public mutating func frameworkDisconnected(streamID: String, now: Double) -> [MasterAction] {
        guard let id = frameworks.values.first(where: { $0.streamID == streamID })?.id,
            var record = frameworks[id]
        else { return [] }
        var actions = recoverOffers(of: id, sendRescind: false)
        record.streamID = nil
        record.active = false
        record.unregisteredTime = now
        record.failoverDeadline = now + max(record.info.failoverTimeout ?? 0, 0)
        frameworks[id] = record
        allocator.deactivateFramework(id)
        registerFrameworkInRegistry(record)
        actions.append(.persistRegistry)
        return actions
    }

    /// TEARDOWN, failover timeout, or an operator TEARDOWN: kill everything and forget the framework.
    public mutating func removeFramework(_ id: FrameworkID, now: Double) -> [MasterAction] {
        // Offers first, while the record still lists them.
        var actions = recoverOffers(of: id, sendRescind: false)
        guard var record = frameworks.removeValue(forKey: id) else { return actions }
        for agentID in Set(record.tasks.agentIDs).union(record.executors.keys).sorted() {
            if let session = agents[agentID]?.sessionID {
                actions.append(.sendToAgent(sessionID: session, .shutdownFramework(id)))
            }
        }
        for (taskID, var task) in record.tasks.sorted(by: { $0.key < $1.key }) {
            if !task.resourcesRecovered {
                allocator.recoverResources(
                    framework: id, agent: task.agentID, resources: task.resources, refuseSeconds: nil, now: now)
            }
            if !task.state.isTerminal {
                let status = TaskStatus(
                    taskID: taskID, state: .killed, message: "Framework \(id) removed", source: .master,
                    reason: TaskStatusReason.frameworkRemoved, agentID: task.agentID, executorID: task.executorID,
                    timestamp: now)
                task.state = .killed
                task.latestState = .killed
                task.statuses.append(status)
            }
            record.completedTasks.append(task)
        }
        record.tasks = [:]
        for (agentID, executors) in record.executors.sorted(by: { $0.key < $1.key }) {
            for executor in executors.values.sorted(by: { $0.executorID < $1.executorID }) {
                allocator.recoverResources(
                    framework: id, agent: agentID,
                    resources: Resources(executor.resources ?? []).allocated(to: executorRole(record)),
                    refuseSeconds: nil, now: now)
            }
        }
        record.executors = [:]
        trimCompletedTasks(&record)
        if let stream = record.streamID {
            actions.append(.closeFrameworkStream(streamID: stream))
        }
        record.streamID = nil
        record.active = false
        record.unregisteredTime = now
        allocator.removeFramework(id)
        completedFrameworks.append(record)
        if completedFrameworks.count > config.maxCompletedFrameworks {
            completedFrameworks.removeFirst(completedFrameworks.count - config.maxCompletedFrameworks)
        }
        registry.frameworks[id.value] = nil
        registry.removedFrameworks.append(id.value)
        if registry.removedFrameworks.count > 1000 { registry.removedFrameworks.removeFirst() }
        counters.frameworkRemovals += 1
        actions.append(.persistRegistry)
        actions.append(.observed(.frameworkRemoved(record.info)))
        actions.append(.requestAllocation)
        return actions
    }

    /// Executors of non-MULTI_ROLE frameworks are charged to the framework's only role.
    func executorRole(_ record: FrameworkRecord) -> String {
        record.info.effectiveRoles.first ?? "*"
    }

    func trimCompletedTasks(_ record: inout FrameworkRecord) {
        let excess = record.completedTasks.count - config.maxCompletedTasksPerFramework
        if excess > 0 { record.completedTasks.removeFirst(excess) }
    }

    /// UPDATE_FRAMEWORK: change roles, suppressed roles and descriptive fields in place.
    public mutating func updateFramework(_ call: SchedulerCall, now: Double) -> Result<[MasterAction], MasterCallError>
    {
        guard let update = call.updateFramework else {
            return .failure(.badRequest("Expecting 'update_framework' to be present"))
        }
        let info = update.frameworkInfo
        guard let id = info.id, id == call.frameworkID, var record = frameworks[id] else {
            return .failure(.badRequest("'update_framework.framework_info.id' must match 'framework_id'"))
        }
        if let error = validateFrameworkInfo(info) ?? unsupportedSubscribeField(update) {
            return .failure(.badRequest(error))
        }
        if info.user != record.info.user || info.principal != record.info.principal
            || (info.checkpoint ?? false) != (record.info.checkpoint ?? false)
        {
            return .failure(.badRequest("'user', 'principal' and 'checkpoint' cannot be changed by UPDATE_FRAMEWORK"))
        }
        let suppressed = Set(update.suppressedRoles ?? [])
        if !suppressed.isSubset(of: Set(info.effectiveRoles)) {
            return .failure(.badRequest("Suppressed roles must be a subset of the framework's roles"))
        }
        var actions: [MasterAction] = []
        let removedRoles = record.roles.subtracting(info.effectiveRoles)
        for offerID in record.offerIDs {
            if let offer = offers[offerID], removedRoles.contains(offer.role) {
                actions += rescindOffer(offerID, now: now)
            }
        }
        record = frameworks[id] ?? record
        record.info = info
        record.suppressedRoles = suppressed
        frameworks[id] = record
        allocator.updateFramework(id, roles: record.roles, suppressedRoles: suppressed)
        registerFrameworkInRegistry(record)
        actions.append(.persistRegistry)
        actions.append(.requestAllocation)
        return .success(actions)
    }

    /// Failover deadlines that passed remove their frameworks.
    mutating func expireFailoverTimeouts(now: Double) -> [MasterAction] {
        var actions: [MasterAction] = []
        let expired = frameworks.values.filter { !$0.connected && ($0.failoverDeadline ?? .infinity) <= now }
        for record in expired.sorted(by: { $0.id < $1.id }) {
            actions += removeFramework(record.id, now: now)
        }
        return actions
    }
}
