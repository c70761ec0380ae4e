import Foundation
import Glibc
import NIOConcurrencyHelpers

/// Why an exec command could not be started.
struct ExecStartError: Error, CustomStringConvertible {
    var description: String
}

/// The parent's ends of the command's standard streams, each owned by whoever takes it next.
struct ExecDescriptors: Sendable {
    var stdin: Int32?
    var stdout: Int32?
    var stderr: Int32?
    /// With a terminal: the pty master, carrying stdin one way and stdout the other.
    var terminal: Int32?
}

/// A command run inside a container's namespaces for exec: `nsenter` started with `posix_spawn`
/// as the leader of a new session, its streams on pipes or a pseudo-terminal.
final class ExecProcess: Sendable {
    let pid: pid_t
    let descriptors: ExecDescriptors
    /// A descriptor of the pty master kept for window-size changes (NIO owns the others).
    private let terminalControl: Int32?
    private let exit = NIOLockedValueBox(ExitWaiters())

    private struct ExitWaiters {
        var code: Int32?
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Int32?, Never>] = [:]
    }

    private init(pid: pid_t, descriptors: ExecDescriptors, terminalControl: Int32?) {
        self.pid = pid
        self.descriptors = descriptors
        self.terminalControl = terminalControl
    }

    deinit {
        if let terminalControl { _ = close(terminalControl) }
    }

    /// Starts `command` in the namespaces of `target`.
    static func start(
        _ options: ExecOptions, in target: ContainerExecTarget, nsenter: String
    ) throws(ExecStartError) -> ExecProcess {
        let arguments = try ExecCommandLine.arguments(options.command, target: target, nsenter: nsenter)
        let environment = ExecCommandLine.environment(target.environment, tty: options.tty)
        var stdio = try StdioPlan.make(options)
        let pid: pid_t
        do {
            pid = try spawnSessionLeader(
                executable: nsenter, arguments: arguments, environment: environment, stdio: stdio)
        } catch {
            stdio.closeAll()
            throw error
        }
        stdio.closeChildEnds()
        let process = ExecProcess(pid: pid, descriptors: stdio.parent, terminalControl: stdio.terminalControl)
        process.watchExit()
        return process
    }

    /// Sets the terminal size; the kernel then signals SIGWINCH to the foreground process group.
    func resize(width: UInt16, height: UInt16) {
        guard let terminalControl else { return }
        var size = winsize(ws_row: height, ws_col: width, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(terminalControl, UInt(TIOCSWINSZ), &size)
    }

    /// The client went away: hang up the session like a closed terminal would.
    func hangUp() {
        _ = kill(-self.pid, SIGHUP)
    }

    var hasExited: Bool { self.exit.withLockedValue { $0.code != nil } }

    /// The exit code (128 + signal for a killed command, as shells report it); nil if the waiting
    /// task is cancelled first.
    func exitCode() async -> Int32? {
        let id = self.exit.withLockedValue { state in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Int32?, Never>) in
                let immediate: Int32?? = self.exit.withLockedValue { state in
                    if let code = state.code { return .some(code) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters[id] = continuation
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = self.exit.withLockedValue { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: nil)
        }
    }

    /// One small thread blocked in `waitpid` for exactly this child (no SIGCHLD handler, so other
    /// children of the process are left alone).
    private func watchExit() {
        let pid = self.pid
        let thread = Thread { [self] in
            var status: Int32 = 0
            var result: pid_t
            repeat { result = waitpid(pid, &status, 0) } while result < 0 && errno == EINTR
            // ECHILD means someone else reaped it and the status is lost: report a failure.
            let code: Int32 = result < 0 ? 255 : (status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f))
            let waiters = self.exit.withLockedValue { state in
                state.code = code
                defer { state.waiters = [:] }
                return Array(state.waiters.values)
            }
            for waiter in waiters { waiter.resume(returning: code) }
        }
        thread.name = "exec-wait-\(pid)"
        thread.start()
    }
}

/// The `nsenter` command line and environment of an exec.
enum ExecCommandLine {
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    /// nsenter's option for each namespace kind in /proc/<pid>/ns.
    static let namespaces = [
        ("mnt", "--mount"), ("uts", "--uts"), ("ipc", "--ipc"), ("net", "--net"), ("pid", "--pid"),
    ]

    /// Enters only the namespaces that differ from ours: entering one's own namespace needs
    /// privileges for nothing, and a host-process pod shares them all.
    static func arguments(
        _ command: [String], target: ContainerExecTarget, nsenter: String
    ) throws(ExecStartError) -> [String] {
        var arguments = [nsenter, "--target", String(target.pid)]
        for (kind, option) in namespaces {
            guard let theirs = namespaceInode("/proc/\(target.pid)/ns/\(kind)") else {
                throw ExecStartError(description: "the container's process \(target.pid) is gone")
            }
            if theirs != namespaceInode("/proc/self/ns/\(kind)") { arguments.append(option) }
        }
        let directory = target.workingDirectory.isEmpty ? "/" : target.workingDirectory
        // nsenter opens the directory before it enters the namespaces: a path inside another
        // mount namespace is reached through the target's root as the host sees it.
        let root = arguments.contains("--mount") ? "/proc/\(target.pid)/root" : ""
        arguments.append("--wd=\(root)\(directory)")
        // nsenter drops supplementary groups when it changes the group.
        if let group = target.groupID { arguments += ["--setgid", String(group)] }
        if let user = target.userID { arguments += ["--setuid", String(user)] }
        arguments.append("--")
        return arguments + command
    }

    static func environment(_ variables: [String: String], tty: Bool) -> [String] {
        var all = variables
        if all["PATH"] == nil { all["PATH"] = defaultPath }
        if tty && all["TERM"] == nil { all["TERM"] = "xterm" }
        return all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    }

    private static func namespaceInode(_ path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(info.st_ino)
    }
}
