import MasterCore
import MesosModel
import TestSupport

/// What frameworks do on their own timers, the fault schedule and the run's phases.
extension SimulationRun {
    func frameworkStep(_ index: Int) {
        guard !frameworks[index].removed else { return }
        schedule(.frameworkStep(index), after: rng.uniform(1, 4))
        guard let frameworkID = frameworks[index].id, frameworks[index].stream != nil else { return }
        if frameworks[index].tearingDown {
            call(index, SchedulerCalls.teardown(frameworkID))
            return
        }
        if quiescing { return }
        if rng.chance(config.faults.frameworkFailoverProbability) {
            stats.frameworkFailovers += 1
            log("FAULT \(frameworks[index].name) fails over to a new scheduler instance")
            frameworks[index].link = .idle
            frameworkSubscribe(index)
            return
        }
        if rng.chance(config.faults.frameworkTeardownProbability) {
            log("\(frameworks[index].name) tears down")
            frameworks[index].tearingDown = true
            call(index, SchedulerCalls.teardown(frameworkID))
            return
        }
        randomSchedulerActivity(index, frameworkID)
    }

    private func randomSchedulerActivity(_ index: Int, _ frameworkID: FrameworkID) {
        let open = frameworks[index].tasks.filter { !$0.value.terminal && !$0.value.phantom }.keys.sorted()
        if rng.chance(0.15), let victim = rng.pick(open) {
            let grace: Double? = rng.chance(0.3) ? rng.uniform(0, 3) : nil
            log("\(frameworks[index].name) kills \(victim)")
            call(
                index,
                SchedulerCalls.kill(
                    frameworkID, task: victim, agent: frameworks[index].tasks[victim]?.agentID, gracePeriod: grace))
        }
        if rng.chance(0.02) {
            let phantom = TaskID(nextTaskID(index) + "-phantom")
            let agentID = AgentID("nowhere")
            frameworks[index].tasks[phantom] = FrameworkTask(
                agentID: agentID, state: nil, invalid: false, phantom: true)
            log("\(frameworks[index].name) kills unknown \(phantom)")
            call(index, SchedulerCalls.kill(frameworkID, task: phantom))
        }
        if rng.chance(0.08) {
            var probe: [(TaskID, AgentID?)] = []
            for _ in 0..<rng.int(1...5) {
                if let id = rng.pick(open) { probe.append((id, frameworks[index].tasks[id]?.agentID)) }
            }
            if !probe.isEmpty { call(index, SchedulerCalls.reconcile(frameworkID, tasks: probe)) }
        }
        if rng.chance(0.03) { call(index, SchedulerCalls.reconcile(frameworkID)) }
        if !frameworks[index].suppressed && rng.chance(0.04) {
            frameworks[index].suppressed = true
            call(index, SchedulerCalls.suppress(frameworkID))
        } else if frameworks[index].suppressed && rng.chance(0.3) {
            frameworks[index].suppressed = false
            call(index, SchedulerCalls.revive(frameworkID))
        }
    }

    // MARK: Faults

    func scheduleFirstFaults() {
        let faults = config.faults
        if let mean = faults.agentDisconnectMeanInterval {
            for index in 0..<config.agentCount {
                schedule(.faultAgentDisconnect(index), after: rng.exponential(mean: mean))
            }
        }
        if let mean = faults.masterCrashMeanInterval {
            schedule(.faultMasterCrash, after: rng.exponential(mean: mean))
        }
    }

    func faultMasterCrash() {
        guard !quiescing, let mean = config.faults.masterCrashMeanInterval else { return }
        schedule(.faultMasterCrash, after: rng.exponential(mean: mean) + 5)
        guard master != nil, !crashArmed else { return }
        if rng.chance(config.faults.masterMidActionCrashProbability) {
            log("FAULT master crash armed (mid-action)")
            crashArmed = true
            schedule(.masterCrash, after: 5)
        } else {
            crashMaster(reason: "between inputs")
        }
    }

    func faultFrameworkDisconnect(_ index: Int) {
        guard !quiescing, let mean = config.faults.frameworkDisconnectMeanInterval else { return }
        let fw = frameworks[index]
        guard !fw.removed else { return }
        schedule(.faultFrameworkDisconnect(index), after: rng.exponential(mean: mean))
        guard case .linked(let stream) = fw.link, !fw.tearingDown else { return }
        stats.frameworkDisconnects += 1
        let timeout = fw.info.failoverTimeout ?? 0
        if rng.chance(config.faults.frameworkOverstayProbability) {
            frameworks[index].awayUntil = now + timeout + rng.uniform(2, 20)
            log("FAULT \(fw.name) disconnects and stays away past its failover timeout")
        } else {
            frameworks[index].awayUntil = now + rng.uniform(0.1, min(5, timeout / 2))
            log("FAULT \(fw.name) disconnects")
        }
        breakStream(stream)
    }

    // MARK: Phases

    /// Faults stop, partitions heal, absent frameworks return and no new tasks are launched.
    func beginQuiesce() {
        quiescing = true
        crashArmed = false
        log("quiesce begins")
        for index in agents.indices where agents[index].partitionedUntil != nil {
            agents[index].partitionedUntil = nil
        }
        for index in frameworks.indices where frameworks[index].awayUntil != nil {
            frameworks[index].awayUntil = nil
            if frameworks[index].link == .idle { schedule(.frameworkSubscribe(index), after: 0.1) }
        }
    }

    /// Near the end every framework reconciles, as real schedulers do periodically.
    func finalReconcile() {
        log("final reconciliation")
        for index in frameworks.indices where !frameworks[index].removed {
            reconcileEverything(index)
        }
    }
}
