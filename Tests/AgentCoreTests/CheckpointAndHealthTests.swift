import AgentCore
import MesosModel
import TestSupport
import Testing

@Suite("AgentCore: checkpoint, recovery, health and limitations")
struct CheckpointAndHealthTests {
    /// A registered agent running "t1" for a framework with the given checkpoint flag.
    static func running(checkpoint: Bool) -> AgentHarness {
        var harness = AgentHarness()
        harness.register()
        var info = AgentHarness.frameworkInfo()
        info.checkpoint = checkpoint
        let run = AgentEvent.RunTask(
            frameworkInfo: info, task: makeTask("t1", agentID: AgentHarness.agentID, cpus: 1), executor: nil,
            taskGroup: nil)
        _ = harness.core.handleMasterEvent(.runTask(run), now: harness.now)
        let key = ExecutorKey(AgentHarness.framework, ExecutorID("t1"))
        _ = harness.core.containerStarted(key, now: harness.now)
        return harness
    }

    @Test("Only checkpointing frameworks are checkpointed")
    func checkpointFiltersFrameworks() {
        #expect(Self.running(checkpoint: false).core.checkpoint().executors.isEmpty)
        let checkpoint = Self.running(checkpoint: true).core.checkpoint()
        #expect(checkpoint.agentID == AgentHarness.agentID)
        #expect(checkpoint.executors.map(\.key.executorID) == [ExecutorID("t1")])
        #expect(checkpoint.streams.first?.pending.map(\.state) == [.starting, .running])
    }

    @Test("A recovered agent reports its tasks and resends unacknowledged updates on registration")
    func recoveryReplaysUpdates() throws {
        let old = Self.running(checkpoint: true)
        let checkpoint = old.core.checkpoint()
        let containerID = try #require(old.container(of: "t1")?.id)
        var fresh = AgentHarness()
        let lost = fresh.core.recover(checkpoint, liveContainers: [containerID], now: 100)
        #expect(lost.statusUpdates.isEmpty)
        #expect(fresh.core.agentID == AgentHarness.agentID)
        let report = fresh.core.registration().register?.tasks ?? []
        #expect(report.map(\.task.taskID) == [TaskID("t1")])
        #expect(report.first?.state == .running)
        let resent = fresh.register()
        #expect(resent.newUpdates.map(\.status.state) == [.starting])
    }

    @Test("An executor whose container is gone after a restart is reported lost")
    func recoveryWithoutContainer() {
        let checkpoint = Self.running(checkpoint: true).core.checkpoint()
        var fresh = AgentHarness()
        _ = fresh.core.recover(checkpoint, liveContainers: [], now: 100)
        _ = fresh.register()
        #expect(fresh.core.streams.values.first?.latestState == .failed)
        #expect(fresh.core.executors.isEmpty)
    }

    @Test("Health changes are TASK_RUNNING updates with healthy; a failed check kills with healthy false")
    func healthUpdates() throws {
        var harness = Self.running(checkpoint: false)
        let key = TaskKey(AgentHarness.framework, TaskID("t1"))
        _ = harness.core.healthChanged(key, healthy: true, now: 1)
        let update = try #require(harness.core.streams[key]?.pending.last)
        #expect(update.state == .running)
        #expect(update.healthy == true)
        #expect(update.reason == TaskStatusReason.healthCheckStatusUpdated)
        let kill = harness.core.killForFailedHealthCheck(key, message: "3 failures", now: 2)
        let destroy = try #require(kill.destroys.first)
        #expect(destroy.2 == 3)
        let container = try #require(harness.container(of: "t1"))
        _ = harness.core.containerExited(
            container.key, containerID: container.id, exitCode: nil, signal: 15, message: "Command terminated",
            now: 3)
        let final = try #require(harness.core.streams[key]?.pending.last)
        #expect(final.state == .killed)
        #expect(final.healthy == false)
    }

    @Test("A memory limitation fails the task with its reason and message, whatever the exit status")
    func limitation() throws {
        var harness = Self.running(checkpoint: false)
        let container = try #require(harness.container(of: "t1"))
        let limitation = ContainerLimitation(
            reason: TaskStatusReason.containerLimitationMemory, message: "Memory limit exceeded: Requested: 32MB")
        let actions = harness.core.containerLimited(container.key, containerID: container.id, limitation: limitation)
        #expect(actions.destroys.first?.2 == 0)
        _ = harness.core.containerExited(
            container.key, containerID: container.id, exitCode: nil, signal: 9, message: "killed", now: 2)
        let final = try #require(harness.core.streams[TaskKey(AgentHarness.framework, TaskID("t1"))]?.pending.last)
        #expect(final.state == .failed)
        #expect(final.reason == TaskStatusReason.containerLimitationMemory)
        #expect(final.message == limitation.message)
        #expect(final.source == .agent)
    }
}
