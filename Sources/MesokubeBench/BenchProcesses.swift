import Foundation
import HTTPSupport
import KubeClient

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

    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw BenchError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

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

    /// Lets one process hold as many connections as the hard limit allows (hollow agents each
    /// keep one open); processes started afterwards inherit it.
    static func raiseFileLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
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
    let process: Process

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
        process = try BenchProcess.launch(
            BenchProcess.mesokubeBinary, arguments + extra, log: "\(directory)/master.log")
    }

    var address: String { "127.0.0.1:\(port)" }
    var log: String { "\(directory)/master.log" }

    func ready() async throws {
        try await BenchProcess.waitForOK("http://\(address)/master/state", limit: .seconds(60), what: "the master")
        if let marathonPort {
            try await BenchProcess.waitForOK(
                "http://127.0.0.1:\(marathonPort)/ping", limit: .seconds(60), what: "Marathon")
        }
        if kubePort != nil {
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(60)
            while !FileManager.default.fileExists(atPath: kubeconfig) {
                guard clock.now < deadline else { throw BenchError("no kubeconfig within 60 s (log \(log))") }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    var kubeconfig: String { "\(directory)/master/kubeconfig" }

    /// Runs `body` with a client of this master's API server (its own connection pool, closed after).
    func withKubeClient<T>(fieldManager: String, _ body: (KubeClient) async throws -> T) async throws -> T {
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

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
