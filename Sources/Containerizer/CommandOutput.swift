import Glibc

/// Runs a short helper command to its end and collects what it printed, with `posix_spawnp`
/// and `poll` on the calling thread. Not Foundation's `Process`: its `run()` crashed (a memcpy
/// inside it) when many threads started processes at once, which the kubelet and the test suite
/// both do. The child gets stdin from /dev/null, default signal dispositions and an empty signal
/// mask (ignored signals such as SIGPIPE would otherwise survive exec), and no other descriptor.
enum CommandOutput {
    struct Outcome {
        var status: ExitStatus
        var stdout: [UInt8]
        var stderr: [UInt8]
    }

    static func run(_ arguments: [String]) throws(ImageError) -> Outcome {
        guard let program = arguments.first else { throw .commandFailed("no command given") }
        var output: [Int32] = [-1, -1]
        var errors: [Int32] = [-1, -1]
        guard makePipe(&output) == 0 else { throw .commandFailed("pipe: \(errnoDescription(errno))") }
        guard makePipe(&errors) == 0 else {
            let code = errno
            close(output[0])
            close(output[1])
            throw .commandFailed("pipe: \(errnoDescription(code))")
        }
        let spawned = spawn(arguments, stdout: output[1], stderr: errors[1])
        close(output[1])
        close(errors[1])
        guard case .success(let pid) = spawned else {
            close(output[0])
            close(errors[0])
            if case .failure(let error) = spawned {
                throw .commandFailed("\(program) could not start: \(errnoDescription(error.code))")
            }
            throw .commandFailed("\(program) could not start")
        }
        let (stdout, stderr) = drain(output[0], errors[0])
        var status: Int32 = 0
        var waited: pid_t
        repeat { waited = waitpid(pid, &status, 0) } while waited < 0 && errno == EINTR
        guard waited == pid else { throw .commandFailed("\(program): waitpid: \(errnoDescription(errno))") }
        return Outcome(status: ExitStatus(waitStatus: status), stdout: stdout, stderr: stderr)
    }

    struct SpawnErrno: Error { var code: Int32 }

    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
    /// glibc's `pipe2`, hidden from Swift's Glibc module like the spawn extensions.
    static let pipe2: Pipe2? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "pipe2") else { return nil }
        return unsafeBitCast(symbol, to: Pipe2.self)
    }()

    /// A pipe whose ends close on exec from the start (another thread's fork must not inherit
    /// them: a child holding the write end would keep `drain` waiting).
    private static func makePipe(_ ends: inout [Int32]) -> Int32 {
        if let pipe2 { return ends.withUnsafeMutableBufferPointer { pipe2($0.baseAddress, O_CLOEXEC) } }
        guard pipe(&ends) == 0 else { return -1 }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return 0
    }

    /// The child's pid, or the errno `posix_spawnp` reported (exec failures included: glibc's
    /// spawn waits for the exec).
    private static func spawn(_ arguments: [String], stdout: Int32, stderr: Int32) -> Result<pid_t, SpawnErrno> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var setup = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if setup == 0 { setup = posix_spawn_file_actions_adddup2(&actions, stdout, 1) }
        if setup == 0 { setup = posix_spawn_file_actions_adddup2(&actions, stderr, 2) }
        if setup == 0, let closeFrom = GNUSpawnExtensions.addCloseFrom { setup = closeFrom(&actions, 3) }
        if setup == 0 { setup = configureDefaultSignals(&attributes) }
        if setup != 0 { return .failure(SpawnErrno(code: setup)) }
        var pid: pid_t = 0
        let code = withCStringArray(arguments) { argv in
            posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environ)
        }
        return code == 0 ? .success(pid) : .failure(SpawnErrno(code: code))
    }

    /// Reads both pipes to their ends, whichever has data, so neither can fill up and block the
    /// child; closes them.
    private static func drain(_ stdout: Int32, _ stderr: Int32) -> ([UInt8], [UInt8]) {
        var collected: [[UInt8]] = [[], []]
        var descriptors = [
            pollfd(fd: stdout, events: Int16(POLLIN), revents: 0),
            pollfd(fd: stderr, events: Int16(POLLIN), revents: 0),
        ]
        var buffer = [UInt8](repeating: 0, count: 65536)
        while descriptors.contains(where: { $0.fd >= 0 }) {
            if poll(&descriptors, nfds_t(descriptors.count), -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for index in descriptors.indices where descriptors[index].fd >= 0 && descriptors[index].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(descriptors[index].fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    collected[index].append(contentsOf: buffer[0..<count])
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(descriptors[index].fd)
                    descriptors[index].fd = -1
                }
            }
        }
        for descriptor in descriptors where descriptor.fd >= 0 { close(descriptor.fd) }
        return (collected[0], collected[1])
    }
}
