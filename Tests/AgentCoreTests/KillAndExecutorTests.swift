import AgentCore
import MesosModel
import TestSupport
import Testing

@Suite("AgentCore: KILL and the executor API")
struct KillAndExecutorTests {
    @Test("KILL of a command task destroys its container with the kill policy's grace period")
    func killGracePeriods() throws {
        for (taskGrace, killGrace, expected) in [(7.0, nil, 7.0), (7, 2, 2), (nil, nil, 3)]
            as [(Double?, Double?, Double)]
        {
            var (harness, _) = AgentHarness.runningOne(killGrace: taskGrace)
            let container = try #require(harness.container(of: "t1"))
            let actions = harness.kill("t1", grace: killGrace)
            let destroy = try #require(actions.destroys.first)
            #expect(destroy.0 == container.key)
            #expect(destroy.1 == container.id)
            #expect(destroy.2 == expected)
        }
    }

    @Test("TASK_KILLING is sent only to frameworks with TASK_KILLING_STATE; the exit becomes TASK_KILLED")
    func killingState() throws {
        var (plain, plainStarting) = AgentHarness.runningOne()
        _ = plain.acknowledge("t1", plainStarting!.status.uuid!)
        #expect(plain.kill("t1").statusUpdates.isEmpty)
        var (aware, awareStarting) = AgentHarness.runningOne(capabilities: ["TASK_KILLING_STATE"])
        _ = aware.acknowledge("t1", awareStarting!.status.uuid!)
        #expect(aware.kill("t1").newUpdates.map(\.status.state) == [.killing])
        let container = try #require(plain.container(of: "t1"))
        let exited = plain.core.containerExited(
            container.key, containerID: container.id, exitCode: nil, signal: 15, message: "killed", now: plain.now)
        #expect(exited.newUpdates.map(\.status.state) == [.killed])
    }

    @Test("KILL of a task the agent never saw reports TASK_LOST")
    func killUnknown() throws {
        var harness = AgentHarness()
        harness.register()
        let update = try #require(harness.kill("ghost").newUpdates.first)
        #expect(update.status.state == .lost)
        #expect(update.status.reason == TaskStatusReason.taskUnknown)
    }

    @Test(
        "KILL after the task ended adds no second terminal update",
        .bug(id: "SIM-5", "killTask on a retired executor reports TASK_LOST"))
    func killAfterExit() throws {
        var (harness, starting) = AgentHarness.runningOne()
        _ = harness.acknowledge("t1", starting!.status.uuid!)
        let container = try #require(harness.container(of: "t1"))
        _ = harness.core.containerExited(
            container.key, containerID: container.id, exitCode: 0, signal: nil, message: "done", now: harness.now)
        let kill = harness.kill("t1")
        #expect(kill.statusUpdates.allSatisfy { $0.status.state != .lost })
        let pending = harness.core.streams[TaskKey(AgentHarness.framework, TaskID("t1"))]?.pending.map(\.state)
        #expect(pending == [.finished])
    }

    /// A registered agent with a custom executor launched for task "e-task".
    static func customExecutor() -> (harness: AgentHarness, key: ExecutorKey, actions: [AgentAction]) {
        var harness = AgentHarness()
        harness.register()
        var task = makeExecutorTask("e-task", agentID: AgentHarness.agentID, executorID: "exec1")
        task.executor?.frameworkID = AgentHarness.framework
        let actions = harness.run(task)
        return (harness, ExecutorKey(AgentHarness.framework, ExecutorID("exec1")), actions)
    }

    @Test("A custom executor is started and its task waits until it subscribes")
    func executorSubscribeDeliversQueuedTasks() throws {
        var (harness, key, actions) = Self.customExecutor()
        let launch = try #require(actions.launches.first)
        #expect(launch.0 == key)
        #expect(launch.2.taskID == nil)
        #expect(actions.statusUpdates.isEmpty)
        #expect(harness.core.executors[key]?.queuedTasks.map(\.taskID) == [TaskID("e-task")])
        let subscribed = try harness.core.executorSubscribed(
            ExecutorCall(type: .subscribe, frameworkID: AgentHarness.framework, executorID: ExecutorID("exec1")),
            now: harness.now
        ).get()
        let events = subscribed.executorEvents(key)
        try #require(events.count == 2)
        #expect(events[0].typeName == "SUBSCRIBED")
        guard case .launch(let delivered) = events[1] else {
            Issue.record("second event is \(events[1].typeName), not LAUNCH")
            return
        }
        #expect(delivered.taskID == TaskID("e-task"))
        #expect(harness.core.executors[key]?.phase == .running)
        #expect(harness.core.executors[key]?.queuedTasks.isEmpty == true)
    }

    @Test("Executor UPDATEs are validated: no STAGING, a 16-byte uuid, a known task, a subscribed executor")
    func executorUpdateValidation() throws {
        var (harness, key, _) = Self.customExecutor()
        func update(_ state: TaskState, uuid: String?, task: String = "e-task") -> ExecutorCall {
            var call = ExecutorCall(type: .update, frameworkID: AgentHarness.framework, executorID: ExecutorID("exec1"))
            call.update = .init(status: TaskStatus(taskID: TaskID(task), state: state, uuid: uuid))
            return call
        }
        #expect(
            harness.core.executorUpdate(update(.running, uuid: makeStatusUUID(1)), now: harness.now).failure?.status
                == 403)
        _ = try harness.core.executorSubscribed(
            ExecutorCall(type: .subscribe, frameworkID: AgentHarness.framework, executorID: ExecutorID("exec1")),
            now: harness.now
        ).get()
        #expect(
            harness.core.executorUpdate(update(.staging, uuid: makeStatusUUID(1)), now: harness.now).failure?.status
                == 400)
        #expect(harness.core.executorUpdate(update(.running, uuid: "short"), now: harness.now).failure?.status == 400)
        #expect(harness.core.executorUpdate(update(.running, uuid: nil), now: harness.now).failure?.status == 400)
        #expect(
            harness.core.executorUpdate(update(.running, uuid: makeStatusUUID(1), task: "other"), now: harness.now)
                .failure?.status == 400)
        let uuid = makeStatusUUID(2)
        let accepted = try harness.core.executorUpdate(update(.running, uuid: uuid), now: harness.now).get()
        #expect(accepted.newUpdates.map(\.status.uuid) == [uuid], "the executor's uuid travels to the master")
        #expect(accepted.newUpdates.first?.status.source == .executor)
        #expect(accepted.executorEvents(key) == [.acknowledged(taskID: TaskID("e-task"), uuid: uuid)])
    }

    @Test("Shutting the agent down asks every executor to stop and destroys the ones that outlive their grace")
    func shutdownAllExecutors() throws {
        var (harness, key, _) = Self.customExecutor()
        _ = harness.run(makeTask("t2", agentID: AgentHarness.agentID, cpus: 1))
        let command = try #require(harness.container(of: "t2"))
        #expect(!harness.core.allExecutorsTerminated)
        let actions = harness.core.shutdownAllExecutors(now: harness.now)
        #expect(actions.executorEvents(key) == [.shutdown], "the custom executor gets SHUTDOWN")
        #expect(actions.destroys.map(\.1) == [command.id], "the command executor's container is destroyed")
        #expect(harness.core.executors[key]?.phase == .terminating)
        #expect(harness.core.shutdownAllExecutors(now: harness.now).isEmpty, "asking twice changes nothing")
        harness.advance(by: 6)
        let destroy = try #require(harness.core.tick(now: harness.now).destroys.first { $0.0 == key })
        #expect(destroy.2 == 0, "past the 5 s grace the executor is killed")
        let executor = try #require(harness.core.executors[key])
        _ = harness.core.containerExited(
            key, containerID: executor.containerID, exitCode: nil, signal: 9, message: "killed", now: harness.now)
        _ = harness.core.containerExited(
            command.key, containerID: command.id, exitCode: nil, signal: 15, message: "killed", now: harness.now)
        #expect(harness.core.allExecutorsTerminated)
    }

    @Test("An executor that never subscribes is destroyed after the registration timeout")
    func executorRegistrationTimeout() throws {
        var (harness, key, _) = Self.customExecutor()
        harness.advance(by: 59)
        #expect(harness.core.tick(now: harness.now).destroys.isEmpty)
        harness.advance(by: 1)
        let destroy = try #require(harness.core.tick(now: harness.now).destroys.first)
        #expect(destroy.0 == key)
        #expect(destroy.2 == 0)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
