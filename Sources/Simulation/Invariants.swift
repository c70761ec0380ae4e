import AgentCore
import MasterCore
import MesosModel

/// Safety invariants (after every step) and liveness invariants (after quiescing).
extension SimulationRun {
    func checkSafety() {
        guard let master else { return }
        checkMasterAccounting(master)
        checkOffers(master)
    }

    /// Offered + used ≤ total on every agent, and the allocator agrees with the master's books.
    func checkMasterAccounting(_ master: MasterCore) {
        var committed: [AgentID: [Double]] = [:]
        func charge(_ agentID: AgentID, _ amounts: [Double]) {
            var sums = committed[agentID] ?? [0, 0, 0]
            for position in sums.indices { sums[position] += amounts[position] }
            committed[agentID] = sums
        }
        for framework in master.frameworks.values {
            for task in framework.tasks.values where !task.resourcesRecovered {
                charge(task.agentID, scalars(of: task.resources, key: "\(framework.id.value)/\(task.id.value)"))
            }
            for (agentID, executors) in framework.executors {
                for executor in executors.values {
                    charge(agentID, scalars(of: Resources(executor.resources ?? []), key: nil))
                }
            }
        }
        for offer in master.offers.values { charge(offer.agentID, scalars(of: offer.resources, key: offer.id.value)) }
        for agentID in master.agents.keys.sorted() {
            guard let agent = master.agents[agentID], !agent.removed else { continue }
            checkAgentBooks(master, agent, committed: committed[agentID] ?? [0, 0, 0])
        }
    }

    private func checkAgentBooks(_ master: MasterCore, _ agent: AgentRecord, committed sums: [Double]) {
        let agentID = agent.id
        for (position, name) in Self.checkedScalars.enumerated()
        where sums[position] > agent.totalResources.scalar(name) + 0.0005 {
            violation(
                "over-allocation",
                "\(agentID): \(name) offered+used \(amount(sums[position])) > total \(amount(agent.totalResources.scalar(name)))"
            )
        }
        guard !agent.recovered, master.allocator.total(ofAgent: agentID) != nil else { return }
        var held: [Double] = [0, 0, 0]
        for resources in master.allocator.allocated(onAgent: agentID).values {
            for (position, name) in Self.checkedScalars.enumerated() { held[position] += resources.scalar(name) }
        }
        for (position, name) in Self.checkedScalars.enumerated() where abs(held[position] - sums[position]) > 0.0005 {
            violation(
                "allocator-drift",
                "\(agentID): allocator holds \(name) \(amount(held[position])), master's offers+tasks \(amount(sums[position]))"
            )
        }
    }

    /// Scalar amounts of an immutable resource bag (a task's or an offer's), memoised by id
    /// because summing `Resources` on every step would dominate a debug-build run.
    func scalars(of resources: Resources, key: String?) -> [Double] {
        if let key, let cached = scalarCache[key] { return cached }
        let amounts = Self.checkedScalars.map { resources.scalar($0) }
        if let key { scalarCache[key] = amounts }
        return amounts
    }

    /// The scalars agents have in the simulation.
    static let checkedScalars = ["cpus", "mem", "disk"]

    /// Offers exist only for live agents and connected frameworks.
    func checkOffers(_ master: MasterCore) {
        for offerID in master.offers.keys.sorted() {
            guard let offer = master.offers[offerID] else { continue }
            guard let agent = master.agents[offer.agentID], !agent.removed, agent.connected else {
                violation(
                    "offer-on-gone-agent", "\(offerID) references \(offer.agentID), which is removed or disconnected")
                continue
            }
            if master.frameworks[offer.frameworkID]?.connected != true {
                let state = master.frameworks[offer.frameworkID] == nil ? "removed" : "disconnected"
                violation("offer-to-absent-framework", "\(offerID) is held for \(state) \(offer.frameworkID)")
            }
        }
    }

    /// Ground truth: the containers running on an agent fit in its resources. Containers of
    /// tasks the master has already ended itself (framework removed, agent removed) are left
    /// out: like Mesos, the master frees their resources when it sends the kill, while the
    /// processes are still in their grace period.
    func checkAgentCapacity(_ index: Int) {
        var running = Resources()
        for containerID in containers.keys.sorted() where containers[containerID]?.agent == index {
            let key = containers[containerID]!.taskKey
            if let master, master.frameworks[key.frameworkID]?.tasks[key.taskID].map({ $0.resourcesRecovered }) ?? true
            {
                continue
            }
            running += containers[containerID]!.resources
        }
        let total = Resources(agents[index].core.config.resources)
        for name in running.names.sorted() where running.scalar(name) > total.scalar(name) + 0.0005 {
            let tasks = containers.keys.sorted().compactMap { id -> String? in
                guard let container = containers[id], container.agent == index else { return nil }
                let known = master?.frameworks[container.taskKey.frameworkID]?.tasks[container.taskKey.taskID]
                return
                    "\(container.taskKey.taskID)(\(amount(container.resources.scalar(name))), master: \(known?.latestState.rawValue ?? "untracked"))"
            }
            violation(
                "agent-overcommitted",
                "\(agents[index].name) runs \(name) \(amount(running.scalar(name))) of \(amount(total.scalar(name))): \(tasks.joined(separator: " "))"
            )
        }
    }

    /// Tracks every agent status stream: new uuids in generation order, and drops only after an ack.
    func refreshPendingUpdates(_ index: Int) {
        var current: [TaskKey: [String]] = [:]
        for (key, stream) in agents[index].core.streams {
            current[key] = stream.pending.compactMap(\.uuid)
        }
        for key in current.keys.sorted() {
            for uuid in current[key]! where !generatedSet.contains(uuid) {
                generatedSet.insert(uuid)
                generatedUUIDs[key, default: []].append(uuid)
            }
        }
        for key in agents[index].pending.keys.sorted() {
            let remaining = Set(current[key] ?? [])
            for uuid in agents[index].pending[key]! where !remaining.contains(uuid) {
                if droppedUUIDs.contains(uuid) {
                    violation("update-dropped-twice", "\(key.taskID) update \(shortUUID(uuid))")
                }
                droppedUUIDs.insert(uuid)
                if !frameworkAcked.contains(uuid) && !ackedOnBehalf.contains(uuid)
                    && !removedFrameworks.contains(key.frameworkID)
                {
                    violation(
                        "update-dropped-without-ack",
                        "\(agents[index].name) dropped \(key.taskID) update \(shortUUID(uuid)) nobody acknowledged")
                }
            }
        }
        agents[index].pending = current
    }

    // MARK: Liveness

    func checkLiveness() {
        guard let master else {
            violation("liveness", "the master is down at the end of the run")
            return
        }
        for agent in agents {
            if !agent.core.registered {
                violation("agent-not-registered", "\(agent.name) is not registered at the end")
            }
            for key in agent.core.streams.keys.sorted() {
                let pending = agent.core.streams[key]!.pending.map {
                    "\($0.state.rawValue)/\(shortUUID($0.uuid ?? ""))"
                }
                let known =
                    master.frameworks[key.frameworkID]?.tasks[key.taskID].map { $0.state.rawValue } ?? "untracked"
                violation(
                    "update-unacknowledged", "\(agent.name) still holds \(key.taskID): \(pending) (master: \(known))")
            }
        }
        for fw in frameworks where !fw.removed {
            checkFrameworkLiveness(fw, master)
        }
        checkNoOrphans(master)
    }

    func checkFrameworkLiveness(_ fw: SimFramework, _ master: MasterCore) {
        guard let frameworkID = fw.id, fw.stream != nil else {
            violation("framework-not-subscribed", "\(fw.name) is not subscribed at the end")
            return
        }
        let record = master.frameworks[frameworkID]
        for taskID in fw.tasks.keys.sorted() {
            let task = fw.tasks[taskID]!
            let key = TaskKey(frameworkID, taskID)
            if task.invalid {
                // Refused (TASK_ERROR), or its ACCEPT never counted (lost, stale offer) and
                // reconciliation says so; launching it is caught when its container starts.
                if !task.terminal { violation("invalid-task-not-refused", "\(taskID) never ended") }
                continue
            }
            let generated = generatedUUIDs[key] ?? []
            if generated != task.seenUUIDs {
                violation(
                    "update-lost",
                    "\(fw.name) saw \(task.seenUUIDs.count) of \(generated.count) updates the agent generated for \(taskID)"
                )
            }
            let masterTask = record?.tasks[taskID]
            if task.terminal {
                if let masterTask, !masterTask.state.isTerminal {
                    violation(
                        "views-disagree",
                        "\(taskID): framework saw \(task.state!.rawValue), master has \(masterTask.state.rawValue)")
                }
                continue
            }
            guard let masterTask else {
                violation(
                    "task-vanished",
                    "\(taskID) (\(task.state?.rawValue ?? "no update")) is unknown to the master and never ended")
                continue
            }
            if masterTask.state != task.state {
                violation(
                    "views-disagree",
                    "\(taskID): framework has \(task.state?.rawValue ?? "nothing"), master \(masterTask.state.rawValue)"
                )
            }
            if liveContainerByTask[key] == nil {
                violation("task-not-running", "\(taskID) is \(masterTask.state.rawValue) but no container runs it")
            }
        }
    }

    /// Every live container belongs to a task the master tracks for a framework that still
    /// exists, and every live task the master tracks runs somewhere.
    func checkNoOrphans(_ master: MasterCore) {
        for containerID in containers.keys.sorted() {
            let container = containers[containerID]!
            let key = container.taskKey
            let fwGone = frameworkIndexByID[key.frameworkID].map { frameworks[$0].removed } ?? true
            let masterTask = master.frameworks[key.frameworkID]?.tasks[key.taskID]
            if fwGone || masterTask == nil || masterTask!.latestState.isTerminal {
                violation(
                    "orphan-container",
                    "\(agents[container.agent].name) still runs \(key.taskID) of \(fwGone ? "removed " : "")\(key.frameworkID); master has \(masterTask?.latestState.rawValue ?? "no task")"
                )
            }
        }
        for frameworkID in master.frameworks.keys.sorted() {
            for task in master.frameworks[frameworkID]!.tasks.values.sorted(by: { $0.id < $1.id })
            where !task.latestState.isTerminal && liveContainerByTask[TaskKey(frameworkID, task.id)] == nil {
                violation(
                    "ghost-task",
                    "master tracks \(task.id) as \(task.latestState.rawValue) on \(task.agentID); nothing runs it")
            }
        }
    }
}
