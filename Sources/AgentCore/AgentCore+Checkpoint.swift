import MesosModel

/// The agent's durable state (Mesos' agent checkpoint, mesos-api.md §8): what a restarted
/// agent needs to reattach to the containers of checkpointing frameworks and to replay
/// status updates the frameworks have not acknowledged.
public struct AgentCheckpoint: Codable, Sendable, Equatable {
    public var agentID: AgentID?
    public var frameworks: [FrameworkInfo]
    public var executors: [ExecutorState]
    public var streams: [StatusStream]

    public init(
        agentID: AgentID?, frameworks: [FrameworkInfo], executors: [ExecutorState], streams: [StatusStream]
    ) {
        self.agentID = agentID
        self.frameworks = frameworks
        self.executors = executors
        self.streams = streams
    }
}

extension AgentCore {
    /// Only frameworks that asked for `checkpoint: true` are recorded, as in Mesos: the
    /// work of the others does not survive an agent restart.
    public func checkpoint() -> AgentCheckpoint { checkpointParts().whole }

    /// Rebuilds the state of a previous agent process. `liveContainers` are the containers
    /// the shell found still running (or ended while the agent was down, which it reports
    /// next through `containerExited`); executors whose container is neither are reported
    /// lost. Custom executors must subscribe again within the registration timeout.
    /// Unacknowledged updates are resent once the agent registers with the master.
    public mutating func recover(
        _ checkpoint: AgentCheckpoint, liveContainers: Set<ContainerID>, now: Double
    ) -> [AgentAction] {
        if let id = checkpoint.agentID { agentID = id }
        for framework in checkpoint.frameworks {
            if let id = framework.id { frameworks[id] = framework }
        }
        for stream in checkpoint.streams {
            var restored = stream
            restored.nextRetry = restored.pending.isEmpty ? nil : now
            streams[stream.key] = restored
        }
        var actions: [AgentAction] = []
        for var executor in checkpoint.executors where executor.phase != .terminated {
            if !executor.isCommandExecutor && executor.phase == .running {
                executor.phase = .registering
                executor.launchedAt = now
            }
            executors[executor.key] = executor
            if !liveContainers.contains(executor.containerID) {
                actions += containerExited(
                    executor.key, containerID: executor.containerID, exitCode: nil, signal: nil,
                    message: "Container was lost while the agent was down", now: now)
            }
        }
        return actions
    }
}

extension AgentCore {
    /// The agent starts over as a new agent (its old checkpoint no longer applies).
    public mutating func forgetAgentID() {
        agentID = nil
    }
}
