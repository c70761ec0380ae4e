import MasterCore
import MesosModel
import TestSupport
import Testing

@Suite("MasterCore: status updates, acknowledgements, KILL and RECONCILE")
struct TaskTests {
    /// A framework with task "t1" (1 cpu) launched on the agent.
    static func launched(
        _ info: FrameworkInfo = makeFrameworkInfo(), killGrace: Double? = nil
    )
        -> (harness: MasterHarness, framework: FrameworkID, stream: String, agent: AgentID, session: String)
    {
        var (harness, framework, stream, agent, session, offer) = MasterHarness.withOffer(info)
        harness.call(
            SchedulerCalls.accept(
                framework, offers: [offer.id],
                tasks: [makeTask("t1", agentID: agent, cpus: 1, killGracePeriod: killGrace)]),
            stream: stream)
        return (harness, framework, stream, agent, session)
    }

    @Test("Agent updates reach the framework with their uuid; ACKNOWLEDGE goes back to the agent")
    func updateAndAcknowledge() throws {
        var (harness, framework, stream, agent, session) = Self.launched()
        let uuid = makeStatusUUID(1)
        let actions = harness.agentUpdate(TaskID("t1"), .running, framework: framework, agent: agent, uuid: uuid)
        let update = try #require(actions.updates(for: stream).first)
        #expect(update.state == .running)
        #expect(update.uuid == uuid)
        #expect(update.agentID == agent)
        #expect(harness.core.frameworks[framework]?.tasks[TaskID("t1")]?.pendingUUID == uuid)
        let ack = harness.call(
            SchedulerCalls.acknowledge(framework, agent: agent, task: TaskID("t1"), uuid: uuid), stream: stream)
        #expect(
            ack.agentEvents(for: session) == [
                .acknowledge(.init(frameworkID: framework, taskID: TaskID("t1"), uuid: uuid))
            ])
        #expect(harness.core.frameworks[framework]?.tasks[TaskID("t1")]?.pendingUUID == nil)
    }

    @Test("A terminal latest state frees resources at once; the acknowledged terminal update retires the task")
    func terminalUpdateFreesResources() {
        var (harness, framework, stream, agent, _) = Self.launched()
        let running = makeStatusUUID(1)
        harness.agentUpdate(TaskID("t1"), .running, framework: framework, agent: agent, uuid: running)
        #expect(harness.core.allocatedScalar("cpus", on: agent) == 1)
        var refresh = AgentCall.StatusUpdate(
            frameworkID: framework,
            status: TaskStatus(taskID: TaskID("t1"), state: .running, agentID: agent, uuid: running),
            latestState: .finished, latestStateOnly: true)
        refresh.status.source = .executor
        let refreshed = harness.perform(harness.core.statusUpdate(refresh, from: agent, now: harness.now))
        #expect(refreshed.updates(for: stream).isEmpty, "a latest-state refresh is not forwarded again")
        #expect(harness.core.allocatedScalar("cpus", on: agent) == 0)
        harness.call(
            SchedulerCalls.acknowledge(framework, agent: agent, task: TaskID("t1"), uuid: running), stream: stream)
        let finished = makeStatusUUID(2)
        harness.agentUpdate(TaskID("t1"), .finished, framework: framework, agent: agent, uuid: finished)
        #expect(harness.core.frameworks[framework]?.tasks[TaskID("t1")]?.state == .finished)
        harness.call(
            SchedulerCalls.acknowledge(framework, agent: agent, task: TaskID("t1"), uuid: finished), stream: stream)
        #expect(harness.core.frameworks[framework]?.tasks[TaskID("t1")] == nil)
        #expect(harness.core.frameworks[framework]?.completedTasks.last?.state == .finished)
        #expect(harness.core.allocatedScalar("cpus", on: agent) == 0, "resources are freed once, not twice")
    }

    @Test("ACKNOWLEDGE with a uuid that is not 16 bytes is a 400")
    func acknowledgeBadUUID() {
        var (harness, framework, stream, agent, _) = Self.launched()
        for bad in ["not-base64!", StatusUUID.encode([1, 2, 3]), ""] {
            let result = harness.core.handleCall(
                SchedulerCalls.acknowledge(framework, agent: agent, task: TaskID("t1"), uuid: bad), streamID: stream,
                now: harness.now)
            #expect(result.failure?.status == 400, "uuid '\(bad)'")
        }
    }

    @Test(
        "ACKNOWLEDGE of an update for a task the master no longer tracks still reaches the agent",
        .bug(id: "SIM-2", "MasterCore.acknowledge drops unmatched acknowledgements"))
    func acknowledgeUntrackedTask() {
        var (harness, framework, stream, agent, session) = Self.launched()
        let finished = makeStatusUUID(1)
        harness.agentUpdate(TaskID("t1"), .finished, framework: framework, agent: agent, uuid: finished)
        harness.call(
            SchedulerCalls.acknowledge(framework, agent: agent, task: TaskID("t1"), uuid: finished), stream: stream)
        #expect(harness.core.frameworks[framework]?.tasks[TaskID("t1")] == nil)
        // The agent answers a later KILL of the finished task with another update (see the
        // AgentCore tests); the framework acknowledges it as it must.
        let late = makeStatusUUID(2)
        let forwarded = harness.agentUpdate(TaskID("t1"), .lost, framework: framework, agent: agent, uuid: late)
        #expect(forwarded.updates(for: stream).first?.uuid == late)
        let ack = harness.call(
            SchedulerCalls.acknowledge(framework, agent: agent, task: TaskID("t1"), uuid: late), stream: stream)
        #expect(
            ack.agentEvents(for: session) == [
                .acknowledge(.init(frameworkID: framework, taskID: TaskID("t1"), uuid: late))
            ])
    }

    @Test("KILL of a known task goes to its agent with the kill policy")
    func killKnownTask() throws {
        var (harness, framework, stream, agent, session) = Self.launched(killGrace: 7)
        let actions = harness.call(SchedulerCalls.kill(framework, task: TaskID("t1"), agent: agent), stream: stream)
        let kill = try #require(actions.agentEvents(for: session).first?.killTask)
        #expect(kill.taskID == TaskID("t1"))
        #expect(kill.killPolicy?.gracePeriod?.seconds == 7)
        let override = harness.call(SchedulerCalls.kill(framework, task: TaskID("t1"), gracePeriod: 2), stream: stream)
        #expect(override.agentEvents(for: session).first?.killTask?.killPolicy?.gracePeriod?.seconds == 2)
    }

    @Test("KILL of an unknown task is answered by reconciliation: TASK_LOST")
    func killUnknownTask() throws {
        var (harness, framework, stream, agent, session) = Self.launched()
        let actions = harness.call(SchedulerCalls.kill(framework, task: TaskID("ghost"), agent: agent), stream: stream)
        let update = try #require(actions.updates(for: stream).first)
        #expect(update.taskID == TaskID("ghost"))
        #expect(update.state == .lost)
        #expect(update.reason == TaskStatusReason.reconciliation)
        #expect(update.uuid == nil)
        #expect(actions.agentEvents(for: session).isEmpty)
    }

    @Test("Partition-aware frameworks learn TASK_GONE (agent known) or TASK_UNKNOWN (no agent)")
    func partitionAwareUnknownTasks() {
        var (harness, framework, stream, agent, _) = Self.launched(makeFrameworkInfo(capabilities: ["PARTITION_AWARE"]))
        let withAgent = harness.call(
            SchedulerCalls.reconcile(framework, tasks: [(TaskID("ghost"), agent)]), stream: stream)
        #expect(withAgent.updates(for: stream).map(\.state) == [.gone])
        let withoutAgent = harness.call(
            SchedulerCalls.reconcile(framework, tasks: [(TaskID("ghost"), nil)]), stream: stream)
        #expect(withoutAgent.updates(for: stream).map(\.state) == [.unknown])
    }

    @Test("Explicit reconciliation reports the latest state, from the master, without uuid")
    func explicitReconcile() throws {
        var (harness, framework, stream, agent, _) = Self.launched()
        harness.agentUpdate(TaskID("t1"), .running, framework: framework, agent: agent, uuid: makeStatusUUID(1))
        let actions = harness.call(
            SchedulerCalls.reconcile(framework, tasks: [(TaskID("t1"), agent), (TaskID("nope"), agent)]), stream: stream
        )
        let updates = actions.updates(for: stream)
        try #require(updates.count == 2)
        #expect(updates[0].taskID == TaskID("t1"))
        #expect(updates[0].state == .running)
        #expect(updates[1].state == .lost)
        for update in updates {
            #expect(update.reason == TaskStatusReason.reconciliation)
            #expect(update.source == .master)
            #expect(update.uuid == nil)
        }
    }

    @Test("Implicit reconciliation reports every task the master knows, and is idempotent")
    func implicitReconcile() {
        var (harness, framework, stream, agent, _, offer) = MasterHarness.withOffer()
        harness.call(
            SchedulerCalls.accept(
                framework, offers: [offer.id],
                tasks: [makeTask("a", agentID: agent), makeTask("b", agentID: agent), makeTask("c", agentID: agent)]),
            stream: stream)
        harness.agentUpdate(TaskID("b"), .running, framework: framework, agent: agent, uuid: makeStatusUUID(3))
        let first = harness.call(SchedulerCalls.reconcile(framework), stream: stream).updates(for: stream)
        #expect(first.map(\.taskID.value) == ["a", "b", "c"])
        #expect(first.map(\.state) == [.staging, .running, .staging])
        #expect(first.allSatisfy { $0.reason == TaskStatusReason.reconciliation && $0.uuid == nil })
        let second = harness.call(SchedulerCalls.reconcile(framework), stream: stream).updates(for: stream)
        #expect(second.map(\.state) == first.map(\.state))
    }

    @Test("A disconnected agent's offers are rescinded; past the re-register timeout its tasks are lost")
    func agentLoss() {
        var config = MasterHarness.config()
        config.agentReregisterTimeoutSeconds = 60
        var harness = MasterHarness(config: config)
        let agent = harness.registerAgent()
        let framework = harness.subscribe(makeFrameworkInfo())
        let offer = harness.offers(for: framework.stream)[0]
        harness.call(
            SchedulerCalls.accept(
                framework.id, offers: [offer.id], tasks: [makeTask("t1", agentID: agent.id, cpus: 1)]),
            stream: framework.stream)
        harness.advance(by: 6)
        let second = harness.offers(for: framework.stream)
        #expect(second.count == 1)
        let lost = harness.perform(harness.core.agentDisconnected(agent.id, sessionID: agent.session, now: harness.now))
        #expect(lost.schedulerEvents(for: framework.stream) == [.rescind(second[0].id)])
        harness.advance(by: 61)
        let removal = harness.perform(harness.core.tick(now: harness.now))
        #expect(removal.updates(for: framework.stream).map(\.state) == [.lost])
        #expect(removal.updates(for: framework.stream).first?.reason == TaskStatusReason.agentRemoved)
        #expect(
            removal.schedulerEvents(for: framework.stream).contains(
                .failure(agentID: agent.id, executorID: nil, status: nil)))
        #expect(harness.core.offers.isEmpty)
    }
}
