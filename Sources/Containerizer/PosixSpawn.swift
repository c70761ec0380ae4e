import Glibc

/// glibc's GNU spawn extensions. Swift's Glibc module is built without `_GNU_SOURCE`, so
/// these are invisible to the importer; they exist in every glibc we run on (chdir since
/// 2.29, closefrom since 2.34; Debian 12 ships 2.36), so they are looked up at run time.
enum GNUSpawnExtensions {
    /// `POSIX_SPAWN_SETSID` from <spawn.h>: the child calls `setsid()` before `exec`.
    static let setsidFlag: Int32 = 0x80

    typealias AddChdir =
        @convention(c) (
            UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?
        ) -> Int32
    typealias AddCloseFrom =
        @convention(c) (
            UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32
        ) -> Int32

    static let addChdir: AddChdir? = lookup("posix_spawn_file_actions_addchdir_np")
    static let addCloseFrom: AddCloseFrom? = lookup(
        "posix_spawn_file_actions_addclosefrom_np")

    private static func lookup<Function>(_ name: String) -> Function? {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, name) else {
            return nil
        }
        return unsafeBitCast(symbol, to: Function.self)
    }
}

/// Everything `posix_spawn` needs, already resolved by the launcher.
struct SpawnRequest {
    var executablePath: String
    var argv: [String]
    var environment: [String]
    var workingDirectory: String
    var stdoutDescriptor: Int32
    var stderrDescriptor: Int32
}

/// Starts `request` as the leader of a new session and process group, with stdin from
/// /dev/null, stdout/stderr on the given descriptors, every other descriptor closed, default
/// signal dispositions and an empty signal mask (the agent's ignored signals, e.g. SIGPIPE,
/// must not leak into tasks). Returns the pid or the errno `posix_spawn` reported, which
/// includes exec failures because glibc's spawn waits for the exec.
func spawnSessionLeader(_ request: SpawnRequest) throws(LaunchError) -> pid_t {
    guard let addChdir = GNUSpawnExtensions.addChdir else {
        throw .spawnFailed("posix_spawn_file_actions_addchdir_np is unavailable (glibc < 2.29)")
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }

    var setupError = configureStdioAndDirectory(&actions, request, addChdir: addChdir)
    if setupError == 0 { setupError = configureSessionAndSignals(&attributes) }
    if setupError != 0 {
        throw .spawnFailed("preparing posix_spawn failed: \(errnoDescription(setupError))")
    }

    var pid: pid_t = 0
    var spawnError: Int32 = 0
    // ETXTBSY: a file just written (say, fetched into the sandbox) can still be open for
    // writing in some other thread's child that has forked but not yet exec'd. That window
    // is brief, so retry a few times with a short backoff.
    for attempt in 0..<6 {
        spawnError = withCStringArray(request.argv) { argv in
            withCStringArray(request.environment) { environment in
                posix_spawn(&pid, request.executablePath, &actions, &attributes, argv, environment)
            }
        }
        guard spawnError == ETXTBSY else { break }
        usleep(UInt32(5_000 << attempt))
    }
    if spawnError != 0 {
        throw LaunchError.fromSpawnErrno(spawnError, executable: request.executablePath)
    }
    return pid
}

/// stdin from /dev/null, stdout/stderr onto the output files, everything else closed,
/// then into the sandbox. Returns the first error code, or 0.
private func configureStdioAndDirectory(
    _ actions: inout posix_spawn_file_actions_t, _ request: SpawnRequest,
    addChdir: GNUSpawnExtensions.AddChdir
) -> Int32 {
    var result = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    if result == 0 { result = posix_spawn_file_actions_adddup2(&actions, request.stdoutDescriptor, 1) }
    if result == 0 { result = posix_spawn_file_actions_adddup2(&actions, request.stderrDescriptor, 2) }
    // Without closefrom (glibc < 2.34) only O_CLOEXEC protects other descriptors.
    if result == 0, let addCloseFrom = GNUSpawnExtensions.addCloseFrom { result = addCloseFrom(&actions, 3) }
    if result == 0 { result = addChdir(&actions, request.workingDirectory) }
    return result
}

/// New session, default dispositions for every signal, empty signal mask.
private func configureSessionAndSignals(_ attributes: inout posix_spawnattr_t) -> Int32 {
    configureDefaultSignals(&attributes, extraFlags: GNUSpawnExtensions.setsidFlag)
}

/// Default dispositions for every signal and an empty signal mask in the child (the parent's
/// ignored signals, e.g. SIGPIPE, must not survive exec), plus `extraFlags`.
func configureDefaultSignals(_ attributes: inout posix_spawnattr_t, extraFlags: Int32 = 0) -> Int32 {
    // Every bit set, not `sigfillset`: glibc's sigfillset leaves out its internal signals
    // (32, 33), and posix_spawn then sets those to SIG_IGN in the child, which survives exec.
    var defaultSignals = sigset_t()
    withUnsafeMutableBytes(of: &defaultSignals) { bytes in
        for index in bytes.indices { bytes[index] = 0xff }
    }
    var emptyMask = sigset_t()
    sigemptyset(&emptyMask)
    var result = posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
    if result == 0 { result = posix_spawnattr_setsigmask(&attributes, &emptyMask) }
    let flags = Int32(POSIX_SPAWN_SETSIGDEF) | Int32(POSIX_SPAWN_SETSIGMASK) | extraFlags
    if result == 0 { result = posix_spawnattr_setflags(&attributes, Int16(flags)) }
    return result
}

/// Calls `body` with a NULL-terminated array of C strings that lives for the call.
func withCStringArray<Result>(
    _ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> Result
) -> Result {
    let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
    defer { for pointer in pointers { free(pointer) } }
    return body(pointers)
}

/// "No such file or directory (errno 2)".
func errnoDescription(_ code: Int32) -> String {
    "\(String(cString: strerror(code))) (errno \(code))"
}
