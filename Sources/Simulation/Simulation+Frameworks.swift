import AgentCore
import MasterCore
import MesosModel
import TestSupport

/// Scripted schedulers. They reach the master only through scheduler calls and events.
extension SimulationRun {
    func startFramework() {
        let index = frameworks.count
        let info: FrameworkInfo
        switch index % 3 {
        case 0:
            info = makeFrameworkInfo(name: "sim-fw\(index)", failoverTimeout: 60, checkpoint: true)
        case 1:
            info = makeFrameworkInfo(
                name: "sim-fw\(index)", role: "analytics", failoverTimeout: 30, capabilities: ["TASK_KILLING_STATE"])
        default:
            info = makeFrameworkInfo(
                name: "sim-fw\(index)", roles: ["web", "batch"], failoverTimeout: 90,
                capabilities: ["MULTI_ROLE", "PARTITION_AWARE"])
        }
        frameworks.append(SimFramework(index: index, info: info))
        log("fw\(index) starts (roles \(info.effectiveRoles), failover \(info.failoverTimeout ?? 0) s)")
        schedule(.frameworkSubscribe(index), after: 0)
        schedule(.frameworkStep(index), after: rng.uniform(1, 3))
        if let mean = config.faults.frameworkDisconnectMeanInterval {
            schedule(.faultFrameworkDisconnect(index), after: rng.exponential(mean: mean))
        }
    }

    /// SUBSCRIBE (again) on a new connection, with the framework id once it has one. When
    /// the old stream is still open this is a failover to a new scheduler instance.
    func frameworkSubscribe(_ index: Int) {
        var fw = frameworks[index]
        guard !fw.removed, !isConnecting(fw.link) else { return }
        if let awayUntil = fw.awayUntil, now < awayUntil { return }
        fw.awayUntil = nil
        fw.attempt += 1
        fw.link = .connecting(attempt: fw.attempt)
        fw.subscribed = false
        fw.offers = [:]
        var info = fw.info
        info.id = fw.id
        frameworks[index] = fw
        log("\(fw.name) sends SUBSCRIBE (attempt \(fw.attempt), id \(fw.id?.value ?? "none"))")
        schedule(.subscribeArrives(index, SchedulerCalls.subscribe(info), attempt: fw.attempt), after: networkDelay())
    }

    private func isConnecting(_ link: LinkState) -> Bool {
        if case .connecting = link { return true }
        return false
    }

    func subscribeFailed(_ index: Int, _ attempt: Int) {
        guard frameworks[index].link == .connecting(attempt: attempt) else { return }
        frameworks[index].link = .idle
        schedule(.frameworkSubscribe(index), after: rng.uniform(0.5, 3))
    }

    func frameworkReceives(_ index: Int, stream: String, _ payload: StreamPayload) {
        guard frameworks[index].link == .linked(stream: stream) else { return }
        switch payload {
        case .opened:
            break
        case .closed:
            frameworkLostLink(index, stream: stream, graceful: true)
        case .agent:
            violation("network", "agent event on a framework stream")
        case .scheduler(let event):
            log("\(frameworks[index].name) <- \(describe(event))")
            handleSchedulerEvent(index, event)
        }
    }

    func frameworkLostLink(_ index: Int, stream: String, graceful: Bool) {
        guard frameworks[index].link == .linked(stream: stream) else { return }
        frameworks[index].link = .idle
        frameworks[index].subscribed = false
        frameworks[index].offers = [:]
        if frameworks[index].removed { return }
        if graceful && frameworks[index].tearingDown {
            markRemoved(index, why: "torn down")
            return
        }
        log("\(frameworks[index].name) lost stream \(stream)")
        let earliest = max(now + rng.uniform(0.2, 2), frameworks[index].awayUntil ?? 0)
        queue.push(.frameworkSubscribe(index), at: earliest)
    }

    func markRemoved(_ index: Int, why: String) {
        guard !frameworks[index].removed else { return }
        frameworks[index].removed = true
        frameworks[index].link = .idle
        frameworks[index].subscribed = false
        stats.frameworksRemoved += 1
        log("\(frameworks[index].name) is gone (\(why))")
        let active = frameworks.filter { !$0.removed }.count
        if !quiescing && active < config.frameworkCount && frameworks.count < config.frameworkCount * 3 {
            schedule(.startFramework, after: rng.uniform(1, 5))
        }
    }

    func handleSchedulerEvent(_ index: Int, _ event: SchedulerEvent) {
        switch event {
        case .subscribed(let frameworkID, _, _):
            let resubscribed = frameworks[index].everSubscribed
            frameworks[index].id = frameworkID
            frameworks[index].subscribed = true
            frameworks[index].suppressed = false
            frameworks[index].everSubscribed = true
            frameworkIndexByID[frameworkID] = index
            if frameworks[index].tearingDown {
                call(index, SchedulerCalls.teardown(frameworkID))
            } else if resubscribed {
                reconcileEverything(index)
            }
        case .offers(let offers):
            stats.offersReceived += offers.count
            for offer in offers {
                frameworks[index].offers[offer.id] = offer
                decideOffer(index, offer)
            }
        case .rescind(let offerID):
            frameworks[index].offers[offerID] = nil
        case .update(let status):
            applyUpdate(index, status)
        case .error(let message):
            if message.contains("removed") { markRemoved(index, why: message) }
        case .failure, .message, .heartbeat:
            break
        }
    }

    /// Sends a scheduler call on its own request with the current stream id.
    func call(_ index: Int, _ call: SchedulerCall) {
        guard let stream = frameworks[index].stream else { return }
        schedule(.schedulerCallArrives(index, stream: stream, call), after: networkDelay())
    }

    // MARK: Updates

    func applyUpdate(_ index: Int, _ status: TaskStatus) {
        let fw = frameworks[index]
        guard let frameworkID = fw.id, var task = fw.tasks[status.taskID] else {
            violation(
                "unknown-task-update", "\(fw.name) got \(status.state.rawValue) for \(status.taskID) it never launched")
            return
        }
        if status.state == .error && !task.invalid {
            violation("valid-task-refused", "\(status.taskID): \(status.message ?? "")")
        }
        if status.state == .error { task.sawError = true }
        guard let uuid = status.uuid else {
            task.state = status.state
            frameworks[index].tasks[status.taskID] = task
            return
        }
        if task.seenUUIDs.contains(uuid) {
            stats.duplicateUpdatesSeen += 1
        } else {
            let generated = generatedUUIDs[TaskKey(frameworkID, status.taskID)] ?? []
            let position = task.seenUUIDs.count
            if position >= generated.count || generated[position] != uuid {
                violation(
                    "update-order",
                    "\(fw.name) got \(status.state.rawValue) for \(status.taskID) as update #\(position + 1), but the agent generated \(generated.map { shortUUID($0) }) and it saw \(task.seenUUIDs.map { shortUUID($0) })"
                )
            }
            task.seenUUIDs.append(uuid)
            task.state = status.state
            if status.state.isTerminal { stats.tasksFinishedTerminal += 1 }
        }
        frameworks[index].tasks[status.taskID] = task
        guard let agentID = status.agentID else {
            violation("update-shape", "update for \(status.taskID) with a uuid but no agent id")
            return
        }
        // Every delivery is acknowledged, duplicates too: an earlier ack may have been lost.
        if config.sabotage == .frameworksNeverAcknowledge { return }
        call(index, SchedulerCalls.acknowledge(frameworkID, agent: agentID, task: status.taskID, uuid: uuid))
    }

    func reconcileEverything(_ index: Int) {
        guard let frameworkID = frameworks[index].id else { return }
        let open = frameworks[index].tasks.filter { !$0.value.terminal }.keys.sorted()
        if !open.isEmpty {
            call(
                index,
                SchedulerCalls.reconcile(frameworkID, tasks: open.map { ($0, frameworks[index].tasks[$0]?.agentID) }))
        }
        call(index, SchedulerCalls.reconcile(frameworkID))
    }

    // MARK: Offers

    func decideOffer(_ index: Int, _ offer: Offer) {
        let fw = frameworks[index]
        guard let frameworkID = fw.id else { return }
        if quiescing || fw.suppressed || fw.tearingDown {
            frameworks[index].offers[offer.id] = nil
            call(index, SchedulerCalls.decline(frameworkID, offers: [offer.id], refuseSeconds: quiescing ? 3600 : 5))
            return
        }
        let draw = rng.unit()
        if draw < 0.5 {
            acceptOffer(index, offer)
        } else if draw < 0.75 {
            schedule(.frameworkUseHeldOffer(index, offer.id), after: rng.uniform(0.2, 6))
        } else {
            frameworks[index].offers[offer.id] = nil
            let refuse: Double? = rng.chance(0.2) ? nil : rng.uniform(0, 20)
            call(index, SchedulerCalls.decline(frameworkID, offers: [offer.id], refuseSeconds: refuse))
        }
    }

    func useHeldOffer(_ index: Int, _ offerID: OfferID) {
        guard let offer = frameworks[index].offers[offerID], frameworks[index].stream != nil else { return }
        if quiescing || rng.chance(0.3) {
            frameworks[index].offers[offerID] = nil
            call(index, SchedulerCalls.decline(frameworks[index].id!, offers: [offerID], refuseSeconds: 1))
        } else {
            acceptOffer(index, offer)
        }
    }

    /// Packs a few command tasks into the offer; now and then one is deliberately invalid.
    func acceptOffer(_ index: Int, _ offer: Offer) {
        guard let frameworkID = frameworks[index].id else { return }
        frameworks[index].offers[offer.id] = nil
        let offered = Resources(offer.resources)
        var cpus = offered.cpus
        var mem = offered.mem
        var tasks: [TaskInfo] = []
        for _ in 0..<rng.int(1...3) {
            let taskCPUs = rng.pick([0.1, 0.25, 0.5, 1.0])!
            let taskMem = rng.pick([32.0, 64, 128, 256])!
            guard taskCPUs <= cpus + 1e-9, taskMem <= mem + 1e-9 else { break }
            cpus -= taskCPUs
            mem -= taskMem
            tasks.append(newTask(index, offer: offer, cpus: taskCPUs, mem: taskMem))
        }
        if rng.chance(0.05) { tasks.append(invalidTask(index, offer: offer, spare: (cpus, mem))) }
        for task in tasks {
            frameworks[index].tasks[task.taskID] = FrameworkTask(
                agentID: offer.agentID, state: nil, invalid: task.name.hasPrefix("invalid"))
        }
        let refuse: Double? = rng.chance(0.3) ? nil : rng.uniform(0, 5)
        log("\(frameworks[index].name) accepts \(offer.id) with \(tasks.map(\.taskID.value))")
        call(index, SchedulerCalls.accept(frameworkID, offers: [offer.id], tasks: tasks, refuseSeconds: refuse))
    }

    func nextTaskID(_ index: Int) -> String {
        frameworks[index].nextTaskNumber += 1
        return "\(frameworks[index].name)-t\(frameworks[index].nextTaskNumber)"
    }

    func newTask(_ index: Int, offer: Offer, cpus: Double, mem: Double) -> TaskInfo {
        let grace: Double? = rng.chance(0.3) ? rng.uniform(0, 4) : nil
        var task = makeTask(
            nextTaskID(index), agentID: offer.agentID, cpus: cpus, mem: mem, command: "sleep 30",
            killGracePeriod: grace)
        if let role = offer.allocationInfo?.role {
            task.resources = TestResources.allocated(task.resources ?? [], to: role)
        }
        return task
    }

    /// A task the master must refuse with TASK_ERROR.
    func invalidTask(_ index: Int, offer: Offer, spare: (cpus: Double, mem: Double)) -> TaskInfo {
        var task = newTask(index, offer: offer, cpus: 0.1, mem: 32)
        switch rng.int(0...2) {
        case 0:
            task = makeTask(task.taskID.value + "/bad", agentID: offer.agentID)
        case 1:
            task.resources = TestResources.cpus(spare.cpus + 1, mem: 32)
        default:
            task.executor = ExecutorInfo(
                executorID: ExecutorID("both"), frameworkID: nil, command: CommandInfo(value: "./exec"), resources: nil)
        }
        if let role = offer.allocationInfo?.role {
            task.resources = TestResources.allocated(task.resources ?? [], to: role)
        }
        task.name = "invalid \(task.name)"
        return task
    }
}
