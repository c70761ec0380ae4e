import AgentCore
import Containerizer
import Foundation
import MesosModel

extension AgentServer {
    /// `<work_dir>/slaves/<agent>/frameworks/<fw>/executors/<exec>/runs/<container>`, as in Mesos.
    func sandboxDirectory(_ key: ExecutorKey, _ containerID: ContainerID) -> String {
        executorDirectory(key) + "/runs/" + containerID.value
    }

    func executorDirectory(_ key: ExecutorKey) -> String {
        "\(options.workDir)/slaves/\(core.agentID?.value ?? "unregistered")/frameworks/\(key.frameworkID.value)"
            + "/executors/\(key.executorID.value)"
    }

    func launchContainer(_ key: ExecutorKey, containerID: ContainerID, plan: LaunchPlan) async {
        let directory = sandboxDirectory(key, containerID)
        let now = Date().timeIntervalSince1970
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let latest = executorDirectory(key) + "/runs/latest"
            try? FileManager.default.removeItem(atPath: latest)
            try? FileManager.default.createSymbolicLink(atPath: latest, withDestinationPath: containerID.value)
            try? files.attach(realPath: directory, as: directory)
            try? files.attach(
                realPath: directory,
                as: "/frameworks/\(key.frameworkID.value)/executors/\(key.executorID.value)/runs/latest")
            let spec = LaunchSpec(
                command: launchCommand(plan.command), environment: environment(key, containerID, plan, directory),
                workingDirectory: directory)
            let handle = try launcher.launch(spec)
            containers[containerID] = Container(key: key, handle: handle, directory: directory, startedAt: now)
            saveContainerPIDs()
            logger.debug("launched \(key) as pid \(handle.pid) in \(directory)")
            Task { [weak self] in
                let status = await handle.waitForExit()
                await self?.containerExited(containerID, status: status)
            }
            await perform(core.containerStarted(key, now: now))
        } catch {
            logger.warning("failed to launch \(key): \(error)")
            await perform(core.containerLaunchFailed(key, message: "\(error)", now: now))
        }
    }

    func launchCommand(_ command: CommandInfo) -> LaunchSpec.Command {
        if command.isShell { return .shell(command.value ?? "") }
        let executable = command.value ?? ""
        let arguments = command.arguments ?? [executable]
        return .argv(executable: executable, arguments: arguments.isEmpty ? [executable] : arguments)
    }

    /// The agent's own environment, then the MESOS_* variables of mesos-api.md §4, then the task's.
    func environment(
        _ key: ExecutorKey, _ containerID: ContainerID, _ plan: LaunchPlan, _ directory: String
    ) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        let endpoint = core.config.endpoint
        env["MESOS_FRAMEWORK_ID"] = key.frameworkID.value
        env["MESOS_EXECUTOR_ID"] = key.executorID.value
        env["MESOS_DIRECTORY"] = directory
        env["MESOS_SANDBOX"] = directory
        env["MESOS_SLAVE_ID"] = core.agentID?.value ?? ""
        env["MESOS_AGENT_ID"] = core.agentID?.value ?? ""
        env["MESOS_SLAVE_PID"] = "slave(1)@\(endpoint)"
        env["MESOS_AGENT_ENDPOINT"] = endpoint
        env["MESOS_HTTP_COMMAND_EXECUTOR"] = "0"
        env["MESOS_CONTAINER_ID"] = containerID.value
        env["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"] = "\(Int(options.executorShutdownGracePeriod))secs"
        env["LIBPROCESS_PORT"] = "0"
        env["LIBPROCESS_IP"] = options.ip
        // pymesos reads MESOS_CHECKPOINT with bool(str), so Mesos' "0" would mean true;
        // the variable is set only for checkpointing frameworks.
        env["MESOS_CHECKPOINT"] = nil
        if core.frameworks[key.frameworkID]?.checkpoint == true {
            env["MESOS_CHECKPOINT"] = "1"
            env["MESOS_RECOVERY_TIMEOUT"] = "15mins"
            env["MESOS_SUBSCRIPTION_BACKOFF_MAX"] = "2secs"
        }
        if let taskID = plan.taskID { env["MESOS_TASK_ID"] = taskID.value }
        for (name, value) in plan.environment { env[name] = value }
        return env
    }

    func containerExited(_ containerID: ContainerID, status: ExitStatus) async {
        guard let container = containers.removeValue(forKey: containerID) else { return }
        saveContainerPIDs()
        var code: Int32?
        var signal: Int32?
        switch status {
        case .exited(let value): code = value
        case .signaled(let value): signal = value
        }
        logger.debug("\(container.key) exited: \(status)")
        await perform(
            core.containerExited(
                container.key, containerID: containerID, exitCode: code, signal: signal, message: status.mesosMessage,
                now: Date().timeIntervalSince1970))
    }

    /// SIGTERM to the container's process group, SIGKILL after the grace period.
    func destroyContainer(_ containerID: ContainerID, gracePeriod: Double) {
        guard var container = containers[containerID] else { return }
        if container.destroying && gracePeriod > 0 { return }
        container.destroying = true
        containers[containerID] = container
        let handle = container.handle
        let launcher = self.launcher
        Task {
            _ = await launcher.terminate(handle, gracePeriod: .milliseconds(Int(gracePeriod * 1000)))
        }
    }

    // MARK: Orphans

    var pidsFile: String { metaDirectory + "/containers.json" }

    /// Until agent recovery arrives (containerizer work), containers of a previous agent
    /// process are cleaned up at start, like Mesos' `--recover=cleanup`.
    func cleanUpOrphans() {
        guard let data = FileManager.default.contents(atPath: pidsFile),
            let pids = try? JSONDecoder().decode([Int32].self, from: data)
        else { return }
        for pid in pids where pid > 1 {
            kill(-pid, SIGKILL)
        }
        try? FileManager.default.removeItem(atPath: pidsFile)
    }

    func saveContainerPIDs() {
        try? FileManager.default.createDirectory(atPath: metaDirectory, withIntermediateDirectories: true)
        let pids = containers.values.map(\.handle.pid).sorted()
        if let data = try? JSONEncoder().encode(pids) {
            _ = FileManager.default.createFile(atPath: pidsFile, contents: data)
        }
    }
}
