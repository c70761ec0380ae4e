import MesosModel

/// The scheduler calls. Each is sent on the live subscription and throws
/// `SchedulerDriverError.notSubscribed` when there is none, or `SchedulerCallError` when the
/// master rejects it. Outcomes arrive as events (UPDATE, OFFERS, ...), not as return values.
extension SchedulerDriver {
    /// ACCEPT: apply `operations` to the offers (all on one agent); unused resources are
    /// declined with `filters` (Mesos default: refused for 5 s).
    public func accept(offerIDs: [OfferID], operations: [OfferOperation], filters: Filters? = nil) async throws {
        var call = SchedulerCall(type: .accept)
        call.accept = SchedulerCall.Accept(offerIDs: offerIDs, operations: operations, filters: filters)
        try await send(call)
    }

    /// ACCEPT with one LAUNCH of `tasks`; with no tasks this declines the offer (as pymesos does).
    public func launch(offerID: OfferID, tasks: [TaskInfo], filters: Filters? = nil) async throws {
        if tasks.isEmpty {
            try await decline(offerIDs: [offerID], filters: filters)
        } else {
            try await accept(offerIDs: [offerID], operations: [OfferOperation(launch: tasks)], filters: filters)
        }
    }

    /// DECLINE: give the offers back; `filters.refuse_seconds` keeps them from this framework that long.
    public func decline(offerIDs: [OfferID], filters: Filters? = nil) async throws {
        var call = SchedulerCall(type: .decline)
        call.decline = SchedulerCall.Decline(offerIDs: offerIDs, filters: filters)
        try await send(call)
    }

    /// REVIVE: clear refuse filters and resume offers for `roles` (nil: all the framework's roles).
    public func revive(roles: [String]? = nil) async throws {
        var call = SchedulerCall(type: .revive)
        call.revive = SchedulerCall.Roles(roles: roles)
        try await send(call)
        if let roles { suppressedRoles.subtract(roles) } else { suppressedRoles = [] }
    }

    /// SUPPRESS: stop offers for `roles` (nil: all the framework's roles). Remembered across
    /// re-subscriptions (sent as `suppressed_roles`) until `revive`.
    public func suppress(roles: [String]? = nil) async throws {
        var call = SchedulerCall(type: .suppress)
        call.suppress = SchedulerCall.Roles(roles: roles)
        try await send(call)
        suppressedRoles.formUnion(roles ?? framework.effectiveRoles)
    }

    /// Offers for `roles` on or off: REVIVE when they are wanted and suppressed, SUPPRESS when they
    /// are not wanted and still flowing; no call when nothing changes.
    public func wantOffers(_ wanted: Bool, roles: [String]) async throws {
        let suppressedNow = roles.filter { suppressedRoles.contains($0) }
        if wanted, !suppressedNow.isEmpty {
            try await revive(roles: suppressedNow)
        } else if !wanted, suppressedNow.count < roles.count {
            try await suppress(roles: roles.filter { !suppressedRoles.contains($0) })
        }
    }

    /// Roles whose offers are suppressed (sent as `suppressed_roles` when subscribing).
    public var suppressedRoleNames: Set<String> { suppressedRoles }

    /// KILL a task; the result arrives as an UPDATE (TASK_KILLED, or TASK_LOST for an unknown task).
    public func kill(taskID: TaskID, agentID: AgentID? = nil, killPolicy: KillPolicy? = nil) async throws {
        var call = SchedulerCall(type: .kill)
        var kill = SchedulerCall.Kill(taskID: taskID, agentID: agentID)
        kill.killPolicy = killPolicy
        call.kill = kill
        try await send(call)
    }

    /// SHUTDOWN a custom executor on an agent.
    public func shutdown(executorID: ExecutorID, agentID: AgentID) async throws {
        var call = SchedulerCall(type: .shutdown)
        call.shutdown = SchedulerCall.Shutdown(executorID: executorID, agentID: agentID)
        try await send(call)
    }

    /// RECONCILE: the master answers with one UPDATE per task (reason REASON_RECONCILIATION,
    /// no uuid). An empty list asks for every task the master knows of (implicit reconciliation).
    public func reconcile(tasks: [SchedulerCall.Reconcile.Task] = []) async throws {
        var call = SchedulerCall(type: .reconcile)
        call.reconcile = SchedulerCall.Reconcile(tasks: tasks)
        try await send(call)
    }

    /// ACKNOWLEDGE a status update that carries a uuid (needed only without implicit acknowledgements).
    public func acknowledge(status: TaskStatus) async throws {
        guard let uuid = status.uuid, let agentID = status.agentID else {
            throw SchedulerDriverError.notAcknowledgeable(status.taskID)
        }
        var call = SchedulerCall(type: .acknowledge)
        call.acknowledge = SchedulerCall.Acknowledge(agentID: agentID, taskID: status.taskID, uuid: uuid)
        try await send(call)
    }

    /// MESSAGE: best-effort bytes to an executor.
    public func message(agentID: AgentID, executorID: ExecutorID, data: [UInt8]) async throws {
        var call = SchedulerCall(type: .message)
        call.message = SchedulerCall.Message(agentID: agentID, executorID: executorID, data: Base64.encode(data))
        try await send(call)
    }

    /// UPDATE_FRAMEWORK: change the FrameworkInfo (roles, name, capabilities...) without
    /// re-subscribing. `user`, `principal` and `checkpoint` cannot change. Later re-subscriptions
    /// use the new info.
    public func updateFramework(_ info: FrameworkInfo, suppressedRoles: [String]? = nil) async throws {
        var info = info
        info.id = frameworkID
        if info.failoverTimeout == nil { info.failoverTimeout = settings.defaultFailoverTimeout }
        var call = SchedulerCall(type: .updateFramework)
        call.updateFramework = SchedulerCall.Subscribe(frameworkInfo: info, suppressedRoles: suppressedRoles)
        try await send(call)
        framework = info
        if let suppressedRoles { self.suppressedRoles = Set(suppressedRoles) }
    }

    /// TEARDOWN: the master kills the framework's tasks and forgets it; then the driver stops.
    public func teardown() async throws {
        try await send(SchedulerCall(type: .teardown))
        stop()
    }

    /// Sends `call` on the live subscription, stamped with the framework id.
    func send(_ call: SchedulerCall) async throws {
        guard let streamID, let frameworkID else { throw SchedulerDriverError.notSubscribed }
        var call = call
        call.frameworkID = frameworkID
        try await transport.send(call, streamID: streamID)
    }
}
