import Foundation
import FrameworkKit
import KubeClient
import KubeSchedulerCore
import KubeTypes
import MesosModel

/// One scheduling cycle: every pending pod against every node, offered resources first.
extension KubeSchedulerFramework {
    /// Cycles never overlap: the actor lets another call in at every `await`, and two cycles
    /// working from the same pending list would launch a pod twice (the second task fails as a
    /// duplicate and the pod with it). A cycle asked for meanwhile runs right after.
    func cycle() async {
        guard !cycleRunning else {
            cyclePending = false
            cycleRequested = true
            return
        }
        cycleRunning = true
        await runCycle()
        cycleRunning = false
        if cycleRequested {
            cycleRequested = false
            scheduleSoon()
        }
    }

    private func runCycle() async {
        cyclePending = false
        guard let driver, let frameworkID else { return }
        let clock = ContinuousClock()
        let began = clock.now
        let now = Date().timeIntervalSince1970
        let allPods = await pods.list()
        let pending = allPods.filter { isPending($0) && (backoff[Self.key($0)]?.until ?? 0) <= now }
        let waiting = allPods.contains(where: isPending)
        if !waiting {
            await declineAll(driver)
            if !suppressed {
                try? await driver.suppress(roles: [options.role])
                suppressed = true
            }
            return
        }
        let waitingKeys = Set(allPods.filter(isPending).map(Self.key))
        let newlyWaiting = waitingKeys.contains { pendingSince[$0] == nil }
        // New pods and no offer in hand: revive, which asks the master for an allocation now.
        // Without it a pod created just after another launched waits for the next periodic run
        // (the rest of that agent went back unfiltered, but is only offered again then).
        if suppressed || (newlyWaiting && offers.isEmpty) {
            try? await driver.revive(roles: [options.role])
            suppressed = false
        }
        pendingSince = pendingSince.filter { waitingKeys.contains($0.key) }
        for key in waitingKeys where pendingSince[key] == nil { pendingSince[key] = now }
        guard !pending.isEmpty, !offers.isEmpty || preemptionMayHelp(pending: pending, allPods: allPods) else {
            // Offers nobody here can use now go back at once, so other frameworks get them.
            await declineAll(driver)
            if waiting && pending.isEmpty { retryAfterBackoff(now: now) }
            return
        }
        let listed = clock.now
        let offersByAgent = Dictionary(grouping: offers.values, by: \.agentID)
        let (clusterNodes, agentOfNode) = await schedulingNodes(offersByAgent: offersByAgent, allPods: allPods)
        let catalog = await volumeCatalog()
        let budgets = await disruptionBudgets?.list() ?? []
        let scheduler = KubeScheduler(volumes: catalog, disruptionBudgets: budgets, offerShare: options.offerShare)
        let outcome = scheduler.schedule(pending: pending, nodes: clusterNodes, using: &random)
        let decided = clock.now
        let pendingByKey = Dictionary(pending.map { (Self.key($0), $0) }, uniquingKeysWith: { first, _ in first })
        let (tasksByAgent, heldBack) = recordLaunches(
            for: outcome.assignments, pods: pendingByKey, offersByAgent: offersByAgent, agentOfNode: agentOfNode,
            frameworkID: frameworkID)
        // The claims learn their node before the pods launch; the kubelet waits for them to bind.
        for (key, placed) in launches where pendingByKey[key] != nil {
            await selectNode(placed.nodeName, for: placed.pod, catalog: catalog)
        }
        await launch(tasksByAgent, offers: offersByAgent, driver: driver)
        // Pods held back by the offer share still want resources: decline without a filter, so
        // the allocator offers them again as soon as this role is the one furthest below its share.
        // So do pods left for the next offers.
        let waitForOffers = heldBack || !outcome.deferred.isEmpty
        await declineAll(driver, refuseSeconds: waitForOffers ? 0 : options.declineSeconds)
        reportScheduled(outcome.assignments, pods: pendingByKey)
        let offeringNodes = Set(offersByAgent.keys.compactMap { nodeNames[$0] })
        await handleFailures(outcome.failures, pods: pendingByKey, offeringNodes: offeringNodes, now: now)
        retryAfterBackoff(now: now)
        logCycle(
            pending: pending.count, offers: offersByAgent.count, nodes: clusterNodes.count, outcome: outcome,
            stages: (began.duration(to: listed), listed.duration(to: decided), decided.duration(to: clock.now)))
    }

    /// Records a launch for each of the core's assignments and returns the tasks per agent; true
    /// when some were held back by the offer share.
    private func recordLaunches(
        for assignments: [Assignment], pods pendingByKey: [String: JSON], offersByAgent: [AgentID: [Offer]],
        agentOfNode: [String: AgentID], frameworkID: FrameworkID
    ) -> (tasks: [AgentID: [TaskInfo]], heldBack: Bool) {
        var tasksByAgent: [AgentID: [TaskInfo]] = [:]
        var takenMilliCPU: [AgentID: Int64] = [:]
        let offeredMilliCPU = offersByAgent.mapValues { AgentNode.offered($0).milliCPU }
        var heldBack = false
        for assignment in assignments {
            guard let pod = pendingByKey[assignment.pod.key], let agentID = agentOfNode[assignment.nodeName] else {
                continue
            }
            // At most `offerShare` of an offer's cpus per cycle (and always one pod): the rest goes
            // back, and the allocator's DRF order decides who gets it next, so one large offer
            // cannot carry this framework far past its share while others wait.
            let requested = PodRequests(pod: pod).milliCPU
            let offered = offeredMilliCPU[agentID, default: 0]
            let taken = takenMilliCPU[agentID, default: 0]
            if taken > 0, Double(taken + requested) > Double(offered) * options.offerShare {
                heldBack = true
                continue
            }
            takenMilliCPU[agentID] = taken + max(requested, 1)
            let task = PodTask.taskInfo(
                pod: pod, agentID: agentID, nodeName: assignment.nodeName, frameworkID: frameworkID,
                role: options.role, kubelet: options.kubelet)
            tasksByAgent[agentID, default: []].append(task)
            launches[assignment.pod.key] = Launch(
                taskID: task.taskID, agentID: agentID, nodeName: assignment.nodeName, pod: pod)
            backoff.removeValue(forKey: assignment.pod.key)
            reported.removeValue(forKey: assignment.pod.key)
            pendingSince.removeValue(forKey: assignment.pod.key)
        }
        return (tasksByAgent, heldBack)
    }

    /// What each cycle cost, by stage: the first look when placement is slow.
    private func logCycle(
        pending: Int, offers: Int, nodes: Int, outcome: SchedulingOutcome, stages: (Duration, Duration, Duration)
    ) {
        logger.debug(
            "scheduling cycle",
            metadata: [
                "pending": "\(pending)", "offers": "\(offers)", "nodes": "\(nodes)",
                "placed": "\(outcome.assignments.count)", "failed": "\(outcome.failures.count)",
                "deferred": "\(outcome.deferred.count)",
                "list": "\(stages.0)", "core": "\(stages.1)", "after": "\(stages.2)",
            ])
    }

    static func key(_ pod: JSON) -> String { pod.namespace + "/" + pod.name }

    /// Pods that did not fit: back-off, preemption where the core found room, and the verdict on
    /// the pod. A nomination on a node that offers nothing now is carried out only once the pod
    /// has waited `preemptionOfferWait` for offers.
    func handleFailures(
        _ failures: [SchedulingFailure], pods: [String: JSON], offeringNodes: Set<String>, now: Double
    ) async {
        for failure in failures {
            guard let pod = pods[failure.pod.key] else { continue }
            noteFailure(failure.pod.key, now: now)
            if let nomination = failure.nomination,
                offeringNodes.contains(nomination.nodeName)
                    || now - (pendingSince[failure.pod.key] ?? now) >= options.preemptionOfferWait
            {
                await carryOut(nomination, for: pod)
            }
            await reportUnschedulable(pod, message: failure.message)
        }
    }

    /// Upstream's Scheduled event for each pod whose task was launched, written behind the cycle:
    /// awaited here, one API write per pod held the next cycle back (321 pods: 16 s of a loaded
    /// master) while every pod created meanwhile waited for it.
    func reportScheduled(_ assignments: [Assignment], pods: [String: JSON]) {
        let scheduled = assignments.compactMap { assignment -> (JSON, String)? in
            guard launches[assignment.pod.key] != nil, let pod = pods[assignment.pod.key] else { return nil }
            return (pod, "Successfully assigned \(assignment.pod.key) to \(assignment.nodeName)")
        }
        guard !scheduled.isEmpty else { return }
        behindTheCycle { [events] in
            for (pod, message) in scheduled {
                await events.record(.normal, reason: "Scheduled", message: message, about: .pod(pod))
            }
        }
    }

    /// Runs `writes` after the writes queued before it, without holding the cycle: what the
    /// scheduler reports (events, conditions) keeps its order but never delays a placement.
    func behindTheCycle(_ writes: @escaping @Sendable () async -> Void) {
        let previous = reportWrites
        reportWrites = Task {
            await previous?.value
            await writes()
        }
    }

    /// One ACCEPT per agent with every pod placed there, at most `concurrentAccepts` at a time
    /// (each is a call to the master; one after another they held a large cycle for seconds);
    /// a refused launch makes its pods pending again.
    func launch(
        _ tasksByAgent: [AgentID: [TaskInfo]], offers offersByAgent: [AgentID: [Offer]], driver: SchedulerDriver
    )
        async
    {
        let calls = tasksByAgent.map { agentID, tasks in (offersByAgent[agentID]?.map(\.id) ?? [], tasks) }
        for (offerIDs, _) in calls { for id in offerIDs { offers.removeValue(forKey: id) } }
        var refused: Set<TaskID> = []
        await withTaskGroup(of: [TaskID].self) { group in
            var running = 0
            for (offerIDs, tasks) in calls {
                if running == Self.concurrentAccepts, let failed = await group.next() {
                    refused.formUnion(failed)
                    running -= 1
                }
                running += 1
                group.addTask { [logger] in
                    do {
                        // What the pods leave of these offers comes back at the next allocation:
                        // while pods keep arriving the allocator, not a filter, decides who gets
                        // the rest (DRF order).
                        try await driver.accept(
                            offerIDs: offerIDs, operations: [OfferOperation(launch: tasks)],
                            filters: Filters(refuseSeconds: 0))
                        return []
                    } catch {
                        logger.warning("ACCEPT failed; the pods stay pending", metadata: ["error": "\(error)"])
                        return tasks.map(\.taskID)
                    }
                }
            }
            for await failed in group { refused.formUnion(failed) }
        }
        if !refused.isEmpty { launches = launches.filter { !refused.contains($0.value.taskID) } }
    }

    static let concurrentAccepts = 16

    func declineAll(_ driver: SchedulerDriver, refuseSeconds: Double? = nil) async {
        guard !offers.isEmpty else { return }
        let ids = Array(offers.keys)
        offers.removeAll()
        try? await driver.decline(
            offerIDs: ids, filters: Filters(refuseSeconds: refuseSeconds ?? options.declineSeconds))
    }

    /// Nodes with offers now, then the others (they count in "0/N nodes are available").
    func schedulingNodes(
        offersByAgent: [AgentID: [Offer]], allPods: [JSON]
    ) async -> ([SchedulingNode], [String: AgentID]) {
        var boundPods: [String: [JSON]] = [:]
        var bound: Set<String> = []
        for pod in allPods {
            let node = pod[path: ["spec", "nodeName"]]?.stringValue ?? ""
            guard !node.isEmpty else { continue }
            bound.insert(Self.key(pod))
            if !Self.finished(pod) { boundPods[node, default: []].append(pod) }
        }
        // Launched pods the kubelet has not bound yet already hold their share of the node; once
        // bound they are counted above (the launch record keeps the pod as it was at launch, unbound).
        for (key, launch) in launches where !bound.contains(key) {
            var pod = launch.pod
            pod[path: ["spec", "nodeName"]] = .string(launch.nodeName)
            boundPods[launch.nodeName, default: []].append(pod)
        }
        var result: [SchedulingNode] = []
        var agentOfNode: [String: AgentID] = [:]
        for (agentID, agentOffers) in offersByAgent {
            guard let name = nodeNames[agentID] else { continue }
            agentOfNode[name] = agentID
            let node = await nodes.get(name: name) ?? synthesizedNode(agentID: agentID, offer: agentOffers[0])
            result.append(
                SchedulingNode(node: node, offered: AgentNode.offered(agentOffers), pods: boundPods[name] ?? []))
        }
        for node in await nodes.list() where agentOfNode[node.name] == nil {
            result.append(SchedulingNode(node: node, offered: nil, pods: boundPods[node.name] ?? []))
        }
        return (result, agentOfNode)
    }

    static func finished(_ pod: JSON) -> Bool {
        let phase = pod[path: ["status", "phase"]]?.stringValue ?? ""
        return phase == "Succeeded" || phase == "Failed"
    }

    func noteFailure(_ key: String, now: Double) {
        let attempts = (backoff[key]?.attempts ?? 0) + 1
        let delay = min(options.maxBackoff, options.initialBackoff * pow(2, Double(attempts - 1)))
        backoff[key] = (attempts, now + delay)
    }

    /// Pods waiting out their back-off are looked at again when it ends, offers or not.
    func retryAfterBackoff(now: Double) {
        guard let next = backoff.values.map(\.until).filter({ $0 > now }).min() else { return }
        Task {
            try? await Task.sleep(for: .milliseconds(Int64((next - now) * 1000) + 10))
            self.scheduleSoon()
        }
    }
}
