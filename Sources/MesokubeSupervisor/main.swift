// mesokube-supervisor: the small process that owns one container for the agent.
//
// The agent starts it as the leader of a new session; it forks the task (or `runc run`),
// records the task's pid and, when the task ends, its exit status in files under the
// container's meta directory, then exits. Because the supervisor is not a child that dies
// with the agent, a container keeps running across an agent restart, and the restarted
// agent still learns how it ended — which `waitpid` alone could not tell a new parent.
//
// It imports only Glibc: one supervisor runs per container, so it must start fast and
// stay small, and it forks, which is only safe while the process has a single thread.
//
// Usage:
//   mesokube-supervisor --run-dir DIR [--cgroup DIR]... [--pid-namespace] [--mount-proc]
//                       [--net-namespace PATH]
//                       [--bind SOURCE TARGET | --bind-ro SOURCE TARGET]... -- EXECUTABLE ARGV0 [ARG]...
// --mount-proc and --bind give the task a private mount namespace: a fresh /proc (with
// --pid-namespace) and bind mounts that no one outside the container sees, so nothing is
// left mounted on the host when it ends. --net-namespace enters an existing network namespace
// (a pod's, /var/run/netns/NAME) before the task is forked, so the task and everything it
// starts share the pod's interfaces and address with the pod's other containers.
// Writes DIR/pid (the task's pid, or the namespace init's), DIR/status ("exited N" or
// "signaled N") and, when setting the task up fails, DIR/error with the reason.
import Glibc

@_silgen_name("unshare") func linuxUnshare(_ flags: Int32) -> Int32
// Like unshare, hidden behind _GNU_SOURCE in <sched.h>, which Swift's Glibc module lacks.
@_silgen_name("setns") func linuxSetns(_ descriptor: Int32, _ type: Int32) -> Int32

let cloneNewNS: Int32 = 0x0002_0000
let cloneNewPID: Int32 = 0x2000_0000
let cloneNewNet: Int32 = 0x4000_0000
/// Exit code of a task whose setup failed before exec (as a shell's "command not found").
let setupFailedCode: Int32 = 127

struct Bind {
    var source: String
    var target: String
    var readOnly: Bool
}

struct Options {
    var runDirectory = ""
    var cgroups: [String] = []
    var pidNamespace = false
    var mountProc = false
    var binds: [Bind] = []
    var networkNamespace: String?
    var executable = ""
    var argv: [String] = []
}

func parseOptions(_ arguments: [String]) -> Options? {
    var options = Options()
    var index = 1
    while index < arguments.count {
        let argument = arguments[index]
        index += 1
        switch argument {
        case "--run-dir", "--cgroup", "--net-namespace":
            guard index < arguments.count else { return nil }
            switch argument {
            case "--run-dir": options.runDirectory = arguments[index]
            case "--cgroup": options.cgroups.append(arguments[index])
            default: options.networkNamespace = arguments[index]
            }
            index += 1
        case "--bind", "--bind-ro":
            guard index + 1 < arguments.count else { return nil }
            options.binds.append(
                Bind(source: arguments[index], target: arguments[index + 1], readOnly: argument == "--bind-ro"))
            index += 2
        case "--pid-namespace": options.pidNamespace = true
        case "--mount-proc": options.mountProc = true
        case "--":
            guard index + 1 < arguments.count else { return nil }
            options.executable = arguments[index]
            options.argv = Array(arguments[(index + 1)...])
            return options.runDirectory.isEmpty ? nil : options
        default: return nil
        }
    }
    return nil
}

// MARK: - Files

/// Writes `text` to `path` through a temporary file and rename, so a reader (the agent,
/// perhaps a restarted one) never sees half a status.
func writeAtomically(_ text: String, to path: String) {
    let temporary = path + ".tmp"
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { return }
    writeAll(descriptor, text)
    fsync(descriptor)
    close(descriptor)
    rename(temporary, path)
}

func writeAll(_ descriptor: Int32, _ text: String) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeMutableBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
        if written < 0 && errno == EINTR { continue }
        if written <= 0 { return }
        offset += written
    }
}

func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }

/// Called in the forked child before exec: the reason goes to DIR/error and the sandbox's
/// stderr, and the child exits without running atexit handlers of the parent image.
func failSetup(_ options: Options, _ message: String) -> Never {
    writeAtomically(message + "\n", to: options.runDirectory + "/error")
    writeAll(2, "mesokube-supervisor: " + message + "\n")
    _exit(setupFailedCode)
}

// MARK: - Child setup

/// Moves the calling process into each cgroup (writing 0 moves the writer), so the task
/// never runs an instruction outside its limits.
func joinCgroups(_ options: Options) {
    for directory in options.cgroups {
        let path = directory + "/cgroup.procs"
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        if descriptor < 0 { failSetup(options, "Failed to join cgroup '\(directory)': \(errnoText(errno))") }
        let written = "0".withCString { write(descriptor, $0, 1) }
        let savedErrno = errno
        close(descriptor)
        if written != 1 { failSetup(options, "Failed to join cgroup '\(directory)': \(errnoText(savedErrno))") }
    }
}

/// A private mount namespace (mounts still propagate in from the host, never out) with the
/// task's bind mounts and, in a new pid namespace, a fresh /proc. Runs in the child that is
/// pid 1 of that namespace, before the task.
func setUpMounts(_ options: Options) {
    let freshProc = options.mountProc && options.pidNamespace
    guard freshProc || !options.binds.isEmpty else { return }
    if linuxUnshare(cloneNewNS) != 0 {
        failSetup(options, "Failed to create a mount namespace: \(errnoText(errno))")
    }
    if mount(nil, "/", nil, UInt(MS_REC | MS_SLAVE), nil) != 0 {
        failSetup(options, "Failed to make mounts private: \(errnoText(errno))")
    }
    for bind in options.binds {
        if mount(bind.source, bind.target, nil, UInt(MS_BIND | MS_REC), nil) != 0 {
            failSetup(options, "Failed to mount volume '\(bind.source)' at '\(bind.target)': \(errnoText(errno))")
        }
        // A bind mount takes the read-only flag only on a remount.
        if bind.readOnly, mount(nil, bind.target, nil, UInt(MS_REMOUNT | MS_BIND | MS_RDONLY), nil) != 0 {
            failSetup(options, "Failed to make volume '\(bind.target)' read-only: \(errnoText(errno))")
        }
    }
    if freshProc, mount("proc", "/proc", "proc", UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC), nil) != 0 {
        failSetup(options, "Failed to mount /proc: \(errnoText(errno))")
    }
}

/// Restores what a task expects from a fresh exec: default dispositions, empty mask.
func resetSignals() {
    for signal in 1..<32 where signal != SIGKILL && signal != SIGSTOP {
        Glibc.signal(Int32(signal), SIG_DFL)
    }
    var mask = sigset_t()
    sigemptyset(&mask)
    sigprocmask(SIG_SETMASK, &mask, nil)
}

func execTask(_ options: Options) -> Never {
    resetSignals()
    var cStrings: [UnsafeMutablePointer<CChar>?] = options.argv.map { strdup($0) }
    cStrings.append(nil)
    execv(options.executable, &cStrings)
    let code = errno
    failSetup(options, "Failed to execute '\(options.executable)': \(errnoText(code))")
}

// MARK: - Namespace init

/// The task's pid inside the namespace; read by the signal handlers of the init.
nonisolated(unsafe) var namespaceTaskPID: pid_t = 0
/// The task's pid as the supervisor sees it; read by the supervisor's forwarding handlers.
nonisolated(unsafe) var supervisedPID: pid_t = 0

/// Pid 1 of a new pid namespace ignores every signal it has no handler for, so a task that
/// were pid 1 could not be stopped gracefully with SIGTERM. A tiny init sits there instead:
/// it forwards termination signals to the task, reaps orphans, and when the task ends it
/// reports the task's own status through `reportDescriptor` and exits, which makes the
/// kernel kill whatever else is left in the namespace.
func runNamespaceInit(_ options: Options, reportDescriptor: Int32) -> Never {
    let task = fork()
    if task < 0 { failSetup(options, "fork failed: \(errnoText(errno))") }
    if task == 0 {
        close(reportDescriptor)
        execTask(options)
    }
    namespaceTaskPID = task
    for forwarded in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2] {
        signal(forwarded) { received in
            if namespaceTaskPID > 0 { kill(namespaceTaskPID, received) }
        }
    }
    while true {
        var raw: Int32 = 0
        let reaped = waitpid(-1, &raw, 0)
        if reaped == task {
            writeAll(reportDescriptor, describe(waitStatus: raw))
            _exit(0)
        }
        if reaped < 0 && errno != EINTR { _exit(setupFailedCode) }
    }
}

// MARK: - Supervisor

func describe(waitStatus raw: Int32) -> String {
    let signal = raw & 0x7f
    if signal == 0 { return "exited \((raw >> 8) & 0xff)\n" }
    return "signaled \(signal)\n"
}

func startChild(_ options: Options, reportPipe: [Int32]) -> pid_t {
    let child = fork()
    if child != 0 {
        // Both sides set the group, as shells do: the pid file is written next, and a signal
        // sent to the group before the child got to run would otherwise find no such group.
        if child > 0 { setpgid(child, child) }
        return child
    }
    setpgid(0, 0)
    joinCgroups(options)
    setUpMounts(options)
    if options.pidNamespace {
        close(reportPipe[0])
        runNamespaceInit(options, reportDescriptor: reportPipe[1])
    }
    execTask(options)
}

/// Reads what the namespace init reported; empty if it died before reporting.
func readReport(_ descriptor: Int32) -> String {
    var buffer = [UInt8](repeating: 0, count: 64)
    var text = ""
    while true {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { break }
        text += String(decoding: buffer[0..<count], as: UTF8.self)
    }
    return text
}

/// Records why the task could not be started at all; the agent's launch reports it.
func failBeforeFork(_ options: Options, _ message: String) -> Int32 {
    writeAtomically(message + "\n", to: options.runDirectory + "/error")
    writeAtomically("exited \(setupFailedCode)\n", to: options.runDirectory + "/status")
    return 1
}

/// Enters the network namespace at `path`. Done in the supervisor, not the child, so that a
/// bad path fails the launch itself instead of a task that already looked started.
func joinNetworkNamespace(_ path: String) -> String? {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    if descriptor < 0 { return "Failed to open network namespace '\(path)': \(errnoText(errno))" }
    defer { close(descriptor) }
    if linuxSetns(descriptor, cloneNewNet) != 0 {
        return "Failed to join network namespace '\(path)': \(errnoText(errno))"
    }
    return nil
}

func supervise(_ options: Options) -> Int32 {
    signal(SIGPIPE, SIG_IGN)
    signal(SIGHUP, SIG_IGN)
    if let path = options.networkNamespace, let failure = joinNetworkNamespace(path) {
        return failBeforeFork(options, failure)
    }
    var reportPipe: [Int32] = [-1, -1]
    if options.pidNamespace {
        if pipe(&reportPipe) != 0 || linuxUnshare(cloneNewPID) != 0 {
            return failBeforeFork(options, "Failed to create a pid namespace: \(errnoText(errno))")
        }
    }
    let child = startChild(options, reportPipe: reportPipe)
    if child < 0 { return failBeforeFork(options, "Failed to fork: \(errnoText(errno))") }
    supervisedPID = child
    // Someone signalling the supervisor means the container: pass it on to the task's group.
    for forwarded in [SIGTERM, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2] {
        signal(forwarded) { received in
            if supervisedPID > 0 { kill(-supervisedPID, received) }
        }
    }
    if options.pidNamespace { close(reportPipe[1]) }
    writeAtomically("\(child)\n", to: options.runDirectory + "/pid")
    var raw: Int32 = 0
    while waitpid(child, &raw, 0) < 0 && errno == EINTR {}
    var status = describe(waitStatus: raw)
    if options.pidNamespace {
        let reported = readReport(reportPipe[0])
        // An init killed outright (SIGKILL from the agent) reports nothing: its own status stands.
        if !reported.isEmpty { status = reported }
    }
    writeAtomically(status, to: options.runDirectory + "/status")
    return 0
}

guard let options = parseOptions(CommandLine.arguments) else {
    writeAll(
        2,
        "usage: mesokube-supervisor --run-dir DIR [--cgroup DIR]... [--pid-namespace] [--mount-proc]"
            + " [--net-namespace PATH] [--bind SOURCE TARGET | --bind-ro SOURCE TARGET]... -- EXECUTABLE ARGV0 [ARG]...\n"
    )
    exit(2)
}
exit(supervise(options))
