import AgentCore
import MasterCore
import MesosModel

/// The master shell, simulated: it feeds inputs to `MasterCore` and carries out its actions
/// the way `MasterServer.perform` does, over the simulated network.
extension SimulationRun {
    func masterTick(_ tickGeneration: Int) {
        guard tickGeneration == generation, master != nil else { return }
        schedule(.masterTick(generation: generation), after: 1)
        let actions = master!.tick(now: now)
        if !actions.isEmpty { log("master tick") }
        performMaster(actions)
    }

    func masterAllocate(_ allocationGeneration: Int) {
        guard allocationGeneration == generation, master != nil else { return }
        allocationPending = false
        let actions = master!.allocate(now: now)
        if !actions.isEmpty { log("master allocate") }
        performMaster(actions)
    }

    /// Carries out the core's decisions in order. An armed crash strikes part-way through.
    func performMaster(_ coreActions: [MasterAction]) {
        masterTouched = true
        let actions = canonicalOrder(coreActions)
        var todo = actions
        var crashAfter = false
        if crashArmed && actions.count >= 2 {
            todo = Array(actions.prefix(rng.int(1...(actions.count - 1))))
            crashAfter = true
        }
        for action in todo {
            guard master != nil else { return }
            log("  M: \(describe(action))")
            switch action {
            case .sendToFramework(let stream, let event):
                send(.scheduler(event), on: stream)
            case .closeFrameworkStream(let stream):
                finishStream(stream)
            case .sendToAgent(let session, let event):
                send(.agent(event), on: session)
            case .closeAgentSession(let session):
                masterAgentSessions[session] = nil
                finishStream(session)
            case .persistRegistry:
                persistedRegistry = master!.registry
            case .requestAllocation:
                if !allocationPending {
                    allocationPending = true
                    schedule(.masterAllocate(generation: generation), after: 0.005)
                }
            case .observed(let observation):
                // Operator-API subscribers are not simulated; only count agent removals.
                if case .agentRemoved = observation { stats.agentsRemovedByMaster += 1 }
            }
        }
        if crashAfter { crashMaster(reason: "mid-action crash after \(todo.count)/\(actions.count) actions") }
    }

    /// MasterCore sometimes lists sends to several agents in dictionary order, which differs
    /// between runs in one process. Sends to different streams are independent, so each run of
    /// consecutive agent sends is put in session order (per-session order is kept), which keeps
    /// replays exact without changing what any agent receives.
    func canonicalOrder(_ actions: [MasterAction]) -> [MasterAction] {
        if actions.count < 2 { return actions }
        var result: [MasterAction] = []
        var run: [(session: String, action: MasterAction)] = []
        func flush() {
            result += run.enumerated().sorted { ($0.element.session, $0.offset) < ($1.element.session, $1.offset) }
                .map(\.element.action)
            run = []
        }
        for action in actions {
            if case .sendToAgent(let session, _) = action {
                run.append((session, action))
            } else {
                flush()
                result.append(action)
            }
        }
        flush()
        return result
    }

    /// The shell's `onClose` handlers for framework streams and agent sessions.
    func masterNoticesClosed(_ id: String, _ streamGeneration: Int) {
        guard streamGeneration == generation, master != nil, let stream = streams[id] else { return }
        switch stream.peer {
        case .framework:
            let actions = master!.frameworkDisconnected(streamID: id, now: now)
            log("master: framework stream \(id) closed")
            performMaster(actions)
        case .agent:
            guard let agentID = masterAgentSessions.removeValue(forKey: id) else { return }
            log("master: agent \(agentID) session \(id) closed")
            performMaster(master!.agentDisconnected(agentID, sessionID: id, now: now))
        }
    }

    func crashMaster(reason: String) {
        guard master != nil else { return }
        masterTouched = true
        log("MASTER CRASH (\(reason))")
        stats.masterCrashes += 1
        master = nil
        crashArmed = false
        allocationPending = false
        masterAgentSessions = [:]
        for id in streams.keys.sorted() where streams[id]!.generation == generation {
            breakStream(id)
        }
        schedule(.masterRestart, after: rng.uniform(0.5, 5))
    }

    func restartMaster() {
        generation += 1
        master = MasterCore(
            config: masterConfig(generation), registry: persistedRegistry, now: now, seed: rng.childSeed())
        log(
            "master restarts as \(masterConfig(generation).masterID) from registry with \(persistedRegistry.agents.count) agents, \(persistedRegistry.frameworks.count) frameworks"
        )
        schedule(.masterTick(generation: generation), after: 1)
    }

    // MARK: Agent → master

    func agentRegisterArrives(_ index: Int, _ call: AgentCall, _ attempt: Int) {
        guard master != nil, !isPartitioned(index), let registration = call.register else {
            schedule(.agentRegisterFailed(index, attempt: attempt), after: rng.uniform(0.05, 1))
            return
        }
        let session = openStream(to: .agent(index))
        switch master!.registerAgent(registration, sessionID: session, now: now) {
        case .failure(let error):
            violation("agent-registration", "\(agents[index].name) refused: \(error.status) \(error.message)")
            streams[session]?.broken = true
            schedule(.agentRegisterFailed(index, attempt: attempt), after: networkDelay())
        case .success(let (agentID, actions)):
            log(
                "master: \(agents[index].name) registers as \(agentID) on \(session) (\(registration.tasks.count) tasks)"
            )
            masterAgentSessions[session] = agentID
            if agents[index].link == .connecting(attempt: attempt) {
                agents[index].link = .linked(stream: session)
            } else {
                // The agent gave up on this attempt; the stream has nobody listening.
                breakStream(session)
            }
            send(.opened, on: session)
            performMaster(actions)
        }
    }

    /// A one-shot POST from an agent. Lost if the master is down, the agent cut off or
    /// the session unknown (the shell answers 403 and the agent's timers retry).
    func agentCallArrives(_ index: Int, _ session: String, _ call: AgentCall) {
        guard master != nil, !isPartitioned(index), let agentID = masterAgentSessions[session],
            agentID == call.agentID
        else {
            log("master: drops \(describe(call)) from \(agents[index].name) (no session)")
            return
        }
        log("master <- \(agents[index].name): \(describe(call))")
        master!.agentContact(agentID, sessionID: session, now: now)
        var actions: [MasterAction] = []
        switch call.type {
        case .register, .pong:
            break
        case .statusUpdate:
            guard let update = call.statusUpdate else { return }
            let frameworkKnown = master!.frameworks[update.frameworkID] != nil
            actions = master!.statusUpdate(update, from: agentID, now: now)
            if !frameworkKnown, let uuid = update.status.uuid,
                actions.contains(where: {
                    if case .sendToAgent(_, let event) = $0 { return event.type == .acknowledge }
                    return false
                })
            {
                ackedOnBehalf.insert(uuid)
            }
        case .executorExited:
            guard let exited = call.executorExited else { return }
            actions = master!.executorExited(exited, from: agentID, now: now)
        case .executorMessage:
            guard let message = call.executorMessage else { return }
            actions = master!.executorMessage(message, from: agentID)
        }
        performMaster(actions)
    }

    // MARK: Framework → master

    func subscribeArrives(_ index: Int, _ call: SchedulerCall, _ attempt: Int) {
        guard master != nil else {
            schedule(.subscribeFailed(index, attempt: attempt), after: rng.uniform(0.05, 1))
            return
        }
        let stream = openStream(to: .framework(index))
        switch master!.subscribe(call, streamID: stream, now: now) {
        case .failure(let error) where error.asStreamError:
            log("master: \(frameworks[index].name) subscribe refused on stream: \(error.message)")
            linkFramework(index, attempt: attempt, stream: stream)
            send(.opened, on: stream)
            send(.scheduler(.error(error.message)), on: stream)
            send(.closed, on: stream)
        case .failure(let error):
            violation("subscribe-refused", "\(frameworks[index].name): \(error.status) \(error.message)")
            schedule(.subscribeFailed(index, attempt: attempt), after: networkDelay())
        case .success(let (frameworkID, actions)):
            log("master: \(frameworks[index].name) subscribed as \(frameworkID) on \(stream)")
            frameworkIndexByID[frameworkID] = index
            linkFramework(index, attempt: attempt, stream: stream)
            send(.opened, on: stream)
            performMaster(actions)
        }
    }

    private func linkFramework(_ index: Int, attempt: Int, stream: String) {
        if frameworks[index].link == .connecting(attempt: attempt) {
            frameworks[index].link = .linked(stream: stream)
        } else {
            breakStream(stream)
        }
    }

    /// A scheduler call on its own HTTP request, carrying the framework's stream id.
    func schedulerCallArrives(_ index: Int, _ stream: String, _ call: SchedulerCall) {
        guard master != nil else {
            log("\(frameworks[index].name) call \(call.type.rawValue) lost: master down")
            return
        }
        switch master!.handleCall(call, streamID: stream, now: now) {
        case .failure(let error):
            log("master: \(frameworks[index].name) \(describe(call)) -> \(error.status) \(error.message)")
            if call.type == .acknowledge && error.status == 400 && error.message.contains("16 bytes") {
                violation("ack-refused", "a valid uuid was refused: \(error.message)")
            }
        case .success(let actions):
            log("master <- \(frameworks[index].name): \(describe(call))")
            if call.type == .acknowledge, let uuid = call.acknowledge?.uuid {
                frameworkAcked.insert(uuid)
                stats.statusUpdatesAcked += 1
            }
            performMaster(actions)
        }
    }
}
