import Foundation
import MasterCore
import MesosModel
import TestSupport
import Testing

/// Mesos' unreachable list: an agent the master gave up on is recorded in the registry, so a
/// master that takes over answers for its tasks, admits it back when it returns, and forgets
/// it after `--registry-max-agent-age` or beyond `--registry-max-agent-count`.
@Suite struct UnreachableRegistryTests {
    /// A partition-aware framework's task t1 on an agent that went silent and was marked unreachable.
    static func markedUnreachable(
        _ info: FrameworkInfo = makeFrameworkInfo(failoverTimeout: 300, capabilities: ["PARTITION_AWARE"])
    ) -> (harness: MasterHarness, framework: FrameworkID, agent: AgentID) {
        var (harness, framework, _, agent, _) = AgentHealthTests.runningTask(info)
        harness.advance(by: 76)
        harness.perform(harness.core.tick(now: harness.now))
        return (harness, framework, agent)
    }

    @Test("Marking an agent unreachable moves it from the admitted list to the unreachable one, durably")
    func recordedInTheRegistry() throws {
        let (harness, _, agent) = Self.markedUnreachable()
        let persisted = harness.persisted
        #expect(persisted.agents[agent.value] == nil)
        let entry = try #require(persisted.unreachable[agent.value])
        #expect(entry.time == harness.now)
        let decoded = try JSONDecoder().decode(MasterRegistry.self, from: JSONEncoder().encode(persisted))
        #expect(decoded == persisted)
    }

    @Test("The registry is written before any framework hears of the loss")
    func persistedBeforeTold() throws {
        var (harness, _, stream, _, _) = AgentHealthTests.runningTask(
            makeFrameworkInfo(failoverTimeout: 300, capabilities: ["PARTITION_AWARE"]))
        harness.advance(by: 76)
        let actions = harness.core.tick(now: harness.now)
        let persisted = try #require(actions.firstIndex(of: .persistRegistry))
        let told = try #require(
            actions.firstIndex {
                if case .sendToFramework(let id, _) = $0 { return id == stream }
                return false
            })
        #expect(persisted < told)
    }

    @Test("A registry written before the unreachable list reads with an empty one")
    func olderRegistryDecodes() throws {
        let old =
            #"{"agents":{},"weights":{"a":2},"quotas":{},"reservations":{},"frameworks":{},"removedFrameworks":[]}"#
        let registry = try JSONDecoder().decode(MasterRegistry.self, from: Data(old.utf8))
        #expect(registry.unreachable.isEmpty)
        #expect(registry.weights == ["a": 2])
    }

    @Test(
        "After a failover the agent is still unreachable: reconciliation answers UNREACHABLE (LOST), not silence",
        arguments: [true, false])
    func takeoverAnswersForItsTasks(partitionAware: Bool) throws {
        var info = makeFrameworkInfo(failoverTimeout: 300, capabilities: partitionAware ? ["PARTITION_AWARE"] : [])
        let (harness, framework, agent) = Self.markedUnreachable(info)
        let markedAt = harness.now
        var next = MasterHarness(config: MasterHarness.config(masterID: "m2"), registry: harness.persisted)
        #expect(next.core.agents[agent]?.removed == true)
        #expect(next.core.agents[agent]?.recovered == false)
        info.id = framework
        let resubscribed = next.subscribe(info)
        let answer = next.call(
            SchedulerCalls.reconcile(framework, tasks: [(TaskID("t1"), agent)]), stream: resubscribed.stream)
        let update = try #require(answer.updates(for: resubscribed.stream).first)
        #expect(update.state == (partitionAware ? .unreachable : .lost))
        #expect(update.reason == TaskStatusReason.reconciliation)
        #expect(update.unreachableTime == .object(["nanoseconds": .number((markedAt * 1e9).rounded())]))
        // Its resources are not offered, and waiting does not make it expire again.
        #expect(next.offers(for: resubscribed.stream).isEmpty)
        next.advance(by: 700)
        #expect(next.perform(next.core.tick(now: next.now)).updates(for: resubscribed.stream).isEmpty)
    }

    @Test("An unreachable agent returning to the new leader is admitted again; its task runs on, announced")
    func returnsAfterTakeover() throws {
        let info = makeFrameworkInfo(failoverTimeout: 300, capabilities: ["PARTITION_AWARE"])
        let (harness, framework, agent) = Self.markedUnreachable(info)
        var next = MasterHarness(config: MasterHarness.config(masterID: "m2"), registry: harness.persisted)
        var known = info
        known.id = framework
        let resubscribed = next.subscribe(known)
        let back = next.registerAgent(AgentHealthTests.reregistration(agent: agent, framework: framework, info: info))
        #expect(back.id == agent)
        // The framework heard UNREACHABLE from the old leader: it hears RUNNING from this one.
        let updates = back.actions.updates(for: resubscribed.stream)
        #expect(updates.map(\.state) == [.running])
        #expect(updates.first?.reason == TaskStatusReason.agentReregistered)
        #expect(next.persisted.agents[agent.value] != nil)
        #expect(next.persisted.unreachable[agent.value] == nil)
        #expect(next.core.agents[agent]?.removed == false)
        #expect(next.core.frameworks[framework]?.tasks[TaskID("t1")]?.state == .running)
        #expect(next.core.allocatedScalar("cpus", on: agent) == 1)
        let answer = next.call(
            SchedulerCalls.reconcile(framework, tasks: [(TaskID("t1"), agent)]), stream: resubscribed.stream)
        #expect(answer.updates(for: resubscribed.stream).map(\.state) == [.running])
    }

    @Test("Unreachable agents are forgotten past the maximum age, and the oldest beyond the maximum count")
    func pruned() throws {
        var config = MasterHarness.config()
        config.registryMaxAgentAgeSeconds = 1000
        config.registryMaxAgentCount = 1
        var harness = MasterHarness(config: config)
        let first = harness.registerAgent().id
        harness.advance(by: 10)
        let second = harness.registerAgent().id
        harness.advance(by: 76)
        harness.perform(harness.core.tick(now: harness.now))
        #expect(harness.persisted.unreachable.keys.sorted() == [second.value])  // both marked at once: by id
        harness.advance(by: 1001)
        harness.perform(harness.core.tick(now: harness.now))
        #expect(harness.persisted.unreachable.isEmpty)
        #expect(harness.core.agents[first] == nil && harness.core.agents[second] == nil)
    }
}
