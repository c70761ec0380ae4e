import AgentCore
import MesosModel
import TestSupport
import Testing

/// The checkpoint kept as parts: a save writes only what changed, and parts read back (older
/// single-file checkpoints included) make the same whole.
@Suite struct CheckpointPartsTests {
    @Test("Parts make the whole checkpoint; nothing changed means nothing to write")
    func partsAreTheWhole() {
        let harness = CheckpointAndHealthTests.running(checkpoint: true)
        let parts = harness.core.checkpointParts()
        #expect(parts.whole == harness.core.checkpoint())
        #expect(parts.agent.executors.isEmpty && parts.agent.streams.isEmpty)
        #expect(parts.changes(since: parts).isEmpty)
        let first = parts.changes(since: .empty)
        #expect(first.agent == parts.agent)
        #expect(first.executors.map(\.key.executorID) == [ExecutorID("t1")])
        #expect(first.streams.count == 1)
    }

    @Test("An update rewrites its stream only; an acknowledged, ended task's parts are removed")
    func onlyChangedParts() throws {
        var harness = CheckpointAndHealthTests.running(checkpoint: true)
        let before = harness.core.checkpointParts()
        let key = ExecutorKey(AgentHarness.framework, ExecutorID("t1"))
        let containerID = try #require(harness.container(of: "t1")?.id)
        _ = harness.core.containerExited(
            key, containerID: containerID, exitCode: 0, signal: nil, message: "", now: harness.now)
        let ended = harness.core.checkpointParts().changes(since: before)
        #expect(ended.agent == nil)
        #expect(ended.streams.map(\.key.taskID) == [TaskID("t1")])
        #expect(ended.removedExecutors == [key] || ended.executors.map(\.key) == [key])
    }

    @Test("A single-file checkpoint of an older agent reads back whole, and every part is written out again")
    func legacyFile() {
        let checkpoint = CheckpointAndHealthTests.running(checkpoint: true).core.checkpoint()
        let read = CheckpointParts(agentFile: checkpoint, executors: [], streams: [])
        #expect(read.whole == checkpoint)
        // What the files hold is the old agent file alone: its executors and streams are not files yet.
        let onDisk = CheckpointParts(agent: checkpoint)
        let changes = read.changes(since: onDisk)
        #expect(changes.agent?.executors.isEmpty == true)
        #expect(changes.executors.count == checkpoint.executors.count)
        #expect(changes.streams.count == checkpoint.streams.count)
    }

    @Test("Files of a framework the agent file no longer names are left out, and deleted at the next save")
    func orphanedParts() {
        let checkpoint = CheckpointAndHealthTests.running(checkpoint: true).core.checkpoint()
        var agentFile = checkpoint
        agentFile.frameworks = []
        agentFile.executors = []
        agentFile.streams = []
        let read = CheckpointParts(agentFile: agentFile, executors: checkpoint.executors, streams: checkpoint.streams)
        #expect(read.executors.isEmpty && read.streams.isEmpty)
        let onDisk = CheckpointParts(
            agentFile: checkpoint, executors: checkpoint.executors, streams: checkpoint.streams)
        let changes = read.changes(since: onDisk)
        #expect(changes.removedExecutors == checkpoint.executors.map(\.key))
        #expect(changes.removedStreams == checkpoint.streams.map(\.key))
    }
}
