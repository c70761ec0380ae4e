import MesosModel

/// The agent checkpoint as the files it is kept in: the agent's own part (its id and the
/// checkpointing frameworks), one part per executor, one per task an executor was given and one
/// per status stream. An update then rewrites only the parts it changed — one task's, one
/// stream's — instead of the whole agent, whose encoding grew with every task it held and was
/// most of a busy agent's CPU. Tasks are parts of their own because a custom executor (a node's
/// kubelet) holds many, each with its pod: rewriting the executor on every status update cost
/// O(tasks on the node) per update.
public struct CheckpointParts: Sendable, Equatable {
    /// The id and frameworks; its `executors` and `streams` are empty.
    public var agent: AgentCheckpoint
    /// Executors without their `tasks` (and those tasks' states): those are `tasks` here.
    public var executors: [ExecutorKey: ExecutorState]
    public var tasks: [ExecutorTaskKey: TaskCheckpoint]
    public var streams: [TaskKey: StatusStream]

    public init(
        agent: AgentCheckpoint, executors: [ExecutorKey: ExecutorState] = [:],
        tasks: [ExecutorTaskKey: TaskCheckpoint] = [:], streams: [TaskKey: StatusStream] = [:]
    ) {
        self.agent = agent
        self.executors = executors
        self.tasks = tasks
        self.streams = streams
    }

    /// Nothing recorded yet.
    public static let empty = CheckpointParts(
        agent: AgentCheckpoint(agentID: nil, frameworks: [], executors: [], streams: []))

    /// Parts read back: the agent file (which, written by an older agent, may still hold every
    /// executor and stream itself), the executor files (which, written by an older agent, may
    /// still hold their tasks) and the task and stream files. Files of a framework the agent
    /// file no longer names are left out: a save that removed the framework was cut short (the
    /// agent file is written first), and the next save deletes them. So are task files whose
    /// executor file is gone.
    public init(
        agentFile: AgentCheckpoint, executors: [ExecutorState], tasks: [TaskCheckpoint] = [],
        streams: [StatusStream]
    ) {
        var agent = agentFile
        agent.executors = []
        agent.streams = []
        self.agent = agent
        let known = Set(agentFile.frameworks.compactMap(\.id))
        let whole = Dictionary(
            (agentFile.executors + executors).filter { known.contains($0.key.frameworkID) }.map { ($0.key, $0) },
            uniquingKeysWith: { _, file in file })
        self.executors = whole.mapValues(\.withoutTasks)
        self.tasks = Dictionary(
            whole.values.flatMap(\.taskCheckpoints) + tasks.filter { whole[$0.executor] != nil }.map { ($0.key, $0) },
            uniquingKeysWith: { _, file in file })
        self.streams = Dictionary(
            (agentFile.streams + streams).filter { known.contains($0.key.frameworkID) }.map { ($0.key, $0) },
            uniquingKeysWith: { _, file in file })
    }

    /// The whole checkpoint, in the order `AgentCore.checkpoint()` gives it.
    public var whole: AgentCheckpoint {
        var whole = agent
        var executors = self.executors
        for (key, part) in tasks {
            executors[key.executor]?.tasks[key.taskID] = part.task
            executors[key.executor]?.taskStates[key.taskID] = part.state
        }
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
            tasks: tasks.filter { previous.tasks[$0.key] != $0.value }.sorted { $0.key < $1.key }.map(\.value),
            removedTasks: previous.tasks.keys.filter { tasks[$0] == nil }.sorted(),
            streams: streams.values.filter { previous.streams[$0.key] != $0 }.sorted { $0.key < $1.key },
            removedStreams: previous.streams.keys.filter { streams[$0] == nil }.sorted())
    }
}

/// One task of an executor as its checkpoint file holds it.
public struct TaskCheckpoint: Codable, Sendable, Equatable {
    public var executor: ExecutorKey
    public var task: TaskInfo
    /// The latest state the agent knows (nil before the first update, as in `taskStates`).
    public var state: TaskState?

    public init(executor: ExecutorKey, task: TaskInfo, state: TaskState?) {
        self.executor = executor
        self.task = task
        self.state = state
    }

    public var key: ExecutorTaskKey { ExecutorTaskKey(executor, task.taskID) }
}

/// A task of an executor: task ids are unique within a framework, but a file per (executor,
/// task) never mixes two executors' tasks should a framework reuse an id.
public struct ExecutorTaskKey: Hashable, Sendable, Comparable {
    public var executor: ExecutorKey
    public var taskID: TaskID
    public init(_ executor: ExecutorKey, _ taskID: TaskID) {
        self.executor = executor
        self.taskID = taskID
    }
    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.executor, lhs.taskID) < (rhs.executor, rhs.taskID) }
}

extension ExecutorState {
    /// The executor's own part: its given tasks and their states are parts of their own (the
    /// states of tasks still queued for a registering executor stay, with the queue).
    var withoutTasks: ExecutorState {
        var part = self
        for taskID in tasks.keys { part.taskStates[taskID] = nil }
        part.tasks = [:]
        part.completedTasks = []
        return part
    }

    var taskCheckpoints: [(ExecutorTaskKey, TaskCheckpoint)] {
        tasks.values.map { task in
            let part = TaskCheckpoint(executor: key, task: task, state: taskStates[task.taskID])
            return (part.key, part)
        }
    }
}

/// The file writes one checkpoint needs.
public struct CheckpointChanges: Sendable, Equatable {
    public var agent: AgentCheckpoint?
    public var executors: [ExecutorState]
    public var removedExecutors: [ExecutorKey]
    public var tasks: [TaskCheckpoint]
    public var removedTasks: [ExecutorTaskKey]
    public var streams: [StatusStream]
    public var removedStreams: [TaskKey]

    public var isEmpty: Bool {
        agent == nil && executors.isEmpty && removedExecutors.isEmpty && tasks.isEmpty && removedTasks.isEmpty
            && streams.isEmpty && removedStreams.isEmpty
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
        let recorded = executors.values.filter { checkpointing.contains($0.key.frameworkID) }
        return CheckpointParts(
            agent: agent, executors: Dictionary(uniqueKeysWithValues: recorded.map { ($0.key, $0.withoutTasks) }),
            tasks: Dictionary(uniqueKeysWithValues: recorded.flatMap(\.taskCheckpoints)),
            streams: streams.filter { checkpointing.contains($0.key.frameworkID) })
    }
}
