import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What the restart benchmark fails, and where it looks afterwards: one master killed and started
/// again on its own store, or, with etcd, a leader stopped so that its standby takes over.
protocol FailingMasters: AnyObject {
    /// What the agents are given (`host:port[,host:port]`, as `mesokube agent --master`).
    var agentMasters: String { get }
    /// What the framework is given: a master that leads now or will lead after the failure, so
    /// that the driver's re-subscription reaches the leader by itself or by a redirect.
    var frameworkMaster: String { get }
    /// The master that leads before the failure.
    var leaderBefore: BenchMaster { get }
    /// The master that leads after it.
    var leaderAfter: BenchMaster { get }
    /// How the figures name the failure.
    var failure: String { get }
    func ready() async throws
    func fail() throws
    /// Returns once `leaderAfter` answers as the leader.
    func leading(limit: Duration) async throws
    func stop()
}

/// One master, killed with -9 and started again on the same store and port, as its supervisor
/// restarts it.
final class RestartedMaster: FailingMasters {
    let master: BenchMaster

    init() throws {
        master = try BenchMaster(name: "restart", kube: false, marathon: false)
    }

    var agentMasters: String { master.address }
    var frameworkMaster: String { master.address }
    var leaderBefore: BenchMaster { master }
    var leaderAfter: BenchMaster { master }
    var failure: String { "master kill -9 and restart" }
    func ready() async throws { try await master.ready() }
    func fail() throws { try master.crashAndRestart() }

    func leading(limit: Duration) async throws {
        try await BenchProcess.waitForOK("http://\(master.address)/health", limit: limit, what: "the master")
    }

    func stop() { master.stop() }
}

/// One etcd member (Debian's `etcd`, data in /dev/shm) and two masters on it: the first leads, the
/// second stands by. The failure stops the leader with `signal` (kill -9: the standby waits for
/// the leader's lease to run out; SIGTERM: the leader revokes it as it resigns).
final class LeaderPair: FailingMasters {
    let directory = "/dev/shm/mk-bench-leaders-\(getpid())"
    let signal: Int32
    let ttl: Int
    private var etcd: Process?
    private var first: BenchMaster?
    private var second: BenchMaster?

    init(signal: Int32, ttl: Int) {
        self.signal = signal
        self.ttl = ttl
    }

    var agentMasters: String { [leaderBefore.address, leaderAfter.address].joined(separator: ",") }
    var frameworkMaster: String { leaderAfter.address }
    var leaderBefore: BenchMaster { first! }
    var leaderAfter: BenchMaster { second! }
    var failure: String { "leader \(signal == SIGKILL ? "kill -9" : "SIGTERM"), standby takes over (etcd)" }

    func ready() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let clientPort = try BenchProcess.freePort()
        let peerPort = try BenchProcess.freePort()
        etcd = try BenchProcess.launchEtcd(
            name: "e0", clientPort: clientPort, peerPort: peerPort, cluster: "e0=http://127.0.0.1:\(peerPort)",
            dataDirectory: "\(directory)/etcd", log: "\(directory)/etcd.log")
        let store = ["--store", "etcd://127.0.0.1:\(clientPort)", "--election-ttl", "\(ttl)"]
        first = try BenchMaster(name: "restart-first", kube: false, marathon: false, extra: store)
        // The first master must lead: the standby starts once it does.
        try await first!.ready()
        second = try BenchMaster(name: "restart-second", kube: false, marathon: false, extra: store)
        try await BenchProcess.waitForOK(
            "http://\(second!.address)/health", limit: .seconds(60), what: "the standby master")
    }

    /// Sends the signal and returns: a leader told to stop resigns first and shuts down after,
    /// while its successor takes over (`stop` reaps it).
    func fail() throws {
        kill(leaderBefore.process.processIdentifier, signal)
    }

    /// Polled on `/metrics/snapshot`, which the master answers on its actor: under the agents'
    /// re-registrations the answer can come late, so this figure is an upper bound.
    func leading(limit: Duration) async throws {
        try await MasterRestartBenchmark.waitForMetric(leaderAfter, "master/elected", 1, limit: limit)
    }

    func stop() {
        second?.stop()
        first?.stop()
        if let etcd, etcd.isRunning {
            kill(etcd.processIdentifier, SIGKILL)
            etcd.waitUntilExit()
        }
        if !BenchProcess.keepDirectories { try? FileManager.default.removeItem(atPath: directory) }
    }
}
