import Foundation
import MasterCore
import MesosModel
import TestSupport
import Testing

@Suite("MasterCore: restart from the registry and agent re-registration")
struct RecoveryTests {
    /// The task as the agent got it in RUN_TASK: the master added the allocation role.
    static func launchedTask(_ id: String, agent: AgentID, cpus: Double) -> TaskInfo {
        var task = makeTask(id, agentID: agent, cpus: cpus)
        task.resources = TestResources.allocated(task.resources ?? [], to: "*")
        return task
    }

    @Test("After a master restart, agents re-register with their tasks and nothing is counted twice")
    func restartKeepsTasks() throws {
        var (harness, framework, stream, agent, _, offer) = MasterHarness.withOffer(
            makeFrameworkInfo(failoverTimeout: 300))
        harness.call(
            SchedulerCalls.accept(
                framework, offers: [offer.id],
                tasks: [makeTask("t1", agentID: agent, cpus: 1), makeTask("t2", agentID: agent, cpus: 0.5)]),
            stream: stream)
        let pending = makeStatusUUID(9)
        harness.agentUpdate(TaskID("t1"), .running, framework: framework, agent: agent, uuid: makeStatusUUID(8))
        harness.agentUpdate(TaskID("t2"), .running, framework: framework, agent: agent, uuid: pending)

        // The master process dies; a new one starts from what was persisted.
        var restarted = MasterHarness(config: MasterHarness.config(masterID: "m2"), registry: harness.persisted)
        #expect(restarted.core.agents[agent]?.recovered == true)
        #expect(restarted.core.frameworks[framework]?.recovered == true)

        var info = makeFrameworkInfo(failoverTimeout: 300)
        info.id = framework
        let resubscribed = restarted.subscribe(info)
        #expect(resubscribed.id == framework)
        let early = restarted.call(
            SchedulerCalls.reconcile(framework, tasks: [(TaskID("t1"), agent)]), stream: resubscribed.stream)
        #expect(early.updates(for: resubscribed.stream).isEmpty, "no answer while the agent may still come back")

        let reports = [
            AgentTaskReport(
                frameworkID: framework, executorID: nil, task: Self.launchedTask("t1", agent: agent, cpus: 1),
                state: .running, statusUUID: nil),
            AgentTaskReport(
                frameworkID: framework, executorID: nil, task: Self.launchedTask("t2", agent: agent, cpus: 0.5),
                state: .running, statusUUID: pending),
        ]
        let registration = makeAgentRegistration(id: agent, tasks: reports, frameworks: [info])
        let back = restarted.registerAgent(registration)
        #expect(back.id == agent)
        #expect(back.actions.agentEvents(for: back.session).first?.type == .registered)
        let tasks = try #require(restarted.core.frameworks[framework]?.tasks)
        #expect(Set(tasks.keys) == [TaskID("t1"), TaskID("t2")])
        #expect(tasks[TaskID("t2")]?.pendingUUID == pending)
        #expect(restarted.core.allocatedScalar("cpus", on: agent) == 1.5)
        let offers = restarted.offers(for: resubscribed.stream)
        #expect(offers.map { Resources($0.resources).cpus } == [2.5], "only what the tasks leave free is offered")

        // The agent's stream breaks and it registers again: still counted once.
        restarted.perform(restarted.core.agentDisconnected(agent, sessionID: back.session, now: restarted.now))
        _ = restarted.registerAgent(registration)
        #expect(restarted.core.allocatedScalar("cpus", on: agent) == 1.5)
        let answer = restarted.call(
            SchedulerCalls.reconcile(framework, tasks: [(TaskID("t1"), agent)]), stream: resubscribed.stream)
        #expect(answer.updates(for: resubscribed.stream).map(\.state) == [.running])
    }

    @Test("A framework that never returns after a restart is removed when its failover timeout passes")
    func restartedFrameworkTimesOut() {
        var harness = MasterHarness()
        let framework = harness.subscribe(makeFrameworkInfo(failoverTimeout: 50))
        var restarted = MasterHarness(config: MasterHarness.config(masterID: "m2"), registry: harness.persisted)
        restarted.advance(by: 49)
        restarted.perform(restarted.core.tick(now: restarted.now))
        #expect(restarted.core.frameworks[framework.id] != nil)
        restarted.advance(by: 2)
        restarted.perform(restarted.core.tick(now: restarted.now))
        #expect(restarted.core.frameworks[framework.id] == nil)
        #expect(restarted.persisted.removedFrameworks.contains(framework.id.value))
    }

    @Test("Weights survive a restart through the registry")
    func weightsAreDurable() throws {
        var harness = MasterHarness()
        let actions = try harness.core.updateWeights([("analytics", 3)]).get()
        harness.perform(actions)
        let restarted = MasterHarness(config: MasterHarness.config(masterID: "m2"), registry: harness.persisted)
        #expect(restarted.core.allocator.weights["analytics"] == 3)
    }

    @Test("An agent re-registering as the registry admits it, after a restart, costs no registry write")
    func unchangedReregistrationWritesNothing() throws {
        // The agent's info as the wire and the store carry it: both round trips go through JSON.
        let resources = try Resources.parse("cpus:4;mem:8192;disk:8192;ports:[31000-32000]").list
        var harness = MasterHarness()
        let first = harness.registerAgent(makeAgentRegistration(resources: resources))
        #expect(first.actions.contains(.persistRegistry))
        let stored = try JSONDecoder().decode(MasterRegistry.self, from: JSONEncoder().encode(harness.persisted))
        var restarted = MasterHarness(config: MasterHarness.config(masterID: "m2"), registry: stored)
        let wire = try JSONDecoder().decode(
            AgentRegistration.self,
            from: JSONEncoder().encode(makeAgentRegistration(resources: resources, id: first.id)))
        let again = restarted.registerAgent(wire)
        #expect(!again.actions.contains(.persistRegistry))
        #expect(restarted.core.agents[first.id]?.recovered == false)
    }

    @Test(
        "A STAGING task the re-registering agent does not know is not kept forever",
        .bug(id: "SIM-1", "adoptReportedWork skips TASK_STAGING tasks"))
    func lostRunTaskIsNotKept() {
        var (harness, framework, stream, agent, session, offer) = MasterHarness.withOffer()
        // RUN_TASK goes out on the session, which breaks before the agent reads it.
        harness.call(
            SchedulerCalls.accept(framework, offers: [offer.id], tasks: [makeTask("t1", agentID: agent, cpus: 1)]),
            stream: stream)
        harness.perform(harness.core.agentDisconnected(agent, sessionID: session, now: harness.now))
        harness.advance(by: 1)
        let back = harness.registerAgent(makeAgentRegistration(id: agent))
        #expect(back.actions.updates(for: stream).map(\.state) == [.lost])
        #expect(harness.core.frameworks[framework]?.tasks[TaskID("t1")] == nil)
        #expect(harness.core.allocatedScalar("cpus", on: agent) == 0)
    }
}

@Suite("MasterCore: tasks a re-registering agent no longer has")
struct MissingTaskTests {
    @Test(
        "A partition-aware framework's task missing from the re-registered agent ends",
        .bug(id: "SIM-7", "loseTask reports TASK_UNREACHABLE, which is not terminal"))
    func missingTaskEnds() {
        var (harness, framework, stream, agent, session, offer) = MasterHarness.withOffer(
            makeFrameworkInfo(capabilities: ["PARTITION_AWARE"]))
        harness.call(
            SchedulerCalls.accept(framework, offers: [offer.id], tasks: [makeTask("t1", agentID: agent, cpus: 1)]),
            stream: stream)
        harness.agentUpdate(TaskID("t1"), .running, framework: framework, agent: agent, uuid: makeStatusUUID(1))
        harness.call(
            SchedulerCalls.acknowledge(framework, agent: agent, task: TaskID("t1"), uuid: makeStatusUUID(1)),
            stream: stream)
        harness.perform(harness.core.agentDisconnected(agent, sessionID: session, now: harness.now))
        let back = harness.registerAgent(makeAgentRegistration(id: agent))
        let states = back.actions.updates(for: stream).map(\.state)
        #expect(states.count == 1)
        #expect(harness.core.allocatedScalar("cpus", on: agent) == 0)
        #expect(states.allSatisfy { $0.isTerminal }, "got \(states)")
        #expect(harness.core.frameworks[framework]?.tasks[TaskID("t1")] == nil)
    }
}
