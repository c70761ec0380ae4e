import Foundation
import Glibc

/// What the agent must remember to find a supervised container again after a restart.
public struct SupervisorRecord: Codable, Sendable, Equatable {
    /// The `mesokube-supervisor` process, leader of the container's session.
    public var supervisorPID: Int32
    /// Its start time in /proc ticks: a pid alone could name a newer process after reuse.
    public var supervisorStartTime: UInt64
    /// The task (or namespace init, or `runc run`) the supervisor forked; it leads the
    /// process group that signals go to.
    public var taskPID: Int32
    /// Where the supervisor writes `pid`, `status` and `error`.
    public var runDirectory: String
    /// The kernel boot the container ran under: after a reboot its pids name other processes.
    public var bootID: String

    public init(
        supervisorPID: Int32, supervisorStartTime: UInt64, taskPID: Int32, runDirectory: String,
        bootID: String = ContainerSupervisor.currentBootID
    ) {
        self.supervisorPID = supervisorPID
        self.supervisorStartTime = supervisorStartTime
        self.taskPID = taskPID
        self.runDirectory = runDirectory
        self.bootID = bootID
    }
}

/// How a supervised container ended.
public enum SupervisedExit: Sendable, Equatable {
    /// The task ran and ended with this status.
    case exited(ExitStatus)
    /// The task never ran: joining its cgroups, its namespaces or exec failed.
    case setupFailed(String)
    /// The supervisor vanished without recording a status (killed with SIGKILL, or the
    /// machine rebooted between runs of the agent).
    case lost
}

/// One container to start under a supervisor.
public struct SupervisedLaunch: Sendable {
    public var spec: LaunchSpec
    /// Private directory for the supervisor's files (created if missing, emptied first).
    public var runDirectory: String
    /// cgroup directories the task joins before exec.
    public var cgroups: [String]
    /// `namespaces/pid`: the task runs in a new pid namespace under a tiny init.
    public var pidNamespace: Bool
    /// With `pidNamespace`: a private mount namespace with a fresh /proc.
    public var mountProc: Bool
    /// Host paths bind-mounted (in the task's private mount namespace) at existing targets.
    public var volumes: [OCIVolume]
    /// A network namespace the supervisor enters before it forks the task (the pod's,
    /// `PodNetworkAttachment.namespacePath`); nil: the host's network.
    public var networkNamespace: String?

    public init(
        spec: LaunchSpec, runDirectory: String, cgroups: [String] = [], pidNamespace: Bool = false,
        mountProc: Bool = false, volumes: [OCIVolume] = [], networkNamespace: String? = nil
    ) {
        self.spec = spec
        self.runDirectory = runDirectory
        self.cgroups = cgroups
        self.pidNamespace = pidNamespace
        self.mountProc = mountProc
        self.volumes = volumes
        self.networkNamespace = networkNamespace
    }
}

/// Starts containers under `mesokube-supervisor` and watches them through the files it
/// writes, which works the same for a container this agent process started and for one a
/// previous agent process started (after `kill -9` of the agent).
public final class ContainerSupervisor: Sendable {
    public let binaryPath: String
    let launcher = ProcessLauncher()
    /// How often `waitForExit` first looks for the status file, and `terminate` always does.
    let pollInterval: Duration
    /// The longest `waitForExit` waits between looks at a long-running container.
    let maxExitPollInterval: Duration

    public init(
        binaryPath: String? = nil, pollInterval: Duration = .milliseconds(50),
        maxExitPollInterval: Duration = .milliseconds(500)
    ) throws(LaunchError) {
        guard let path = binaryPath ?? Self.locate() else {
            throw .spawnFailed(
                "mesokube-supervisor not found next to the agent binary (build it with `swift build`,"
                    + " or set MESOKUBE_SUPERVISOR)")
        }
        self.binaryPath = path
        self.pollInterval = pollInterval
        self.maxExitPollInterval = maxExitPollInterval
    }

    /// `$MESOKUBE_SUPERVISOR`, else `mesokube-supervisor` next to the running binary (the
    /// test bundle lives in the same build directory as the products).
    public static func locate() -> String? {
        if let path = ProcessInfo.processInfo.environment["MESOKUBE_SUPERVISOR"], access(path, X_OK) == 0 {
            return path
        }
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        else { return nil }
        var directory = (executable as NSString).deletingLastPathComponent
        for _ in 0..<4 {
            let candidate = directory + "/mesokube-supervisor"
            if access(candidate, X_OK) == 0 { return candidate }
            directory = (directory as NSString).deletingLastPathComponent
        }
        return nil
    }

    /// Spawns the supervisor and waits until it has forked the task. Exec failures of the
    /// task surface later, from `waitForExit`, as `.setupFailed`.
    public func launch(_ request: SupervisedLaunch) async throws(LaunchError) -> SupervisorRecord {
        let run = request.runDirectory
        try? FileManager.default.removeItem(atPath: run)
        do {
            try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        } catch {
            throw .sandboxUnavailable("Failed to create '\(run)': \(error.localizedDescription)")
        }
        let (executable, argv) = try ProcessLauncher.resolveCommand(request.spec.command, spec: request.spec)
        var arguments = [binaryPath, "--run-dir", run]
        for cgroup in request.cgroups { arguments += ["--cgroup", cgroup] }
        if request.pidNamespace { arguments.append("--pid-namespace") }
        if request.pidNamespace && request.mountProc { arguments.append("--mount-proc") }
        if let path = request.networkNamespace { arguments += ["--net-namespace", path] }
        for volume in request.volumes {
            arguments += [volume.readOnly ? "--bind-ro" : "--bind", volume.hostPath, volume.containerPath]
        }
        arguments += ["--", executable] + argv
        var spec = request.spec
        spec.command = .argv(executable: binaryPath, arguments: arguments)
        let handle = try launcher.launch(spec)
        let startTime = ProcessTable.entry(pid: handle.pid)?.startTime ?? 0
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(10))
        while clock.now < deadline {
            if let pid = Self.readPID(run) {
                return SupervisorRecord(
                    supervisorPID: handle.pid, supervisorStartTime: startTime, taskPID: pid, runDirectory: run)
            }
            if let status = handle.exitStatusIfReaped {
                let reason = Self.readText(run + "/error") ?? "mesokube-supervisor \(status)"
                throw .spawnFailed(reason)
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        kill(-handle.pid, SIGKILL)
        throw .spawnFailed("mesokube-supervisor did not start the task within 10 seconds")
    }

    /// `/proc/sys/kernel/random/boot_id`: changes with every boot of the kernel.
    public static let currentBootID = readText("/proc/sys/kernel/random/boot_id") ?? ""

    /// Whether the record's pids still mean anything: the same kernel boot.
    func isCurrentBoot(_ record: SupervisorRecord) -> Bool { record.bootID == Self.currentBootID }

    /// True while the supervisor named by `record` is running (not a zombie, not a newer
    /// process that reused its pid, in this boot or an earlier one).
    public func isSupervisorAlive(_ record: SupervisorRecord) -> Bool {
        guard isCurrentBoot(record), let entry = ProcessTable.entry(pid: record.supervisorPID), entry.isLive
        else { return false }
        // 0: the start time could not be read at launch; the pid alone has to do.
        return record.supervisorStartTime == 0 || entry.startTime == record.supervisorStartTime
    }

    /// The outcome if the container has ended, without waiting.
    public func exitIfEnded(_ record: SupervisorRecord) -> SupervisedExit? {
        if let outcome = Self.recordedExit(record) { return outcome }
        if isSupervisorAlive(record) { return nil }
        // The supervisor writes the status before it exits; look once more to close the race.
        return Self.recordedExit(record) ?? .lost
    }

    /// What the supervisor wrote when the task ended, if it has.
    static func recordedExit(_ record: SupervisorRecord) -> SupervisedExit? {
        guard let text = readText(record.runDirectory + "/status"), let status = parseStatus(text) else { return nil }
        if let error = readText(record.runDirectory + "/error") { return .setupFailed(error) }
        return .exited(status)
    }

    /// Suspends until the container ends. Works for containers of a previous agent process.
    /// Looks every `pollInterval` at first, then less and less often, up to every
    /// `maxExitPollInterval`: short tasks are seen to end at once, and an agent running a
    /// thousand long ones does not spend its CPU asking each of them twenty times a second.
    public func waitForExit(_ record: SupervisorRecord) async -> SupervisedExit {
        var interval = pollInterval
        while true {
            if let outcome = exitIfEnded(record) { return outcome }
            try? await Task.sleep(for: interval)
            interval = min(interval * 1.25, max(maxExitPollInterval, pollInterval))
        }
    }

    /// Signals the task's process group. Nothing is signalled for a record of an earlier boot.
    @discardableResult
    public func signalGroup(_ record: SupervisorRecord, _ signal: Int32) -> Bool {
        guard record.taskPID > 1, isCurrentBoot(record) else { return false }
        return kill(-record.taskPID, signal) == 0
    }

    /// Signals the group and every other live member of the container's session except the
    /// supervisor itself, which must survive to record the status.
    public func signalContainer(_ record: SupervisorRecord, _ signal: Int32) {
        guard isCurrentBoot(record) else { return }
        signalGroup(record, signal)
        for pid in ProcessTable.liveMembers(ofSession: record.supervisorPID) where pid != record.supervisorPID {
            kill(pid, signal)
        }
    }

    /// Mesos' kill policy on a supervised container: SIGTERM (and SIGCONT) to the task's
    /// group, SIGKILL to everything in the session once `gracePeriod` runs out.
    public func terminate(_ record: SupervisorRecord, gracePeriod: Duration) async -> SupervisedExit {
        if let outcome = exitIfEnded(record) {
            signalContainer(record, SIGKILL)
            return outcome
        }
        signalGroup(record, SIGTERM)
        signalGroup(record, SIGCONT)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: gracePeriod)
        while clock.now < deadline, !Task.isCancelled {
            if let outcome = exitIfEnded(record) {
                signalContainer(record, SIGKILL)
                return outcome
            }
            try? await clock.sleep(for: min(pollInterval, clock.now.duration(to: deadline)))
        }
        signalContainer(record, SIGKILL)
        return await waitForExit(record)
    }

    /// Kills what a launch left when the agent died before recording it: only the run
    /// directory is known. The pid in it is trusted only if its session leader is the
    /// supervisor started for that directory (so a reused pid is never signalled).
    public func killUnrecorded(runDirectory: String) {
        guard let pid = Self.readPID(runDirectory), pid > 1, let task = ProcessTable.entry(pid: pid),
            let cmdline = FileManager.default.contents(atPath: "/proc/\(task.session)/cmdline")
        else { return }
        let arguments = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        guard arguments.first.map({ $0.hasSuffix("mesokube-supervisor") }) == true,
            arguments.contains(runDirectory)
        else { return }
        // The supervisor itself is spared, as in `signalContainer`: it reaps the task and
        // records the status, so the directory ends in a definite state instead of a lost one.
        kill(-pid, SIGKILL)
        for member in ProcessTable.liveMembers(ofSession: task.session) where member != task.session {
            kill(member, SIGKILL)
        }
    }

    // MARK: - Files

    static func readText(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    static func readPID(_ runDirectory: String) -> Int32? {
        readText(runDirectory + "/pid").flatMap { Int32($0) }
    }

    /// "exited N" / "signaled N", as the supervisor writes them.
    static func parseStatus(_ text: String) -> ExitStatus? {
        let parts = text.split(separator: " ")
        guard parts.count == 2, let value = Int32(parts[1]) else { return nil }
        switch parts[0] {
        case "exited": return .exited(value)
        case "signaled": return .signaled(value)
        default: return nil
        }
    }
}
