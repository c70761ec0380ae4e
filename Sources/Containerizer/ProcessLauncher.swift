import Foundation
import Glibc

/// What to run for a task or executor. The caller composes the whole environment.
public struct LaunchSpec: Sendable, Equatable {
    /// Mesos' two `CommandInfo` forms.
    public enum Command: Sendable, Equatable {
        /// `shell: true`: run as `/bin/sh -c "<value>"`.
        case shell(String)
        /// `shell: false`: exec `executable` with `arguments` as argv (argv[0] included, as in
        /// Mesos' `CommandInfo.arguments`). A name without '/' is searched in the spec's PATH.
        case argv(executable: String, arguments: [String])
    }

    public var command: Command
    /// The complete environment of the child; nothing is inherited from the agent.
    public var environment: [String: String]
    /// The sandbox; created (with parents) if missing. The child starts in it.
    public var workingDirectory: String
    /// Files the child's stdout/stderr are appended to; relative paths are inside the sandbox.
    public var stdoutPath: String
    public var stderrPath: String

    public init(
        command: Command, environment: [String: String], workingDirectory: String,
        stdoutPath: String = "stdout", stderrPath: String = "stderr"
    ) {
        self.command = command
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
    }
}

/// Why a launch failed; `description` is meant for a TASK_FAILED message.
public enum LaunchError: Error, Equatable, Sendable, CustomStringConvertible {
    case executableNotFound(String)
    case executableNotRunnable(String)
    case sandboxUnavailable(String)
    case outputUnavailable(String)
    case spawnFailed(String)

    public var description: String {
        switch self {
        case .executableNotFound(let message), .executableNotRunnable(let message),
            .sandboxUnavailable(let message), .outputUnavailable(let message),
            .spawnFailed(let message):
            return message
        }
    }

    static func fromSpawnErrno(_ code: Int32, executable: String) -> LaunchError {
        switch code {
        case ENOENT, ENOTDIR:
            return .executableNotFound("Failed to execute '\(executable)': executable not found")
        case EACCES, ENOEXEC, EISDIR, EPERM, ETXTBSY:
            return .executableNotRunnable("Failed to execute '\(executable)': \(errnoDescription(code))")
        default:
            return .spawnFailed("Failed to launch '\(executable)': \(errnoDescription(code))")
        }
    }
}

/// Starts task and executor processes, each leading its own session and process group so
/// that a child's `killpg(0, ...)` can never reach the agent, and so that the whole tree a
/// task forks can be signalled at once. Stateless: each `ProcessHandle` owns its exit status.
public final class ProcessLauncher: Sendable {
    /// Mesos' host default PATH, used when the spec's environment has none.
    public static let defaultSearchPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    /// How often `terminate` re-checks whether the group is gone during the grace period.
    static let terminationPollInterval: Duration = .milliseconds(20)

    public init() {}

    /// Creates the sandbox, opens the output files and spawns the child. A dedicated thread
    /// then blocks in `waitpid` for exactly this pid (no SIGCHLD handler, so other code's
    /// children are never stolen) and hands the status to async waiters.
    public func launch(_ spec: LaunchSpec) throws(LaunchError) -> ProcessHandle {
        let sandbox = spec.workingDirectory
        do {
            try FileManager.default.createDirectory(atPath: sandbox, withIntermediateDirectories: true)
        } catch {
            throw .sandboxUnavailable("Failed to create sandbox '\(sandbox)': \(error.localizedDescription)")
        }
        let (executable, argv) = try Self.resolveCommand(spec.command, spec: spec)
        let stdoutDescriptor = try Self.openOutput(spec.stdoutPath, sandbox: sandbox)
        defer { close(stdoutDescriptor) }
        let stderrDescriptor = try Self.openOutput(spec.stderrPath, sandbox: sandbox)
        defer { close(stderrDescriptor) }

        let pid = try spawnSessionLeader(
            SpawnRequest(
                executablePath: executable, argv: argv,
                environment: spec.environment.map { "\($0.key)=\($0.value)" }.sorted(),
                workingDirectory: sandbox,
                stdoutDescriptor: stdoutDescriptor, stderrDescriptor: stderrDescriptor))
        let handle = ProcessHandle(pid: pid)
        Self.startReaper(for: handle)
        return handle
    }

    /// Suspends (without blocking a thread) until the child has exited and been reaped.
    public func waitForExit(_ handle: ProcessHandle) async -> ExitStatus {
        await handle.waitForExit()
    }

    /// Sends `signal` to the child's whole process group (`kill(-pgid)`), which still works
    /// after the leader exited as long as any member remains. False if no member is left.
    @discardableResult
    public func signalGroup(_ handle: ProcessHandle, _ signal: Int32) -> Bool {
        kill(-handle.processGroupID, signal) == 0
    }

    /// Sends `signal` to the group and to every live process of the child's session, which
    /// also reaches members that moved to a process group of their own (job-control shells).
    /// Use it to destroy a container. Returns how many processes were signalled.
    @discardableResult
    public func signalSession(_ handle: ProcessHandle, _ signal: Int32) -> Int {
        var signalled = 0
        for pid in ProcessTable.liveMembers(ofSession: handle.pid) where kill(pid, signal) == 0 {
            signalled += 1
        }
        // Catches group members forked while /proc was being scanned.
        signalGroup(handle, signal)
        return signalled
    }

    /// True while any member of the child's process group can still run.
    public func isGroupAlive(_ handle: ProcessHandle) -> Bool {
        ProcessTable.groupHasLiveMembers(handle.processGroupID)
    }

    /// Mesos' kill policy: SIGTERM (then SIGCONT, so stopped members act on it) to the whole
    /// group; once the grace period runs out, SIGKILL to the group if the leader or any member
    /// is still alive. Returns the leader's exit status. Cancelling the calling task skips
    /// the rest of the grace period and escalates to SIGKILL at once.
    public func terminate(_ handle: ProcessHandle, gracePeriod: Duration) async -> ExitStatus {
        // Already gone: signalling could only hit a process group that reused the number.
        if let status = handle.exitStatusIfReaped, !isGroupAlive(handle) {
            return status
        }
        signalGroup(handle, SIGTERM)
        signalGroup(handle, SIGCONT)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: gracePeriod)
        while clock.now < deadline, !Task.isCancelled {
            if let status = handle.exitStatusIfReaped, !isGroupAlive(handle) {
                return status
            }
            let remaining = clock.now.duration(to: deadline)
            try? await clock.sleep(for: min(Self.terminationPollInterval, remaining))
        }
        signalGroup(handle, SIGKILL)
        return await handle.waitForExit()
    }

    // MARK: - Launch helpers

    /// The executable to spawn and its argv.
    static func resolveCommand(
        _ command: LaunchSpec.Command, spec: LaunchSpec
    ) throws(LaunchError) -> (String, [String]) {
        switch command {
        case .shell(let script):
            return ("/bin/sh", ["sh", "-c", script])
        case .argv(let executable, let arguments):
            let path = try resolveExecutable(
                executable, searchPath: spec.environment["PATH"] ?? defaultSearchPath,
                workingDirectory: spec.workingDirectory)
            return (path, arguments.isEmpty ? [executable] : arguments)
        }
    }

    /// `execvp` semantics against the child's PATH (not the agent's). A name containing '/'
    /// is used as given: the child changes into the sandbox before exec, so a relative path
    /// is relative to the sandbox, and a missing file surfaces as ENOENT from posix_spawn.
    static func resolveExecutable(
        _ name: String, searchPath: String, workingDirectory: String
    ) throws(LaunchError) -> String {
        if name.isEmpty {
            throw .executableNotFound("Failed to execute: the executable name is empty")
        }
        if name.contains("/") { return name }
        for entry in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
            // An empty PATH entry means the current directory, which for the child is the sandbox.
            let directory = entry.isEmpty ? "." : String(entry)
            let base = directory.hasPrefix("/") ? directory : workingDirectory + "/" + directory
            let candidate = base + "/" + name
            var info = stat()
            if stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        throw .executableNotFound("Failed to execute '\(name)': executable not found in PATH '\(searchPath)'")
    }

    /// Opens an output file for appending, creating it (and its directory) if needed. The
    /// descriptor is close-on-exec and >= 3 so it cannot collide with the child's stdio.
    static func openOutput(_ path: String, sandbox: String) throws(LaunchError) -> Int32 {
        let fullPath = path.hasPrefix("/") ? path : sandbox + "/" + path
        let directory = (fullPath as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let descriptor = open(fullPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .outputUnavailable("Failed to open '\(fullPath)': \(errnoDescription(errno))")
        }
        guard descriptor < 3 else { return descriptor }
        let moved = fcntl(descriptor, F_DUPFD_CLOEXEC, 3)
        let savedErrno = errno
        close(descriptor)
        guard moved >= 0 else {
            throw .outputUnavailable("Failed to open '\(fullPath)': \(errnoDescription(savedErrno))")
        }
        return moved
    }

    /// One small thread per child, blocked in `waitpid(pid)`; it ends with the child.
    static func startReaper(for handle: ProcessHandle) {
        let thread = Thread {
            var rawStatus: Int32 = 0
            while true {
                let result = waitpid(handle.pid, &rawStatus, 0)
                if result == handle.pid {
                    handle.recordExit(ExitStatus(waitStatus: rawStatus))
                    return
                }
                if result == -1 && errno == EINTR { continue }
                // ECHILD: something else reaped our child (SIGCHLD set to SIG_IGN, or a
                // foreign waitpid(-1)). The real status is lost; report a failure, not a hang.
                handle.recordExit(.exited(255))
                return
            }
        }
        thread.name = "reaper-\(handle.pid)"
        thread.stackSize = 256 * 1024
        thread.start()
    }
}
