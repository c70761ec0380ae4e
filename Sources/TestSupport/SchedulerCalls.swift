import MesosModel

/// Builders for v1 scheduler calls, shaped as a framework sends them.
public enum SchedulerCalls {
    public static func subscribe(_ info: FrameworkInfo, suppressedRoles: [String]? = nil) -> SchedulerCall {
        var call = SchedulerCall(type: .subscribe, frameworkID: info.id)
        call.subscribe = SchedulerCall.Subscribe(frameworkInfo: info, suppressedRoles: suppressedRoles)
        return call
    }

    /// ACCEPT launching `tasks`; `refuseSeconds` filters what is left of the offers.
    public static func accept(
        _ frameworkID: FrameworkID, offers: [OfferID], tasks: [TaskInfo], refuseSeconds: Double? = nil
    ) -> SchedulerCall {
        accept(
            frameworkID, offers: offers, operations: tasks.isEmpty ? [] : [OfferOperation(launch: tasks)],
            refuseSeconds: refuseSeconds)
    }

    public static func accept(
        _ frameworkID: FrameworkID, offers: [OfferID], operations: [OfferOperation], refuseSeconds: Double? = nil
    ) -> SchedulerCall {
        var call = SchedulerCall(type: .accept, frameworkID: frameworkID)
        call.accept = SchedulerCall.Accept(
            offerIDs: offers, operations: operations, filters: refuseSeconds.map { Filters(refuseSeconds: $0) })
        return call
    }

    public static func decline(
        _ frameworkID: FrameworkID, offers: [OfferID], refuseSeconds: Double? = nil
    )
        -> SchedulerCall
    {
        var call = SchedulerCall(type: .decline, frameworkID: frameworkID)
        call.decline = SchedulerCall.Decline(
            offerIDs: offers, filters: refuseSeconds.map { Filters(refuseSeconds: $0) })
        return call
    }

    public static func kill(
        _ frameworkID: FrameworkID, task: TaskID, agent: AgentID? = nil, gracePeriod: Double? = nil
    ) -> SchedulerCall {
        var call = SchedulerCall(type: .kill, frameworkID: frameworkID)
        var kill = SchedulerCall.Kill(taskID: task, agentID: agent)
        if let gracePeriod { kill.killPolicy = KillPolicy(gracePeriod: DurationInfo(seconds: gracePeriod)) }
        call.kill = kill
        return call
    }

    public static func acknowledge(
        _ frameworkID: FrameworkID, agent: AgentID, task: TaskID, uuid: String
    )
        -> SchedulerCall
    {
        var call = SchedulerCall(type: .acknowledge, frameworkID: frameworkID)
        call.acknowledge = SchedulerCall.Acknowledge(agentID: agent, taskID: task, uuid: uuid)
        return call
    }

    /// RECONCILE: explicit for the listed tasks, implicit when `tasks` is empty.
    public static func reconcile(_ frameworkID: FrameworkID, tasks: [(TaskID, AgentID?)] = []) -> SchedulerCall {
        var call = SchedulerCall(type: .reconcile, frameworkID: frameworkID)
        call.reconcile = SchedulerCall.Reconcile(tasks: tasks.map { .init(taskID: $0.0, agentID: $0.1) })
        return call
    }

    public static func suppress(_ frameworkID: FrameworkID, roles: [String]? = nil) -> SchedulerCall {
        var call = SchedulerCall(type: .suppress, frameworkID: frameworkID)
        call.suppress = SchedulerCall.Roles(roles: roles)
        return call
    }

    public static func revive(_ frameworkID: FrameworkID, roles: [String]? = nil) -> SchedulerCall {
        var call = SchedulerCall(type: .revive, frameworkID: frameworkID)
        call.revive = SchedulerCall.Roles(roles: roles)
        return call
    }

    public static func teardown(_ frameworkID: FrameworkID) -> SchedulerCall {
        SchedulerCall(type: .teardown, frameworkID: frameworkID)
    }
}
