import AgentCore
import MesosModel
import TestSupport
import Testing

/// A custom executor's container follows its tasks: it grows when a task arrives and
/// shrinks when one ends, as Mesos' containerizer update does.
@Suite struct ExecutorResizeTests {
    static let key = ExecutorKey(AgentHarness.framework, ExecutorID("exec1"))

    static func task(_ id: String, mem: Double) -> TaskInfo {
        var task = makeExecutorTask(id, agentID: AgentHarness.agentID, executorID: "exec1", cpus: 0.5, mem: mem)
        task.executor?.frameworkID = AgentHarness.framework
        return task
    }

    static func resizes(_ actions: [AgentAction]) -> [Resources] {
        actions.compactMap { action in
            if case .updateContainer(let key, _, let resources) = action, key == Self.key {
                return Resources(resources)
            }
            return nil
        }
    }

    /// Executor (0.1 cpu, 32 MB) launched with task "a" (0.5 cpu, 100 MB), then subscribed.
    static func running() throws -> AgentHarness {
        var harness = AgentHarness()
        harness.register()
        let launch = harness.run(task("a", mem: 100))
        #expect(Resources(try #require(launch.launches.first).2.resources).mem == 132)
        #expect(resizes(launch).isEmpty, "a new container is sized at launch")
        try harness.subscribe()
        return harness
    }

    @Test("A task for a running executor grows its container by the task's resources")
    func growsOnArrival() throws {
        var harness = try Self.running()
        let grown = Self.resizes(harness.run(Self.task("b", mem: 200)))
        #expect(grown.map(\.mem) == [332])
        #expect(grown.map(\.cpus) == [1.1])
    }

    @Test("A task ending shrinks the container; a repeated terminal update does not resize again")
    func shrinksWhenATaskEnds() throws {
        var harness = try Self.running()
        harness.run(Self.task("b", mem: 200))
        let finished = try harness.update("b", .finished, 1)
        #expect(Self.resizes(finished).map(\.mem) == [132])
        let again = try harness.update("b", .finished, 2)
        #expect(Self.resizes(again).isEmpty)
        let running = try harness.update("a", .running, 3)
        #expect(Self.resizes(running).isEmpty, "only arrivals and endings resize")
    }

    @Test("Tasks queued before the executor subscribes count, and a killed queued task is taken off")
    func queuedTasksCount() {
        var harness = AgentHarness()
        harness.register()
        harness.run(Self.task("a", mem: 100))
        #expect(Self.resizes(harness.run(Self.task("b", mem: 50))).map(\.mem) == [182])
        #expect(Self.resizes(harness.kill("b")).map(\.mem) == [132])
    }

    @Test("Every task of a task group is in the container: the first at launch, the rest by resizes")
    func taskGroup() throws {
        var harness = AgentHarness()
        harness.register()
        let tasks = [Self.task("g1", mem: 64), Self.task("g2", mem: 64), Self.task("g3", mem: 64)]
        var executor = try #require(tasks[0].executor)
        executor.frameworkID = AgentHarness.framework
        let run = AgentEvent.RunTask(
            frameworkInfo: AgentHarness.frameworkInfo(), task: nil, executor: executor,
            taskGroup: TaskGroupInfo(
                tasks: tasks.map {
                    var task = $0
                    task.executor = nil
                    return task
                }))
        let actions = harness.core.handleMasterEvent(.runTask(run), now: harness.now)
        #expect(Resources(try #require(actions.launches.first).2.resources).mem == 96)
        #expect(Self.resizes(actions).map(\.mem) == [160, 224])
    }

    @Test("Command tasks and executors shutting down are never resized")
    func noResizeForCommandTasksOrShutdown() throws {
        var (harness, _) = AgentHarness.runningOne()
        harness.run(makeTask("t2", agentID: AgentHarness.agentID, cpus: 1))
        let killed = harness.kill("t1")
        #expect(killed.allSatisfy { if case .updateContainer = $0 { false } else { true } })

        var custom = try Self.running()
        custom.run(Self.task("b", mem: 200))
        _ = custom.core.handleMasterEvent(
            .shutdownFramework(AgentHarness.framework), now: custom.now)
        let late = try custom.update("b", .killed, 4)
        #expect(Self.resizes(late).isEmpty)
    }
}
