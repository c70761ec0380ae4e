import AgentCore
import MesosModel
import TestSupport
import Testing

/// A custom executor holding many tasks (a node's kubelet holds every pod on it): a task's
/// status update rewrites that task's checkpoint part alone, and a task that ended and was
/// acknowledged leaves the executor's live tasks and the checkpoint.
@Suite struct ExecutorTaskCheckpointTests {
    static let executor = ExecutorKey(AgentHarness.framework, ExecutorID("exec1"))

    /// A subscribed executor given tasks a, b and c by a checkpointing framework.
    static func running() throws -> AgentHarness {
        var harness = AgentHarness()
        harness.register()
        for id in ["a", "b", "c"] {
            var task = makeExecutorTask(id, agentID: AgentHarness.agentID, executorID: "exec1", cpus: 0.1, mem: 10)
            task.executor?.frameworkID = AgentHarness.framework
            harness.run(task, checkpoint: true)
            if id == "a" { try harness.subscribe() }
        }
        return harness
    }

    @Test("A task's update rewrites its own task part and stream, not the executor or its other tasks")
    func updateTouchesOneTask() throws {
        var harness = try Self.running()
        let before = harness.core.checkpointParts()
        #expect(before.tasks.keys.map(\.taskID).sorted() == ["a", "b", "c"].map(TaskID.init))
        #expect(before.executors[Self.executor]?.tasks.isEmpty == true)
        _ = try harness.update("b", .running, 1)
        let after = harness.core.checkpointParts()
        let changes = after.changes(since: before)
        #expect(changes.executors.isEmpty)
        #expect(changes.tasks.map(\.task.taskID) == [TaskID("b")])
        #expect(changes.tasks.first?.state == .running)
        #expect(changes.streams.map(\.key.taskID) == [TaskID("b")])
        #expect(after.whole == harness.core.checkpoint())
        #expect(after.whole.executors.first?.tasks.count == 3)
        #expect(after.whole.executors.first?.taskStates[TaskID("b")] == .running)
    }

    @Test("An older agent's executor file holding its tasks reads back whole and is split at the next save")
    func legacyExecutorFile() throws {
        let harness = try Self.running()
        let checkpoint = harness.core.checkpoint()
        let agentFile = AgentCheckpoint(
            agentID: checkpoint.agentID, frameworks: checkpoint.frameworks, executors: [], streams: [])
        let read = CheckpointParts(agentFile: agentFile, executors: checkpoint.executors, streams: checkpoint.streams)
        #expect(read.whole == checkpoint)
        let onDisk = CheckpointParts(
            agent: agentFile, executors: Dictionary(uniqueKeysWithValues: checkpoint.executors.map { ($0.key, $0) }),
            streams: Dictionary(uniqueKeysWithValues: checkpoint.streams.map { ($0.key, $0) }))
        let changes = read.changes(since: onDisk)
        #expect(changes.executors.map(\.key) == [Self.executor])
        #expect(changes.executors.first?.tasks.isEmpty == true)
        #expect(changes.tasks.count == 3)
        #expect(changes.streams.isEmpty)
    }

    @Test("A task file whose executor file is gone is left out, and deleted at the next save")
    func orphanedTask() throws {
        let parts = try Self.running().core.checkpointParts()
        let read = CheckpointParts(
            agentFile: parts.agent, executors: [], tasks: Array(parts.tasks.values), streams: [])
        #expect(read.tasks.isEmpty)
        #expect(read.changes(since: parts).removedTasks.count == 3)
    }

    @Test("An acknowledged, ended task leaves the executor's tasks and the checkpoint, and is still known as ended")
    func acknowledgedTaskCompletes() throws {
        var harness = try Self.running()
        let before = harness.core.checkpointParts()
        let finished = try harness.update("b", .finished, 2)
        let uuid = try #require(finished.newUpdates.first?.status.uuid)
        #expect(harness.core.executors[Self.executor]?.tasks[TaskID("b")] != nil, "kept until acknowledged")
        harness.acknowledge("b", uuid)
        let executor = try #require(harness.core.executors[Self.executor])
        #expect(executor.tasks[TaskID("b")] == nil && executor.taskStates[TaskID("b")] == nil)
        #expect(executor.completedTasks.map(\.task.taskID) == [TaskID("b")])
        #expect(executor.completedTasks.map(\.state) == [.finished])
        let changes = harness.core.checkpointParts().changes(since: before)
        #expect(changes.removedTasks.map(\.taskID) == [TaskID("b")])
        #expect(changes.executors.isEmpty, "completed tasks are not checkpointed")
        #expect(harness.kill("b").statusUpdates.isEmpty, "a kill of an ended task reports nothing")
        #expect(harness.core.registration().register?.tasks.map(\.task.taskID) == ["a", "c"].map(TaskID.init))
    }

    @Test("An executor keeps at most maxCompletedTasksPerExecutor completed tasks, the newest")
    func completedTasksAreBounded() throws {
        var harness = try Self.running()
        harness.core.config.maxCompletedTasksPerExecutor = 2
        for (n, id) in ["a", "b", "c"].enumerated() {
            let done = try harness.core.executorUpdate(
                AgentHarness.executorUpdate(id, .finished, UInt8(n + 3)), now: harness.now
            ).get()
            harness.acknowledge(id, try #require(done.newUpdates.first?.status.uuid))
        }
        let executor = try #require(harness.core.executors[Self.executor])
        #expect(executor.completedTasks.map(\.task.taskID) == ["b", "c"].map(TaskID.init))
        #expect(executor.tasks.isEmpty)
    }
}
