import Foundation
import HTTPSupport
import KubeClient
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The real processes benchmarks start, and what /proc says about them.
enum BenchProcess {
    /// `$MESOKUBE_BIN`, else the `mesokube` built next to this benchmark.
    static var mesokubeBinary: String {
        ProcessInfo.processInfo.environment["MESOKUBE_BIN"]
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("mesokube").path
    }

    static func launch(_ path: String, _ arguments: [String], log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = FileHandle(forWritingAtPath: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// One member of a local etcd cluster (Debian's `etcd`, default timing) on 127.0.0.1 ports.
    /// `cluster`: every member's `name=peer URL`, this one's included.
    static func launchEtcd(
        name: String, clientPort: Int, peerPort: Int, cluster: String, dataDirectory: String, log: String
    ) throws -> Process {
        let client = "http://127.0.0.1:\(clientPort)"
        let peer = "http://127.0.0.1:\(peerPort)"
        return try launch(
            "/usr/bin/etcd",
            [
                "--name", name, "--data-dir", dataDirectory, "--listen-client-urls", client, "--advertise-client-urls",
                client, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", cluster,
                "--log-level", "error",
            ], log: log)
    }

    /// The test support's picker: a 127.0.0.1 port nothing listens on right now.
    static func freePort() throws -> Int { try TestRegistry.freeLoopbackPort() }

    /// Resident set size (`VmRSS`), in bytes.
    static func residentBytes(of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kilobytes = Int(fields[1]) else { return nil }
            return kilobytes * 1024
        }
        return nil
    }

    /// User + system CPU time the process has used, in seconds (`/proc/<pid>/stat` fields 14 and 15).
    static func cpuSeconds(of pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name, which may itself hold spaces: state is field 3.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Checks `done` every `interval` until it holds; after `limit` throws with `what` and what
    /// `detail` says then.
    static func waitUntil(
        _ what: String, limit: Duration, interval: Duration = .milliseconds(5), detail: () -> String = { "" },
        _ done: () -> Bool
    ) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        // A long wait at full size says how it is going (on stderr: stdout is the figures), and
        // how near the process is to its open-file limit (hollow agents hold connections).
        var nextProgress = clock.now + .seconds(30)
        while !done() {
            guard clock.now < deadline else { throw BenchError("\(what) not reached within \(limit)\(detail())") }
            if clock.now >= nextProgress {
                let files = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
                FileHandle.standardError.write(
                    Data("still waiting for \(what)\(detail()) [\(files) open files]\n".utf8))
                nextProgress = clock.now + .seconds(30)
            }
            try await Task.sleep(for: interval)
        }
    }

    /// Polls `url` until it answers 200, or throws after `limit`.
    static func waitForOK(_ url: String, limit: Duration, what: String) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while clock.now < deadline {
            if let answer = try? await HTTPClientSession.shared.get(url: url, timeout: .seconds(1)),
                answer.status == .ok
            {
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchError("\(what) did not answer within \(limit)")
    }

    /// Runs `body` with a client of the API server a kubeconfig names (its own connection pool,
    /// closed after).
    static func withKubeClient<T>(
        kubeconfig: String, fieldManager: String, _ body: (KubeClient) async throws -> T
    ) async throws -> T {
        let transport = try HTTPKubeTransport(configuration: try KubeClientConfiguration.load(kubeconfig: kubeconfig))
        let result: Result<T, any Error>
        do {
            result = .success(try await body(KubeClient(transport: transport, fieldManager: fieldManager)))
        } catch {
            result = .failure(error)
        }
        try? await transport.shutdown()
        return try result.get()
    }

    /// Waits until `path` exists.
    static func waitForFile(_ path: String, limit: Duration) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while !FileManager.default.fileExists(atPath: path) {
            guard clock.now < deadline else { throw BenchError("\(path) not written within \(limit)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// `MESOKUBE_BENCH_KEEP=1` keeps the benchmarks' directories (logs, stores) for a look after.
    static var keepDirectories: Bool { ProcessInfo.processInfo.environment["MESOKUBE_BENCH_KEEP"] != nil }

    /// Lets one process hold as many connections as it may: hollow agents keep one open each,
    /// and during a leader change each holds its stream to the old master while it opens one to
    /// the new. As root the hard limit itself is raised (to `fs.nr_open`), since a shell's
    /// `ulimit -n 20000` lowers it too; 10,000 agents changing leaders passed 20,000 descriptors,
    /// and libdispatch aborts the process when its pool monitor then cannot open /proc. Processes
    /// started afterwards inherit the limit.
    static func raiseFileLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        let ceiling = (try? String(contentsOfFile: "/proc/sys/fs/nr_open", encoding: .utf8))
            .flatMap { rlim_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        if let ceiling, ceiling > limit.rlim_max {
            var raised = rlimit(rlim_cur: ceiling, rlim_max: ceiling)
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return }
        }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}

/// A `mesokube master` process of its own: work directory under /dev/shm, ports picked free,
/// its log kept there until `stop()`.
final class BenchMaster {
    let directory: String
    let port: Int
    let kubePort: Int?
    let marathonPort: Int?
    let arguments: [String]
    private(set) var process: Process

    init(name: String, kube: Bool, marathon: Bool, extra: [String] = []) throws {
        directory = "/dev/shm/mk-bench-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        port = try BenchProcess.freePort()
        kubePort = kube ? try BenchProcess.freePort() : nil
        marathonPort = marathon ? try BenchProcess.freePort() : nil
        var arguments = [
            "master", "--work-dir", "\(directory)/master", "--port", "\(port)", "--ip", "127.0.0.1",
            "--dns-port", "\(try BenchProcess.freePort())",
        ]
        arguments += kubePort.map { ["--kube-port", "\($0)"] } ?? ["--no-kube"]
        arguments += marathonPort.map { ["--marathon-port", "\($0)"] } ?? ["--no-marathon"]
        // `MESOKUBE_BENCH_LOG_LEVEL=debug` (with `MESOKUBE_BENCH_KEEP=1`) leaves, for one, the kube
        // scheduler's cost per cycle and stage in master.log.
        let level = ProcessInfo.processInfo.environment["MESOKUBE_BENCH_LOG_LEVEL"].map { ["--log-level", $0] } ?? []
        self.arguments = arguments + level + extra
        process = try BenchProcess.launch(BenchProcess.mesokubeBinary, self.arguments, log: "\(directory)/master.log")
    }

    /// kill -9, as a crash, and start it again on the same store and port, as its supervisor
    /// would; the new process logs to `master-restarted.log`.
    func crashAndRestart() throws {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        process = try BenchProcess.launch(
            BenchProcess.mesokubeBinary, arguments, log: "\(directory)/master-restarted.log")
    }

    var address: String { "127.0.0.1:\(port)" }
    var log: String { "\(directory)/master.log" }

    func ready() async throws {
        try await BenchProcess.waitForOK("http://\(address)/master/state", limit: .seconds(60), what: "the master")
        if let marathonPort {
            try await BenchProcess.waitForOK(
                "http://127.0.0.1:\(marathonPort)/ping", limit: .seconds(60), what: "Marathon")
        }
        if kubePort != nil { try await BenchProcess.waitForFile(kubeconfig, limit: .seconds(60)) }
    }

    var kubeconfig: String { "\(directory)/master/kubeconfig" }

    func withKubeClient<T>(fieldManager: String, _ body: (KubeClient) async throws -> T) async throws -> T {
        try await BenchProcess.withKubeClient(kubeconfig: kubeconfig, fieldManager: fieldManager, body)
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        if !BenchProcess.keepDirectories { try? FileManager.default.removeItem(atPath: directory) }
    }
}

/// A whole `mesokube dev` cluster (one agent) on free ports, its state in `<directory>/dev`.
final class DevProcess {
    let directory: String
    let masterPort: Int
    let marathonPort: Int
    let process: Process

    init(directory: String, extra: [String] = []) throws {
        self.directory = directory
        masterPort = try BenchProcess.freePort()
        marathonPort = try BenchProcess.freePort()
        let arguments = [
            "dev", "--work-dir", "\(directory)/dev", "--master-port", "\(masterPort)",
            "--agent-port", "\(try BenchProcess.freePort())", "--kube-port", "\(try BenchProcess.freePort())",
            "--marathon-port", "\(marathonPort)", "--dns-port", "\(try BenchProcess.freePort())",
        ]
        process = try BenchProcess.launch(
            BenchProcess.mesokubeBinary, arguments + extra, log: "\(directory)/dev.log")
    }

    var kubeconfig: String { "\(directory)/dev/kubeconfig" }

    func ready() async throws {
        try await BenchProcess.waitForOK(
            "http://127.0.0.1:\(masterPort)/master/state", limit: .seconds(60), what: "mesokube dev")
        try await BenchProcess.waitForOK("http://127.0.0.1:\(marathonPort)/ping", limit: .seconds(60), what: "Marathon")
        try await BenchProcess.waitForFile(kubeconfig, limit: .seconds(60))
    }

    func withKubeClient<T>(fieldManager: String, _ body: (KubeClient) async throws -> T) async throws -> T {
        try await BenchProcess.withKubeClient(kubeconfig: kubeconfig, fieldManager: fieldManager, body)
    }

    /// `mesokube image import` into the store the agent's pods use (`<agent>/kubelet/images`), as an
    /// operator pre-pulls an image.
    func importImage(_ archive: String, name: String) async throws {
        let importer = try BenchProcess.launch(
            BenchProcess.mesokubeBinary,
            ["image", "import", archive, "--name", name, "--work-dir", "\(directory)/dev/agent-0/kubelet"],
            log: "\(directory)/import.log")
        importer.waitUntilExit()
        guard importer.terminationStatus == 0 else {
            throw BenchError("mesokube image import exited \(importer.terminationStatus) (log \(directory)/import.log)")
        }
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }
}
