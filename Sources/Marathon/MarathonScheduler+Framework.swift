import Foundation
import FrameworkKit
import MarathonCore
import MesosModel

/// The scheduler-API side: offers, status updates, reconciliation, and the level-triggered tick
/// that kills and launches what `InstanceReconcile` asks for and finishes deployments.
extension MarathonScheduler {
    public func subscribed(_ driver: SchedulerDriver, _ subscription: Subscription) async {
        self.driver = driver
        frameworkID = subscription.frameworkID
        offers.removeAll()
        try? await store.saveFrameworkId(subscription.frameworkID.value)
        // Explicit reconciliation of every task we know (a restart must neither lose nor
        // duplicate one), then implicit: tasks the master has and we do not are killed below.
        await reconcileKnownTasks()
        try? await driver.reconcile()
        for task in tasks.values where task.killing {
            try? await driver.kill(taskID: TaskID(task.id), agentID: AgentID(task.agentId))
        }
        wake()
    }

    func reconcileKnownTasks() async {
        guard let driver, !tasks.isEmpty else { return }
        let known = tasks.values.sorted { $0.id < $1.id }.map {
            SchedulerCall.Reconcile.Task(taskID: TaskID($0.id), agentID: AgentID($0.agentId))
        }
        try? await driver.reconcile(tasks: known)
    }

    public func offers(_ driver: SchedulerDriver, _ offers: [Offer]) async {
        self.driver = driver
        for offer in offers {
            self.offers[offer.id] = offer
            agentFacts[offer.agentID.value] = AgentFacts(offer: offer)
        }
        wake()
    }

    public func rescind(_ driver: SchedulerDriver, _ offerID: OfferID) async {
        offers.removeValue(forKey: offerID)
    }

    public func disconnected(_ driver: SchedulerDriver, reason: String) async {
        offers.removeAll()
    }

    public func update(_ driver: SchedulerDriver, _ status: TaskStatus) async {
        let id = status.taskID.value
        guard var task = tasks[id] else {
            // A task the master runs for us that no app owns (its app was deleted meanwhile, or
            // the record was lost): kill it, so nothing runs twice.
            if !status.state.isTerminal, MarathonTaskId.parse(id) != nil {
                try? await driver.kill(taskID: status.taskID, agentID: status.agentID)
            }
            return
        }
        let now = Date()
        // TASK_UNKNOWN (partition-aware reconciliation): the master has no such task, it is gone.
        guard status.state.isTerminal || status.state == .unknown else {
            if status.state == .running { startChecks(for: task) }
            await recordMesosHealth(status, of: task)
            guard task.state != status.state.rawValue else { return }
            task.state = status.state.rawValue
            if status.state == .running, task.startedAt == nil { task.startedAt = Timestamp.normalize(now) }
            task.unreachableSince = status.state == .unreachable ? (task.unreachableSince ?? now) : nil
            tasks[id] = task
            publishStatus(task, state: status.state.rawValue, message: status.message)
            try? await store.save(task)
            wake()
            return
        }
        tasks.removeValue(forKey: id)
        stopChecks(for: id)
        if status.state == .killed {
            metrics.tasksKilled += 1
        } else if status.state != .finished {
            metrics.tasksFailed += 1
        }
        publishStatus(task, state: status.state.rawValue, message: status.message)
        let appId = PathId(task.appId)
        let unhealthy = killedForHealth.remove(id) != nil
        if LaunchBackoff.countsTowardBackoff(state: status.state.rawValue, killedForHealth: unhealthy),
            let app = apps[appId]
        {
            backoffs[appId, default: LaunchBackoff(version: app.versionInfo?.lastConfigChangeAt)].recordFailure(
                of: app, now: now)
        }
        if status.state != .killed {
            lastFailures[appId] = .object([
                "appId": .string(task.appId), "host": .string(task.host), "message": .string(status.message ?? ""),
                "state": .string(status.state.rawValue), "taskId": .string(id),
                "timestamp": .string(Timestamp.format(now)), "version": .string(Timestamp.format(task.version)),
                "slaveId": .string(task.agentId),
            ])
        }
        await store.removeTask(id)
        wake()
    }

    public func failure(_ driver: SchedulerDriver, agentID: AgentID?, executorID: ExecutorID?, status: Int32?) async {
        wake()
    }

    // MARK: The tick

    /// Coalesces bursts (an API write, a batch of offers) into one tick.
    /// A tick soon: 20 ms gathers a burst of updates into one; when an app holds thousands of
    /// tasks and deciding takes longer, ticks are spaced so that deciding takes at most a fifth
    /// of the time.
    func wake() {
        guard !tickPending else { return }
        tickPending = true
        let spacing = max(0.02, lastDecisionSeconds * 4)
        Task {
            try? await Task.sleep(for: .seconds(spacing))
            await self.tick()
        }
    }

    /// Ticks never overlap: two working from the same state would launch an instance twice.
    func tick() async {
        tickPending = false
        guard !tickRunning else {
            tickRequested = true
            return
        }
        tickRunning = true
        await runTick()
        tickRunning = false
        if tickRequested {
            tickRequested = false
            wake()
        }
    }

    private func runTick() async {
        let now = Date()
        let ids = Set(apps.keys).union(tasks.values.map { PathId($0.appId) })
        lastDecisionSeconds = 0
        // Every app decided before the first suspension, each once.
        let decided = withDecisionsMemoized {
            let waiting = appsWaitingForEarlierSteps()
            return ids.sorted().filter { !waiting.contains($0) }.map { ($0, decision(for: $0)) }
        }
        var wanted: [(AppDefinition, Int)] = []
        for (id, decision) in decided {
            await expunge(decision.expunge)
            await kill(decision.kill)
            if let app = apps[id], decision.launch > 0, backoffs[id]?.allowsLaunch(now: now) ?? true {
                wanted.append((app, decision.launch))
            }
            if decision.launch == 0 { offerStats.removeValue(forKey: id) }
        }
        let finished = withDecisionsMemoized {
            publishFinishedSteps()
            return deployments.filter { isFinished($0.value.plan) }.sorted { $0.key < $1.key }
        }
        for (id, deployment) in finished where deployments[id] != nil {
            deployments.removeValue(forKey: id)
            metrics.deploymentsSucceeded += 1
            publish("deployment_success", ["id": .string(id), "plan": Self.lightPlan(deployment.plan)])
            await store.removeDeployment(id)
            logger.info("Deployment finished", metadata: ["deployment": "\(id)"])
        }
        await useOffers(wanted: wanted, now: now)
    }

    /// Apps in a later step than their deployment's current one: steps run one after the other,
    /// so an app starts or scales only after the apps it depends on reached their goal.
    func appsWaitingForEarlierSteps() -> Set<PathId> {
        var waiting: Set<PathId> = []
        for (plan, _) in deployments.values {
            let current = currentStep(of: plan)
            for step in plan.steps.dropFirst(current) { waiting.formUnion(step.actions.map(\.app.id)) }
        }
        return waiting
    }

    /// `deployment_step_success` for each step a deployment finished since the last tick.
    func publishFinishedSteps() {
        for (id, deployment) in deployments {
            let finished =
                isFinished(deployment.plan) ? deployment.plan.steps.count : currentStep(of: deployment.plan) - 1
            let reported = stepsReported[id] ?? 0
            guard finished > reported else { continue }
            for _ in reported..<finished {
                publish("deployment_step_success", ["plan": Self.lightPlan(deployment.plan)])
            }
            stepsReported[id] = finished
            if finished < deployment.plan.steps.count {
                publish(
                    "deployment_info",
                    ["plan": Self.lightPlan(deployment.plan), "currentStep": deployment.plan.steps[finished].json])
            }
        }
        for id in stepsReported.keys where deployments[id] == nil { stepsReported.removeValue(forKey: id) }
    }

    /// Forgets tasks unreachable past their app's `expungeAfterSeconds`; should one come back, its
    /// status update finds no record and the task is killed (see `update`).
    func expunge(_ ids: [String]) async {
        for id in ids {
            guard let task = tasks.removeValue(forKey: id) else { continue }
            stopChecks(for: id)
            killedForHealth.remove(id)
            logger.info("Expunging an unreachable task", metadata: ["task": "\(id)"])
            publish(
                "unknown_instance_terminated_event",
                ["instanceId": .string(id), "runSpecId": .string(task.appId), "condition": .string("Unreachable")])
            await store.removeTask(id)
        }
    }

    func kill(_ ids: [String]) async {
        let fresh = ids.filter { tasks[$0].map { !$0.killing } ?? false }
        for id in fresh { tasks[id]?.killing = true }
        await sendKills(fresh)
    }

    /// Persists the killing mark and asks the master to kill (again after a re-subscription).
    func sendKills(_ ids: [String]) async {
        for id in ids {
            guard let task = tasks[id] else { continue }
            try? await store.save(task)
            try? await driver?.kill(taskID: TaskID(id), agentID: AgentID(task.agentId))
        }
    }

    /// Launches wanted instances on the held offers, declines the rest, and suppresses offers
    /// while no app needs any (reviving when one does).
    private func useOffers(wanted: [(AppDefinition, Int)], now: Date) async {
        guard let driver, frameworkID != nil else { return }
        try? await driver.wantOffers(!wanted.isEmpty, roles: [options.role])
        if wanted.isEmpty {
            await declineAll(driver)
            return
        }
        var remaining = Dictionary(wanted.map { ($0.0.id, $0.1) }) { first, _ in first }
        for offer in offers.values.sorted(by: { $0.id < $1.id }) {
            var available = offer.resources
            var launches: [TaskInfo] = []
            for (app, _) in wanted {
                var first = true
                while remaining[app.id, default: 0] > 0, launches.count < options.maxInstancesPerOffer {
                    let placed = await place(app, on: offer, available: &available, now: now)
                    if first {
                        switch placed {
                        case .success: offerStats[app.id, default: OfferStats()].used(at: now)
                        case .failure(let rejection):
                            offerStats[app.id, default: OfferStats()].rejected(rejection, at: now)
                        }
                        first = false
                    }
                    guard case .success(let task) = placed else { break }
                    launches.append(task)
                    remaining[app.id, default: 0] -= 1
                }
            }
            guard !launches.isEmpty else { continue }
            offers.removeValue(forKey: offer.id)
            do {
                try await driver.launch(offerID: offer.id, tasks: launches, filters: Filters(refuseSeconds: 0))
                metrics.tasksLaunched += launches.count
            } catch {
                logger.warning("LAUNCH failed; the instances are retried", metadata: ["error": "\(error)"])
                for task in launches {
                    tasks.removeValue(forKey: task.taskID.value)
                    await store.removeTask(task.taskID.value)
                }
            }
        }
        await declineAll(driver)
    }

    /// One instance of `app` on `offer` if it fits; the task is recorded (and persisted) before
    /// it is launched, so a restart right after the launch still knows it.
    private func place(
        _ app: AppDefinition, on offer: Offer, available: inout [Resource], now: Date
    ) async
        -> Result<TaskInfo, OfferMatcher.Rejection>
    {
        let agent = agentFacts[offer.agentID.value] ?? AgentFacts(offer: offer)
        let placed = liveTasks(of: app.id).map { agentFacts[$0.agentId] ?? AgentFacts(hostname: $0.host) }
        let match: OfferMatch
        switch OfferMatcher.match(app, available: &available, agent: agent, placed: placed) {
        case .success(let found): match = found
        case .failure(let rejection): return .failure(rejection)
        }
        let taskId = MarathonTaskId(appId: app.id, uuid: UUID().uuidString)
        let task = AppTask.taskInfo(
            app: app, taskId: taskId, agentID: offer.agentID, hostname: offer.hostname, match: match)
        let record = TaskRecord(
            id: taskId.description, appId: app.id.description, agentId: offer.agentID.value, host: offer.hostname,
            ports: match.hostPorts, state: TaskState.staging.rawValue, stagedAt: Timestamp.normalize(now),
            startedAt: nil, version: app.version ?? now, configVersion: app.versionInfo?.lastConfigChangeAt ?? now,
            killing: false, role: options.role)
        tasks[record.id] = record
        try? await store.save(record)
        return .success(task)
    }

    private func declineAll(_ driver: SchedulerDriver) async {
        guard !offers.isEmpty else { return }
        let ids = Array(offers.keys)
        offers.removeAll()
        try? await driver.decline(offerIDs: ids, filters: Filters(refuseSeconds: options.declineSeconds))
    }
}
