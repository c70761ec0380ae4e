import AgentCore
import MesosModel
import TestSupport
import Testing

@Suite("AgentCore: registration and status-update streams")
struct StatusUpdateTests {
    @Test("REGISTER carries the agent's info; REGISTERED sets the id and is checkpointed")
    func registration() {
        var harness = AgentHarness()
        let call = harness.core.registration()
        #expect(call.type == .register)
        #expect(call.agentID == nil)
        #expect(call.register?.agentInfo.hostname == "agent1.test")
        #expect(Resources(call.register?.agentInfo.resources ?? []).cpus == 4)
        #expect(call.register?.endpoint == "10.0.0.2:5051")
        #expect(!harness.core.registered)
        let actions = harness.register()
        #expect(actions.contains(.checkpoint))
        #expect(harness.core.agentID == AgentHarness.agentID)
        #expect(harness.core.registered)
        #expect(harness.core.registration().register?.agentInfo.id == AgentHarness.agentID)
    }

    @Test("A command task starts a container and reports TASK_STARTING with a fresh uuid")
    func commandTaskLaunch() throws {
        var harness = AgentHarness()
        harness.register()
        let actions = harness.run(makeTask("t1", agentID: AgentHarness.agentID, command: "echo hi"))
        let launch = try #require(actions.launches.first)
        #expect(launch.0 == ExecutorKey(AgentHarness.framework, ExecutorID("t1")))
        #expect(launch.2.taskID == TaskID("t1"))
        #expect(launch.2.command.value == "echo hi")
        let update = try #require(actions.statusUpdates.first)
        #expect(update.status.state == .starting)
        #expect(update.status.uuid.map(StatusUUID.isValid) == true)
        #expect(update.status.agentID == AgentHarness.agentID)
        #expect(update.frameworkID == AgentHarness.framework)
        #expect(actions.contains(.checkpoint))
    }

    @Test("One update in flight per task: later states wait, only the latest state is refreshed")
    func oneInFlight() throws {
        var (harness, starting) = AgentHarness.runningOne()
        let first = try #require(starting)
        let container = try #require(harness.container(of: "t1"))
        let started = harness.core.containerStarted(container.key, now: harness.now)
        #expect(started.newUpdates.isEmpty, "RUNNING must wait for STARTING's acknowledgement")
        let refresh = try #require(started.statusUpdates.first)
        #expect(refresh.latestStateOnly == true)
        #expect(refresh.status.uuid == first.status.uuid)
        #expect(refresh.latestState == .running)
        #expect(harness.acknowledge("t1", makeStatusUUID(99)).isEmpty, "an ack for another uuid changes nothing")
        #expect(harness.core.streams[TaskKey(AgentHarness.framework, TaskID("t1"))]?.pending.count == 2)
        let next = harness.acknowledge("t1", first.status.uuid!)
        #expect(next.newUpdates.map(\.status.state) == [.running])
        #expect(next.newUpdates.first?.status.uuid != first.status.uuid)
        _ = harness.acknowledge("t1", next.newUpdates[0].status.uuid!)
        #expect(harness.core.streams.isEmpty, "acknowledged streams are dropped")
    }

    @Test("Unacknowledged updates are retried with doubling backoff up to the cap")
    func retryBackoff() throws {
        var (harness, starting) = AgentHarness.runningOne(retryMin: 10, retryMax: 30)
        let uuid = try #require(starting?.status.uuid)
        var resent: [Double] = []
        let start = harness.now
        for _ in 0..<1000 {
            harness.advance(by: 0.5)
            let actions = harness.core.tick(now: harness.now)
            for update in actions.newUpdates {
                #expect(update.status.uuid == uuid, "a retry resends the same update")
                resent.append(harness.now - start)
            }
            if harness.now - start >= 125 { break }
        }
        #expect(resent == [10, 30, 60, 90, 120])
    }

    @Test("Nothing is sent while disconnected; REGISTERED resends every stream's head")
    func resendAfterReregistration() throws {
        var (harness, starting) = AgentHarness.runningOne()
        let uuid = try #require(starting?.status.uuid)
        harness.core.masterDisconnected()
        let container = try #require(harness.container(of: "t1"))
        #expect(harness.core.containerStarted(container.key, now: harness.now).statusUpdates.isEmpty)
        harness.advance(by: 60)
        #expect(harness.core.tick(now: harness.now).statusUpdates.isEmpty)
        let registered = harness.register()
        #expect(registered.newUpdates.map(\.status.uuid) == [uuid])
        #expect(registered.newUpdates.first?.latestState == .running)
        let report = try #require(harness.core.registration().register?.tasks.first)
        #expect(report.task.taskID == TaskID("t1"))
        #expect(report.statusUUID == uuid, "the re-registration names the update in flight")
    }

    @Test("Container exit codes map to TASK_FINISHED and TASK_FAILED")
    func exitCodes() throws {
        for (code, state) in [(Int32(0), TaskState.finished), (1, .failed)] {
            var (harness, starting) = AgentHarness.runningOne()
            let container = try #require(harness.container(of: "t1"))
            _ = harness.acknowledge("t1", starting!.status.uuid!)
            let exited = harness.core.containerExited(
                container.key, containerID: container.id, exitCode: code, signal: nil, message: "exit \(code)",
                now: harness.now)
            let update = try #require(exited.newUpdates.first)
            #expect(update.status.state == state)
            if state == .failed { #expect(update.status.reason == TaskStatusReason.commandExecutorFailed) }
            #expect(harness.core.executors.isEmpty, "the command executor is retired")
        }
    }

    @Test(
        "A re-registering agent reports a task's latest state, not its unacknowledged head",
        .bug(id: "SIM-3", "registration() reports the head update's state"))
    func registrationReportsLatestState() throws {
        var (harness, _) = AgentHarness.runningOne()
        let container = try #require(harness.container(of: "t1"))
        _ = harness.core.containerExited(
            container.key, containerID: container.id, exitCode: 0, signal: nil, message: "done", now: harness.now)
        let report = try #require(harness.core.registration().register?.tasks.first)
        #expect(report.state == .finished)
    }
}
