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

    /// Prepares the sandbox, fetches URIs, provisions isolation (cgroups, or an image and
    /// runc) and starts the container under its supervisor. Any failure before the task
    /// runs is TASK_FAILED with REASON_CONTAINER_LAUNCH_FAILED and the cause.
    func launchContainer(_ key: ExecutorKey, containerID: ContainerID, plan: LaunchPlan) async {
        let directory = sandboxDirectory(key, containerID)
        let now = Date().timeIntervalSince1970
        do {
            try prepareSandbox(key, containerID: containerID, directory: directory)
            try await fetchURIs(plan, into: directory)
            var container = try await startContainer(key, containerID: containerID, plan: plan, directory: directory)
            container.startedAt = now
            containers[containerID] = container
            saveContainerRecord(container)
            logger.debug("launched \(key) as pid \(container.record.taskPID) in \(directory)")
            watch(container)
            await perform(core.containerStarted(key, now: now))
            startHealthChecks(key, plan: plan, container: container)
        } catch {
            logger.warning("failed to launch \(key): \(error)")
            await releaseIsolation(containerID, oci: plan.containerInfo?.imageName != nil)
            await perform(core.containerLaunchFailed(key, message: "\(error)", now: now))
        }
    }

    func prepareSandbox(_ key: ExecutorKey, containerID: ContainerID, directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let latest = executorDirectory(key) + "/runs/latest"
        try? FileManager.default.removeItem(atPath: latest)
        try? FileManager.default.createSymbolicLink(atPath: latest, withDestinationPath: containerID.value)
        try? files.attach(realPath: directory, as: directory)
        try? files.attach(
            realPath: directory,
            as: "/frameworks/\(key.frameworkID.value)/executors/\(key.executorID.value)/runs/latest")
    }

    /// `CommandInfo.uris` of the task or executor, into the sandbox before anything runs.
    func fetchURIs(_ plan: LaunchPlan, into directory: String) async throws {
        let uris = plan.command.uris ?? []
        guard !uris.isEmpty else { return }
        // Tasks run as the agent's user (CommandInfo.user is refused by the master), so the
        // fetched files keep the agent's ownership.
        _ = try await fetcher.fetch(uris, into: directory, user: nil)
    }

    /// Starts the container: an OCI container through runc when it has an image, else the
    /// command itself, in its cgroups and namespaces.
    func startContainer(
        _ key: ExecutorKey, containerID: ContainerID, plan: LaunchPlan, directory: String
    ) async throws -> Container {
        let env = environment(key, containerID, plan, directory)
        let run = containerMetaDirectory(containerID) + "/run"
        let checkpointing = core.frameworks[key.frameworkID]?.checkpoint == true
        if let info = plan.containerInfo, info.imageName != nil {
            let launch = try await prepareImageContainer(
                containerID: containerID, info: info, plan: plan, environment: env, sandbox: directory)
            let record = try await supervisor.launch(SupervisedLaunch(spec: launch, runDirectory: run))
            return Container(
                key: key, containerID: containerID, record: record, directory: directory, cgroups: cgroups != nil,
                oci: true, checkpointing: checkpointing)
        }
        var cgroupDirectories: [String] = []
        if let cgroups {
            let limits = IsolationConfig.limits(resources: plan.resources, limits: plan.task?.limits)
            try cgroups.prepare(containerID: containerID.value, limits: isolation.effective(limits))
            cgroupDirectories = try cgroups.cgroupDirectories(containerID: containerID.value)
        }
        let spec = LaunchSpec(command: launchCommand(plan.command), environment: env, workingDirectory: directory)
        let record = try await supervisor.launch(
            SupervisedLaunch(
                spec: spec, runDirectory: run, cgroups: cgroupDirectories, pidNamespace: isolation.pidNamespace,
                mountProc: isolation.filesystemLinux,
                volumes: try sandboxVolumes(plan.containerInfo?.hostPathVolumes ?? [], sandbox: directory)))
        return Container(
            key: key, containerID: containerID, record: record, directory: directory, cgroups: cgroups != nil,
            oci: false, checkpointing: checkpointing)
    }

    /// Host-path volumes of a container without an image: bind mounts at paths relative to
    /// the sandbox, made in the task's own mount namespace (`filesystem/linux`, as in Mesos).
    /// The mount points are created here, a directory or an empty file like the source.
    func sandboxVolumes(_ volumes: [HostPathVolume], sandbox: String) throws -> [OCIVolume] {
        guard !volumes.isEmpty else { return [] }
        guard isolation.filesystemLinux else {
            throw AgentConfigurationError("host_path volumes need the filesystem/linux isolator in --isolation")
        }
        return try volumes.map { volume in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: volume.hostPath, isDirectory: &isDirectory) else {
                throw AgentConfigurationError("Volume host_path '\(volume.hostPath)' does not exist on this agent")
            }
            let target = sandbox + "/" + volume.containerPath
            if isDirectory.boolValue {
                try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
            } else {
                try FileManager.default.createDirectory(
                    atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                _ = FileManager.default.createFile(atPath: target, contents: nil)
            }
            return OCIVolume(hostPath: volume.hostPath, containerPath: target, readOnly: volume.readOnly)
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

    // MARK: - Watching and ending

    /// Waits for the container's end (and, with cgroups, for a memory limitation) and reports it.
    func watch(_ container: Container) {
        let supervisor = self.supervisor
        let containerID = container.containerID
        Task { [weak self] in
            let outcome = await supervisor.waitForExit(container.record)
            await self?.containerEnded(containerID, outcome: outcome)
        }
        guard container.cgroups, isolation.cgroupsMemory, let cgroups else { return }
        Task { [weak self] in
            guard let limitation = await cgroups.watchForLimitation(containerID: containerID.value) else { return }
            await self?.containerLimited(containerID, limitation: limitation)
        }
    }

    func containerLimited(_ containerID: ContainerID, limitation: Limitation) async {
        guard let container = containers[containerID] else { return }
        await report(limitation, of: container)
    }

    func report(_ limitation: Limitation, of container: Container) async {
        logger.info("\(container.key) exceeded its limit: \(limitation.message)")
        await perform(
            core.containerLimited(
                container.key, containerID: container.containerID,
                limitation: ContainerLimitation(reason: limitation.reason, message: limitation.message)))
    }

    func containerEnded(_ containerID: ContainerID, outcome: SupervisedExit) async {
        guard let container = containers.removeValue(forKey: containerID) else { return }
        stopHealthChecks(containerID)
        // The OOM killer often ends the task before the limitation watcher looks again:
        // the cgroup's OOM count, read before the cgroup goes, says why it died.
        if container.cgroups, isolation.cgroupsMemory,
            let limitation = try? cgroups?.usage(containerID: containerID.value).limitation
        {
            await report(limitation, of: container)
        }
        await releaseIsolation(containerID, oci: container.oci)
        removeContainerRecord(containerID)
        let now = Date().timeIntervalSince1970
        logger.debug("\(container.key) ended: \(outcome)")
        switch outcome {
        case .setupFailed(let message):
            await perform(core.containerLaunchFailed(container.key, message: message, now: now))
        case .lost:
            await perform(
                core.containerExited(
                    container.key, containerID: containerID, exitCode: nil, signal: nil,
                    message: "Container's supervisor disappeared; its exit status is unknown", now: now))
        case .exited(var status):
            // runc reports a container killed by signal N as exit status 128+N.
            if container.oci, case .exited(let code) = status, code > 128, code < 160 { status = .signaled(code - 128) }
            var code: Int32?
            var signal: Int32?
            switch status {
            case .exited(let value): code = value
            case .signaled(let value): signal = value
            }
            await perform(
                core.containerExited(
                    container.key, containerID: containerID, exitCode: code, signal: signal,
                    message: status.mesosMessage, now: now))
        }
    }

    /// Kills what is left of the container's cgroups and removes them; for image containers
    /// also runc's state and the rootfs mount. Idempotent.
    func releaseIsolation(_ containerID: ContainerID, oci: Bool) async {
        if let cgroups {
            do {
                try await cgroups.destroy(containerID: containerID.value)
            } catch {
                logger.warning("cgroups of \(containerID) not removed: \(error)")
            }
        }
        if oci { releaseImageContainer(containerID) }
    }

    /// SIGTERM to the container, SIGKILL (to the session, the cgroup, or through runc)
    /// after the grace period.
    func destroyContainer(_ containerID: ContainerID, gracePeriod: Double) {
        guard var container = containers[containerID] else { return }
        if container.destroying && gracePeriod > 0 { return }
        container.destroying = true
        containers[containerID] = container
        let supervisor = self.supervisor
        let grace = Duration.milliseconds(Int(max(gracePeriod, 0) * 1000))
        Task { [weak self] in
            if container.oci {
                await self?.terminateImageContainer(container, gracePeriod: grace)
            } else {
                _ = await supervisor.terminate(container.record, gracePeriod: grace)
            }
        }
    }
}

extension AgentServer {
    /// Resizes a custom executor's cgroups (with or without an image: runc joins the cgroup
    /// the agent prepared) as its tasks come and go. A failure leaves the old size in place
    /// and is logged; the tasks keep running.
    func resizeContainer(_ key: ExecutorKey, containerID: ContainerID, resources: [Resource]) {
        guard let cgroups, let container = containers[containerID], container.cgroups, !container.destroying else {
            return
        }
        let limits = isolation.effective(IsolationConfig.limits(resources: resources, limits: nil))
        do {
            try cgroups.resize(containerID: containerID.value, limits: limits)
            logger.debug("resized \(key) to cpus \(limits.cpus), mem \(limits.memoryMB) MB")
        } catch {
            logger.warning("could not resize \(key): \(error)")
        }
    }
}
