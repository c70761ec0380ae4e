import AgentCore
import Containerizer
import Foundation
import MesosModel

/// What the agent checks a restart against: a checkpoint taken under other resources or
/// attributes cannot be trusted (the master would charge tasks against the wrong agent).
struct AgentIdentity: Codable, Equatable {
    var resources: [Resource]
    var attributes: [Attribute]
}

extension AgentServer {
    var checkpointFile: String { metaDirectory + "/agent-state.json" }
    var identityFile: String { metaDirectory + "/agent-info.json" }
    var containersMetaDirectory: String { metaDirectory + "/containers" }

    func containerMetaDirectory(_ containerID: ContainerID) -> String {
        containersMetaDirectory + "/" + containerID.value
    }

    // MARK: - Writing

    /// One file per executor, per task and per status stream, beside the agent's own file.
    var executorCheckpointDirectory: String { metaDirectory + "/checkpoint/executors" }
    var taskCheckpointDirectory: String { metaDirectory + "/checkpoint/tasks" }
    var streamCheckpointDirectory: String { metaDirectory + "/checkpoint/streams" }

    func checkpointFile(_ key: ExecutorKey) -> String {
        executorCheckpointDirectory + "/" + Self.fileName(key.frameworkID.value, key.executorID.value)
    }

    func checkpointFile(_ key: ExecutorTaskKey) -> String {
        taskCheckpointDirectory + "/"
            + Self.fileName(key.executor.frameworkID.value, key.executor.executorID.value, key.taskID.value)
    }

    func checkpointFile(_ key: TaskKey) -> String {
        streamCheckpointDirectory + "/" + Self.fileName(key.frameworkID.value, key.taskID.value)
    }

    /// Ids may hold any character but `/`-free file names are needed: base64url of each.
    static func fileName(_ ids: String...) -> String {
        func encoded(_ text: String) -> String {
            Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        return ids.map(encoded).joined(separator: ".") + ".json"
    }

    /// Writes the parts that changed since the last save: most `.checkpoint` actions touch one
    /// executor or stream, or none (updates of non-checkpointing frameworks).
    func saveCheckpoint() {
        let parts = core.checkpointParts()
        let changes = parts.changes(since: savedCheckpoint)
        guard !changes.isEmpty else { return }
        if let agent = changes.agent, writeJSONChecked(agent, to: checkpointFile) { savedCheckpoint.agent = agent }
        for executor in changes.executors where writeJSONChecked(executor, to: checkpointFile(executor.key)) {
            savedCheckpoint.executors[executor.key] = executor
        }
        for task in changes.tasks where writeJSONChecked(task, to: checkpointFile(task.key)) {
            savedCheckpoint.tasks[task.key] = task
        }
        for stream in changes.streams where writeJSONChecked(stream, to: checkpointFile(stream.key)) {
            savedCheckpoint.streams[stream.key] = stream
        }
        for key in changes.removedExecutors {
            try? FileManager.default.removeItem(atPath: checkpointFile(key))
            savedCheckpoint.executors[key] = nil
        }
        for key in changes.removedTasks {
            try? FileManager.default.removeItem(atPath: checkpointFile(key))
            savedCheckpoint.tasks[key] = nil
        }
        for key in changes.removedStreams {
            try? FileManager.default.removeItem(atPath: checkpointFile(key))
            savedCheckpoint.streams[key] = nil
        }
    }

    /// Reads the checkpoint back; `savedCheckpoint` becomes what the files hold, so parts an
    /// older agent kept inside its single file are written out as files at the next save.
    func loadCheckpoint() -> AgentCheckpoint? {
        guard let data = FileManager.default.contents(atPath: checkpointFile),
            let agentFile = try? JSONDecoder().decode(AgentCheckpoint.self, from: data)
        else { return nil }
        let executors: [ExecutorState] = readParts(in: executorCheckpointDirectory)
        let tasks: [TaskCheckpoint] = readParts(in: taskCheckpointDirectory)
        let streams: [StatusStream] = readParts(in: streamCheckpointDirectory)
        savedCheckpoint = CheckpointParts(
            agent: agentFile, executors: Dictionary(executors.map { ($0.key, $0) }, uniquingKeysWith: { $1 }),
            tasks: Dictionary(tasks.map { ($0.key, $0) }, uniquingKeysWith: { $1 }),
            streams: Dictionary(streams.map { ($0.key, $0) }, uniquingKeysWith: { $1 }))
        return CheckpointParts(agentFile: agentFile, executors: executors, tasks: tasks, streams: streams).whole
    }

    func readParts<Part: Decodable>(in directory: String) -> [Part] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
            FileManager.default.contents(atPath: directory + "/" + name).flatMap {
                try? JSONDecoder().decode(Part.self, from: $0)
            }
        }
    }

    func removeCheckpoint() {
        try? FileManager.default.removeItem(atPath: checkpointFile)
        try? FileManager.default.removeItem(atPath: metaDirectory + "/checkpoint")
        savedCheckpoint = .empty
    }

    func saveContainerRecord(_ container: Container) {
        writeJSON(container, to: containerMetaDirectory(container.containerID) + "/container.json")
    }

    func removeContainerRecord(_ containerID: ContainerID) {
        try? FileManager.default.removeItem(atPath: containerMetaDirectory(containerID))
    }

    /// Through a temporary file and rename: a `kill -9` never leaves half a checkpoint.
    func writeJSON<T: Encodable>(_ value: T, to path: String) {
        writeJSONChecked(value, to: path)
    }

    /// `writeJSON`, saying whether the file now holds `value`.
    @discardableResult
    func writeJSONChecked<T: Encodable>(_ value: T, to path: String) -> Bool {
        guard let data = try? JSONEncoder().encode(value) else { return false }
        return writeData(data, to: path)
    }

    @discardableResult
    func writeData(_ data: Data, to path: String) -> Bool {
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else { return false }
        return rename(temporary, path) == 0
    }

    // MARK: - Recovery

    /// Mesos' agent recovery (`--recover=reconnect`): containers of checkpointing frameworks
    /// are reattached (they kept running under their supervisors), everything else a
    /// previous agent process left is killed and cleaned up, and the core gets back its
    /// executors and unacknowledged status updates. With `cleanup`, everything is killed.
    func recover() async throws {
        let checkpoint = try checkIdentity()
        let records = loadContainerRecords()
        let recoverable = Set((checkpoint?.executors ?? []).map(\.containerID))
        var live: Set<ContainerID> = []
        for container in records {
            if options.recover == .reconnect && container.checkpointing && recoverable.contains(container.containerID) {
                containers[container.containerID] = container
                live.insert(container.containerID)
            } else {
                logger.info("cleaning up container \(container.containerID) of a previous agent run")
                await killLeftover(container)
            }
        }
        guard options.recover == .reconnect, let checkpoint else {
            removeCheckpoint()
            return
        }
        let actions = core.recover(checkpoint, liveContainers: live, now: Date().timeIntervalSince1970)
        for container in containers.values {
            logger.info("reattached \(container.key) (pid \(container.record.taskPID))")
            watch(container)
            restartHealthChecks(container)
        }
        await perform(actions)
    }

    /// `--recover=cleanup`: kills every container a previous agent process left and removes
    /// the agent's metadata, so the next start registers a new agent with the new flags.
    public func cleanUp() async throws {
        for container in loadContainerRecords() { await killLeftover(container) }
        try? FileManager.default.removeItem(atPath: metaDirectory)
        try? await client.shutdown()
    }

    /// A reattached command task's checks start over (their grace period included).
    func restartHealthChecks(_ container: Container) {
        guard let executor = core.executors[container.key], executor.isCommandExecutor,
            let task = executor.tasks.values.first, let command = task.command
        else { return }
        var plan = LaunchPlan(
            command: command, environment: AgentCore.portEnvironment(task.resources ?? []), frameworkUser: "",
            taskID: task.taskID)
        plan.task = task
        startHealthChecks(container.key, plan: plan, container: container)
    }

    func loadContainerRecords() -> [Container] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: containersMetaDirectory)) ?? []
        return names.sorted().compactMap { name in
            let path = containersMetaDirectory + "/" + name + "/container.json"
            guard let data = FileManager.default.contents(atPath: path),
                let container = try? JSONDecoder().decode(Container.self, from: data)
            else {
                // A launch interrupted before its record was written: only the supervisor's
                // files are there, and its process group can still be found through them.
                supervisor.killUnrecorded(runDirectory: containersMetaDirectory + "/" + name + "/run")
                try? FileManager.default.removeItem(atPath: containersMetaDirectory + "/" + name)
                return nil
            }
            return container
        }
    }

    func killLeftover(_ container: Container) async {
        if container.oci { _ = images?.runtime.kill(container.containerID.value, signal: "KILL") }
        supervisor.signalContainer(container.record, SIGKILL)
        if supervisor.isSupervisorAlive(container.record) { kill(container.record.supervisorPID, SIGKILL) }
        await releaseIsolation(container.containerID, oci: container.oci)
        removeContainerRecord(container.containerID)
    }

    /// Loads the checkpoint if it was taken under the same resources and attributes. When
    /// they changed and there is work to recover, the agent refuses to start and says how
    /// to get out; with nothing to recover it starts afresh under a new agent id.
    func checkIdentity() throws -> AgentCheckpoint? {
        let identity = AgentIdentity(resources: options.resources, attributes: options.attributes)
        let checkpoint = loadCheckpoint()
        guard let data = FileManager.default.contents(atPath: identityFile),
            let previous = try? JSONDecoder().decode(AgentIdentity.self, from: data), previous != identity
        else {
            writeJSON(identity, to: identityFile)
            return checkpoint
        }
        let hasWork = !(checkpoint?.executors.isEmpty ?? true) || !(checkpoint?.streams.isEmpty ?? true)
        if hasWork && options.recover == .reconnect {
            throw AgentConfigurationError(
                "Incompatible agent configuration: the resources or attributes differ from the ones the"
                    + " running tasks were checkpointed under (was \(Resources(previous.resources)),"
                    + " now \(Resources(options.resources))). Start the agent once with the old flags, or run"
                    + " `mesokube agent --recover=cleanup --work-dir \(options.workDir)` to kill the old tasks"
                    + " and start afresh")
        }
        // Only a start that goes ahead records the new configuration: a refused one must keep
        // refusing until the operator cleans up.
        logger.warning("agent resources or attributes changed: registering as a new agent")
        core.forgetAgentID()
        try? FileManager.default.removeItem(atPath: metaDirectory + "/agent-id")
        writeJSON(identity, to: identityFile)
        return nil
    }
}
