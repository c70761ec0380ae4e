import MesosModel

/// The agent checkpoint as the files it is kept in: the agent's own part (its id and the
/// checkpointing frameworks) and one part per executor and per status stream. An update then
/// rewrites only the parts it changed — one executor, one stream — instead of the whole agent,
/// whose encoding grew with every task it held and was most of a busy agent's CPU.
public struct CheckpointParts: Sendable, Equatable {
    /// The id and frameworks; its `executors` and `streams` are empty.
    public var agent: AgentCheckpoint
    public var executors: [ExecutorKey: ExecutorState]
    public var streams: [TaskKey: StatusStream]

    public init(
        agent: AgentCheckpoint, executors: [ExecutorKey: ExecutorState] = [:], streams: [TaskKey: StatusStream] = [:]
    ) {
        self.agent = agent
        self.executors = executors
        self.streams = streams
    }

    /// Nothing recorded yet.
    public static let empty = CheckpointParts(
        agent: AgentCheckpoint(agentID: nil, frameworks: [], executors: [], streams: []))

    /// Parts read back: the agent file (which, written by an older agent, may still hold every
    /// executor and stream itself) and the executor and stream files. Files of a framework the
    /// agent file no longer names are left out: a save that removed the framework was cut short
    /// (the agent file is written first), and the next save deletes them.
    public init(agentFile: AgentCheckpoint, executors: [ExecutorState], streams: [StatusStream]) {
        var agent = agentFile
        agent.executors = []
        agent.streams = []
        self.agent = agent
        let known = Set(agentFile.frameworks.compactMap(\.id))
        self.executors = Dictionary(
            (agentFile.executors + executors).filter { known.contains($0.key.frameworkID) }.map { ($0.key, $0) },
            uniquingKeysWith: { _, file in file })
        self.streams = Dictionary(
            (agentFile.streams + streams).filter { known.contains($0.key.frameworkID) }.map { ($0.key, $0) },
            uniquingKeysWith: { _, file in file })
    }

    /// The whole checkpoint, in the order `AgentCore.checkpoint()` gives it.
    public var whole: AgentCheckpoint {
        var whole = agent
        whole.executors = executors.values.sorted { $0.key < $1.key }
        whole.streams = streams.values.sorted { $0.key < $1.key }
        return whole
    }

    /// What to write and delete to go from `previous` (what the files hold) to these parts.
    public func changes(since previous: CheckpointParts) -> CheckpointChanges {
        CheckpointChanges(
            agent: agent == previous.agent ? nil : agent,
            executors: executors.values.filter { previous.executors[$0.key] != $0 }.sorted { $0.key < $1.key },
            removedExecutors: previous.executors.keys.filter { executors[$0] == nil }.sorted(),
            streams: streams.values.filter { previous.streams[$0.key] != $0 }.sorted { $0.key < $1.key },
            removedStreams: previous.streams.keys.filter { streams[$0] == nil }.sorted())
    }
}

/// The file writes one checkpoint needs.
public struct CheckpointChanges: Sendable, Equatable {
    public var agent: AgentCheckpoint?
    public var executors: [ExecutorState]
    public var removedExecutors: [ExecutorKey]
    public var streams: [StatusStream]
    public var removedStreams: [TaskKey]

    public var isEmpty: Bool {
        agent == nil && executors.isEmpty && removedExecutors.isEmpty && streams.isEmpty && removedStreams.isEmpty
    }
}

extension AgentCore {
    /// `checkpoint()` by parts, without sorting or encoding anything.
    public func checkpointParts() -> CheckpointParts {
        let checkpointing = Set(frameworks.values.filter { $0.checkpoint == true }.compactMap(\.id))
        let agent = AgentCheckpoint(
            agentID: agentID,
            frameworks: frameworks.values.filter { $0.id.map(checkpointing.contains) ?? false }
                .sorted { ($0.id?.value ?? "") < ($1.id?.value ?? "") },
            executors: [], streams: [])
        return CheckpointParts(
            agent: agent, executors: executors.filter { checkpointing.contains($0.key.frameworkID) },
            streams: streams.filter { checkpointing.contains($0.key.frameworkID) })
    }
}
