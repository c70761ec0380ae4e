import Glibc

/// Where each of the child's standard streams comes from and which descriptors the parent keeps.
struct StdioPlan {
    enum Source {
        case devNull
        case descriptor(Int32)
        /// The pty slave, opened by path in the child so that it becomes the new session's
        /// controlling terminal (job control, ^C, SIGWINCH work as in a login shell).
        case terminal(path: String)
    }

    var stdin = Source.devNull
    var stdout = Source.devNull
    var stderr = Source.devNull
    var parent = ExecDescriptors()
    var terminalControl: Int32?
    /// Descriptors only the child needs; closed in the parent once it runs.
    private var childEnds: [Int32] = []

    static func make(_ options: ExecOptions) throws(ExecStartError) -> StdioPlan {
        var plan = StdioPlan()
        do {
            if options.tty {
                try plan.addTerminal(options)
            } else {
                try plan.addPipes(options)
            }
        } catch {
            plan.closeAll()
            throw error
        }
        return plan
    }

    private mutating func addTerminal(_ options: ExecOptions) throws(ExecStartError) {
        let (master, slave, path) = try Self.openTerminal()
        self.childEnds.append(slave)
        self.parent.terminal = master
        let control = dup(master)
        if control >= 0 {
            _ = fcntl(control, F_SETFD, FD_CLOEXEC)
            self.terminalControl = control
        }
        self.stdin = .terminal(path: path)
        self.stdout = .terminal(path: path)
        self.stderr = .terminal(path: path)
    }

    private mutating func addPipes(_ options: ExecOptions) throws(ExecStartError) {
        if options.stdin {
            let (read, write) = try Self.makePipe()
            self.childEnds.append(read)
            self.parent.stdin = write
            self.stdin = .descriptor(read)
        }
        if options.stdout {
            let (read, write) = try Self.makePipe()
            self.childEnds.append(write)
            self.parent.stdout = read
            self.stdout = .descriptor(write)
        }
        if options.stderr {
            let (read, write) = try Self.makePipe()
            self.childEnds.append(write)
            self.parent.stderr = read
            self.stderr = .descriptor(write)
        }
    }

    mutating func closeChildEnds() {
        for descriptor in self.childEnds { _ = close(descriptor) }
        self.childEnds = []
    }

    mutating func closeAll() {
        self.closeChildEnds()
        let parents = [self.parent.stdin, self.parent.stdout, self.parent.stderr, self.parent.terminal]
        for case let descriptor? in parents { _ = close(descriptor) }
        if let terminalControl { _ = close(terminalControl) }
        self.parent = ExecDescriptors()
        self.terminalControl = nil
    }

    /// A pipe whose ends are not inherited by other children started meanwhile.
    private static func makePipe() throws(ExecStartError) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw ExecStartError(description: "pipe: \(errnoText(errno))") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        return (ends[0], ends[1])
    }

    /// `openpty` lives in libc since glibc 2.34 (libutil before) and is not in Swift's Glibc
    /// module, so it is looked up at run time. The terminal starts at 80x24 until the client
    /// sends its size.
    private static func openTerminal() throws(ExecStartError) -> (master: Int32, slave: Int32, path: String) {
        typealias OpenPTY =
            @convention(c) (
                UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<CChar>?,
                UnsafeRawPointer?, UnsafeRawPointer?
            ) -> Int32
        let symbol = dlsym(dlopen(nil, RTLD_NOW), "openpty") ?? dlsym(dlopen("libutil.so.1", RTLD_NOW), "openpty")
        guard let symbol else { throw ExecStartError(description: "openpty is not available") }
        let openpty = unsafeBitCast(symbol, to: OpenPTY.self)
        var master: Int32 = -1
        var slave: Int32 = -1
        var name = [CChar](repeating: 0, count: 4096)
        var size = winsize(ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0)
        guard openpty(&master, &slave, &name, nil, &size) == 0 else {
            throw ExecStartError(description: "openpty: \(errnoText(errno))")
        }
        _ = fcntl(master, F_SETFD, FD_CLOEXEC)
        _ = fcntl(slave, F_SETFD, FD_CLOEXEC)
        let path = name.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return (master, slave, path)
    }
}

/// Starts `executable` as the leader of a new session (so the whole exec can be hung up as one
/// process group), with default signal dispositions and an empty mask (the agent's ignored
/// SIGPIPE must not leak into the command) and no descriptors beyond 0-2.
func spawnSessionLeader(
    executable: String, arguments: [String], environment: [String], stdio: StdioPlan
) throws(ExecStartError) -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }

    var result: Int32 = 0
    for (target, source) in [(Int32(0), stdio.stdin), (1, stdio.stdout), (2, stdio.stderr)] where result == 0 {
        switch source {
        case .devNull:
            result = posix_spawn_file_actions_addopen(
                &actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
        case .descriptor(let descriptor):
            result = posix_spawn_file_actions_adddup2(&actions, descriptor, target)
        case .terminal(let path):
            // glibc runs setsid before the file actions, so this open acquires the terminal.
            result =
                target == 0
                ? posix_spawn_file_actions_addopen(&actions, 0, path, O_RDWR, 0)
                : posix_spawn_file_actions_adddup2(&actions, 0, target)
        }
    }
    if result == 0, let addCloseFrom = SpawnExtensions.addCloseFrom { result = addCloseFrom(&actions, 3) }
    if result == 0 { result = SpawnExtensions.configureSession(&attributes) }
    guard result == 0 else { throw ExecStartError(description: "preparing posix_spawn: \(errnoText(result))") }

    var pid: pid_t = 0
    let pointers: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    let environmentPointers: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
    defer {
        for pointer in pointers + environmentPointers { free(pointer) }
    }
    let spawnError = posix_spawn(&pid, executable, &actions, &attributes, pointers, environmentPointers)
    guard spawnError == 0 else { throw ExecStartError(description: "\(executable): \(errnoText(spawnError))") }
    return pid
}

/// glibc's GNU spawn extensions, invisible to Swift's Glibc module (built without _GNU_SOURCE).
private enum SpawnExtensions {
    /// `POSIX_SPAWN_SETSID` from <spawn.h>.
    static let setsidFlag: Int32 = 0x80

    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np") else {
            return nil
        }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()

    static func configureSession(_ attributes: inout posix_spawnattr_t) -> Int32 {
        // Every bit, not sigfillset: glibc's leaves out its internal signals, which posix_spawn
        // would then set to SIG_IGN in the child.
        var defaults = sigset_t()
        withUnsafeMutableBytes(of: &defaults) { bytes in
            for index in bytes.indices { bytes[index] = 0xff }
        }
        var mask = sigset_t()
        sigemptyset(&mask)
        var result = posix_spawnattr_setsigdefault(&attributes, &defaults)
        if result == 0 { result = posix_spawnattr_setsigmask(&attributes, &mask) }
        let flags = Int32(POSIX_SPAWN_SETSIGDEF) | Int32(POSIX_SPAWN_SETSIGMASK) | setsidFlag
        if result == 0 { result = posix_spawnattr_setflags(&attributes, Int16(flags)) }
        return result
    }
}

func errnoText(_ code: Int32) -> String {
    "\(String(cString: strerror(code))) (errno \(code))"
}
