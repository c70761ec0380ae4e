import MesosModel

/// Agent health as Mesos checks it: the master PINGs every connected agent each
/// `agentPingTimeoutSeconds`; an agent that has not answered (PONG, or any other call on its
/// session) for `maxAgentPingTimeouts` of them is unreachable. Its session is dropped, its offers
/// rescinded, and its tasks become TASK_UNREACHABLE for partition-aware frameworks and TASK_LOST
/// for the others. An unreachable agent may come back: it re-registers with its tasks, which
/// then run on (since Mesos 1.5 the master no longer kills the tasks of frameworks that are not
/// partition-aware) and each framework hears their state again at once.
extension MasterCore {
    /// How long a connected agent may stay silent before it is marked unreachable.
    public var totalPingTimeoutSeconds: Double {
        config.agentPingTimeoutSeconds * Double(max(config.maxAgentPingTimeouts, 1))
    }

    /// Anything the agent sends on its current session shows it is alive.
    public mutating func agentContact(_ agentID: AgentID, sessionID: String, now: Double) {
        guard var agent = agents[agentID], agent.sessionID == sessionID else { return }
        agent.lastContact = now
        agents[agentID] = agent
    }

    /// A PING to every connected agent once per `agentPingTimeoutSeconds`.
    mutating func pingAgents(now: Double) -> [MasterAction] {
        guard now - lastPingTime >= config.agentPingTimeoutSeconds else { return [] }
        lastPingTime = now
        return agents.values.sorted(by: { $0.id < $1.id }).compactMap { agent in
            guard let session = agent.sessionID, !agent.removed else { return nil }
            return .sendToAgent(sessionID: session, AgentEvent(type: .ping))
        }
    }

    /// Connected agents silent past the total ping timeout are unreachable.
    mutating func markSilentAgentsUnreachable(now: Double) -> [MasterAction] {
        let limit = totalPingTimeoutSeconds
        let silent = agents.values.filter { agent in
            agent.connected && !agent.removed && now - (agent.lastContact ?? agent.registeredTime) > limit
        }
        var actions: [MasterAction] = []
        for agent in silent.sorted(by: { $0.id < $1.id }) {
            guard let session = agent.sessionID else { continue }
            counters.agentsMarkedUnreachable += 1
            actions += agentDisconnected(agent.id, sessionID: session, now: now)
            actions.append(.closeAgentSession(sessionID: session))
            actions += removeAgent(
                agent.id, now: now,
                message: "Agent \(agent.id) is unreachable: no answer to \(config.maxAgentPingTimeouts) pings")
        }
        return actions
    }

    /// Before a re-registering unreachable agent's tasks are adopted: the tasks it reports that
    /// were given up on (TASK_UNREACHABLE, or TASK_LOST for frameworks that are not
    /// partition-aware) while the agent was away. Lost ones leave the completed list, since they
    /// are live again. Tasks this master never knew were given up by a master before it (the
    /// agent is on the registry's unreachable list): they return too.
    mutating func takeBackTasksGivenUp(_ registration: AgentRegistration, agentID: AgentID) -> Set<String> {
        var returning: Set<String> = []
        for report in registration.tasks where !report.state.isTerminal {
            guard let framework = frameworks[report.frameworkID] else { continue }
            let taskID = report.task.taskID
            if let known = framework.tasks[taskID] {
                if known.agentID == agentID, known.state == .unreachable {
                    returning.insert("\(report.frameworkID.value)/\(taskID.value)")
                }
            } else if let index = framework.completedTasks.lastIndex(where: {
                $0.id == taskID && $0.agentID == agentID && $0.state == .lost
            }) {
                frameworks[report.frameworkID]?.completedTasks.remove(at: index)
                returning.insert("\(report.frameworkID.value)/\(taskID.value)")
            } else {
                returning.insert("\(report.frameworkID.value)/\(taskID.value)")
            }
        }
        return returning
    }

    /// Tells each framework the state of its tasks that came back with their agent (master
    /// generated: no uuid, nothing to acknowledge).
    func announceReturnedTasks(_ returning: Set<String>, agentID: AgentID, now: Double) -> [MasterAction] {
        var actions: [MasterAction] = []
        for framework in frameworks.values.sorted(by: { $0.id < $1.id }) {
            for task in framework.tasks.on(agentID)
            where returning.contains("\(framework.id.value)/\(task.id.value)") {
                let status = TaskStatus(
                    taskID: task.id, state: task.latestState, message: "Agent \(agentID) reregistered",
                    source: .master, reason: TaskStatusReason.agentReregistered, agentID: agentID,
                    executorID: task.executorID, timestamp: now)
                actions.append(.observed(.taskUpdated(framework.id, status)))
                if let stream = framework.streamID {
                    actions.append(.sendToFramework(streamID: stream, .update(status)))
                }
            }
        }
        return actions
    }
}
