import MasterCore
import MesosModel

/// Compact, deterministic descriptions for the trace (no reflection, no dictionary order).
func shortUUID(_ uuid: String) -> String { String(uuid.prefix(6)) }

/// A resource amount with three decimals (Mesos' precision), independent of summation order.
func amount(_ value: Double) -> String {
    let millis = Int((value * 1000).rounded())
    let fraction = String(abs(millis) % 1000)
    return "\(millis / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
}

func describe(_ status: TaskStatus) -> String {
    var text = "\(status.taskID) \(status.state.rawValue)"
    if let reason = status.reason { text += " \(reason)" }
    if let uuid = status.uuid { text += " #\(shortUUID(uuid))" }
    return text
}

func describe(_ event: SchedulerEvent) -> String {
    switch event {
    case .subscribed(let id, _, _): return "SUBSCRIBED \(id)"
    case .offers(let offers):
        let list = offers.map { offer -> String in
            let resources = Resources(offer.resources)
            return "\(offer.id)@\(offer.agentID)(cpus \(amount(resources.cpus)), mem \(amount(resources.mem)))"
        }
        return "OFFERS \(list.joined(separator: " "))"
    case .rescind(let id): return "RESCIND \(id)"
    case .update(let status): return "UPDATE \(describe(status))"
    case .message: return "MESSAGE"
    case .failure(let agent, let executor, let status):
        return
            "FAILURE agent \(agent?.value ?? "-") executor \(executor?.value ?? "-") status \(status.map(String.init) ?? "-")"
    case .error(let message): return "ERROR \(message)"
    case .heartbeat: return "HEARTBEAT"
    }
}

func describe(_ event: AgentEvent) -> String {
    var text = event.type.rawValue
    if let task = event.runTask?.task { text += " \(task.taskID)" }
    if let kill = event.killTask { text += " \(kill.taskID)" }
    if let ack = event.acknowledge { text += " \(ack.taskID) #\(shortUUID(ack.uuid))" }
    if let executor = event.executor { text += " \(executor.frameworkID)" }
    if let registered = event.registered { text += " \(registered.agentID)" }
    return text
}

func describe(_ call: AgentCall) -> String {
    switch call.type {
    case .statusUpdate:
        guard let update = call.statusUpdate else { return "STATUS_UPDATE" }
        var text = "STATUS_UPDATE \(describe(update.status))"
        if let latest = update.latestState { text += " latest \(latest.rawValue)" }
        if update.latestStateOnly == true { text += " (refresh)" }
        return text
    case .executorExited: return "EXECUTOR_EXITED \(call.executorExited?.executorID.value ?? "")"
    default: return call.type.rawValue
    }
}

func describe(_ call: SchedulerCall) -> String {
    var text = call.type.rawValue
    if let accept = call.accept {
        let tasks = accept.operations.flatMap { $0.launch?.taskInfos ?? [] }.map(\.taskID.value)
        text += " \(accept.offerIDs.map(\.value)) \(tasks)"
    }
    if let decline = call.decline { text += " \(decline.offerIDs.map(\.value))" }
    if let kill = call.kill { text += " \(kill.taskID)" }
    if let ack = call.acknowledge { text += " \(ack.taskID) #\(shortUUID(ack.uuid))" }
    if let reconcile = call.reconcile { text += " \(reconcile.tasks.map(\.taskID.value))" }
    return text
}

func describe(_ action: MasterAction) -> String {
    switch action {
    case .sendToFramework(let stream, let event): return "\(stream) <- \(describe(event))"
    case .closeFrameworkStream(let stream): return "close \(stream)"
    case .sendToAgent(let session, let event): return "\(session) <- \(describe(event))"
    case .closeAgentSession(let session): return "close \(session)"
    case .persistRegistry: return "persist registry"
    case .requestAllocation: return "request allocation"
    case .observed(let observation): return "observed \(describe(observation))"
    }
}

func describe(_ observation: MasterObservation) -> String {
    switch observation {
    case .taskAdded(let framework, let task): return "task added \(framework)/\(task)"
    case .taskUpdated(let framework, let status):
        return "task updated \(framework)/\(status.taskID) \(status.state.rawValue)"
    case .agentAdded(let agent): return "agent added \(agent)"
    case .agentRemoved(let agent): return "agent removed \(agent)"
    case .frameworkAdded(let framework): return "framework added \(framework)"
    case .frameworkUpdated(let framework): return "framework updated \(framework)"
    case .frameworkRemoved(let info): return "framework removed \(info.id?.value ?? "?")"
    }
}
