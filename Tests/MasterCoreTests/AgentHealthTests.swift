import MasterCore
import MesosModel
import TestSupport
import Testing

/// The ping check: silent agents become unreachable, their tasks UNREACHABLE or LOST by the
/// framework's capability, and come back RUNNING when the agent re-registers.
@Suite struct AgentHealthTests {
    static func runningTask(
        _ info: FrameworkInfo
    ) -> (
        harness: MasterHarness, framework: FrameworkID, stream: String, agent: AgentID, session: String
    ) {
        var (harness, framework, stream, agent, session) = TaskTests.launched(info)
        harness.agentUpdate(TaskID("t1"), .running, framework: framework, agent: agent, uuid: nil)
        return (harness, framework, stream, agent, session)
    }

    /// The agent coming back with t1 still running.
    static func reregistration(agent: AgentID, framework: FrameworkID, info: FrameworkInfo) -> AgentRegistration {
        var task = makeTask("t1", agentID: agent, cpus: 1)
        task.resources = TestResources.allocated(task.resources ?? [], to: "*")
        let report = AgentTaskReport(
            frameworkID: framework, executorID: nil, task: task, state: .running, statusUUID: nil)
        var known = info
        known.id = framework
        return makeAgentRegistration(id: agent, tasks: [report], frameworks: [known])
    }

    @Test("REGISTERED tells the agent the total ping timeout")
    func registeredCarriesTimeout() throws {
        var config = MasterHarness.config()
        config.agentPingTimeoutSeconds = 2
        config.maxAgentPingTimeouts = 3
        var harness = MasterHarness(config: config)
        let agent = harness.registerAgent()
        let registered = try #require(agent.actions.agentEvents(for: agent.session).first?.registered)
        #expect(registered.connection?.totalPingTimeoutSeconds == 6)
    }

    @Test("An agent that answers its pings stays; one silent past the timeout is unreachable")
    func silentAgentIsUnreachable() {
        let info = makeFrameworkInfo(capabilities: ["PARTITION_AWARE"])
        var (harness, framework, stream, agent, session) = Self.runningTask(info)
        for _ in 0..<10 {  // 100 s of PONGs every 10 s: well inside 5 × 15 s each time
            harness.advance(by: 10)
            harness.core.agentContact(agent, sessionID: session, now: harness.now)
            #expect(harness.perform(harness.core.tick(now: harness.now)).updates(for: stream).isEmpty)
        }
        #expect(harness.core.agents[agent]?.connected == true)
        harness.advance(by: 74)
        #expect(harness.perform(harness.core.tick(now: harness.now)).updates(for: stream).isEmpty)
        harness.advance(by: 2)
        let marked = harness.perform(harness.core.tick(now: harness.now))
        #expect(marked.contains(.closeAgentSession(sessionID: session)))
        #expect(marked.updates(for: stream).map(\.state) == [.unreachable])
        #expect(marked.updates(for: stream).first?.reason == TaskStatusReason.agentRemoved)
        #expect(marked.schedulerEvents(for: stream).contains(.failure(agentID: agent, executorID: nil, status: nil)))
        #expect(harness.core.agents[agent]?.removed == true)
        #expect(harness.core.agents[agent]?.connected == false)
        #expect(harness.core.counters.agentsMarkedUnreachable == 1)
        // Unreachable is not terminal: the task is still the framework's, and only once.
        #expect(harness.core.frameworks[framework]?.tasks[TaskID("t1")]?.state == .unreachable)
        #expect(harness.core.allocatedScalar("cpus", on: agent) == 0)
        // A later tick does not mark it again.
        harness.advance(by: 100)
        #expect(harness.perform(harness.core.tick(now: harness.now)).updates(for: stream).isEmpty)
    }

    @Test("A framework that is not partition-aware hears TASK_LOST")
    func notPartitionAwareHearsLost() {
        var (harness, framework, stream, _, _) = Self.runningTask(makeFrameworkInfo())
        harness.advance(by: 76)
        let marked = harness.perform(harness.core.tick(now: harness.now))
        #expect(marked.updates(for: stream).map(\.state) == [.lost])
        #expect(harness.core.frameworks[framework]?.tasks[TaskID("t1")] == nil)
        #expect(harness.core.frameworks[framework]?.completedTasks.map(\.state) == [.lost])
    }

    @Test(
        "The agent back from a partition: its tasks run on, each framework hears TASK_RUNNING, nothing counted twice",
        arguments: [true, false])
    func agentReturns(partitionAware: Bool) throws {
        let info = makeFrameworkInfo(capabilities: partitionAware ? ["PARTITION_AWARE"] : [])
        var (harness, framework, stream, agent, _) = Self.runningTask(info)
        harness.advance(by: 76)
        harness.perform(harness.core.tick(now: harness.now))
        harness.advance(by: 60)
        let back = harness.registerAgent(Self.reregistration(agent: agent, framework: framework, info: info))
        #expect(back.id == agent)
        let updates = back.actions.updates(for: stream)
        try #require(updates.count == 1)
        #expect(updates[0].state == .running)
        #expect(updates[0].reason == TaskStatusReason.agentReregistered)
        #expect(updates[0].source == .master)
        #expect(updates[0].uuid == nil)
        let record = harness.core.frameworks[framework]
        #expect(record?.tasks[TaskID("t1")]?.state == .running)
        #expect(record?.completedTasks.contains { $0.id == TaskID("t1") } == false)
        #expect(harness.core.agents[agent]?.removed == false)
        #expect(harness.core.allocatedScalar("cpus", on: agent) == 1)
    }

    @Test("An agent re-registering after a plain disconnect announces nothing")
    func plainReconnectIsQuiet() {
        let info = makeFrameworkInfo(capabilities: ["PARTITION_AWARE"])
        var (harness, framework, stream, agent, session) = Self.runningTask(info)
        harness.perform(harness.core.agentDisconnected(agent, sessionID: session, now: harness.now))
        harness.advance(by: 5)
        let back = harness.registerAgent(Self.reregistration(agent: agent, framework: framework, info: info))
        #expect(back.actions.updates(for: stream).isEmpty)
    }
}
