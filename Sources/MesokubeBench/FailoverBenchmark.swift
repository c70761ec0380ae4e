import Foundation
import HTTPSupport

#if canImport(Glibc)
    import Glibc
#endif

/// HA failover, measured on real processes: a three-member etcd cluster, three `mesokube master`
/// processes on it and one agent that knows all three. Each round stops the current leader
/// (kill -9, or SIGTERM for the clean hand-over) and times how long until another master answers
/// `/master/state` itself, and until the agent has re-registered there. The stopped master is
/// then started again, as its supervisor would.
enum FailoverBenchmark {
    struct Settings {
        var rounds: Int
        var ttl: Int
        var json: Bool
    }

    struct Round {
        var signal: String
        var elected: Duration
        var reregistered: Duration
    }

    static func run(_ settings: Settings) async throws {
        let cluster = try BenchCluster(ttl: settings.ttl)
        defer { cluster.stop() }
        try await cluster.start()
        var rounds: [Round] = []
        for index in 0..<(settings.rounds * 2) {
            let signal = index % 2 == 0 ? SIGKILL : SIGTERM
            rounds.append(try await cluster.failover(signal: signal))
            let last = rounds[rounds.count - 1]
            if !settings.json {
                print(
                    "round \(index + 1) (\(last.signal)): new leader after \(seconds(last.elected)) s, "
                        + "agent re-registered after \(seconds(last.reregistered)) s")
            }
        }
        report(rounds, ttl: settings.ttl, json: settings.json)
    }

    static func report(_ rounds: [Round], ttl: Int, json: Bool) {
        for signal in ["SIGKILL", "SIGTERM"] {
            let picked = rounds.filter { $0.signal == signal }
            let elected = LatencySample(picked.map(\.elected))
            let registered = LatencySample(picked.map(\.reregistered))
            if json {
                print(
                    "{\"benchmark\":\"failover\",\"signal\":\"\(signal)\",\"ttl_s\":\(ttl),\"rounds\":\(picked.count),"
                        + "\"elected_p50_s\":\(seconds(elected.percentile(50))),"
                        + "\"elected_max_s\":\(seconds(elected.percentile(100))),"
                        + "\"reregistered_p50_s\":\(seconds(registered.percentile(50))),"
                        + "\"reregistered_max_s\":\(seconds(registered.percentile(100)))}")
            } else {
                print(
                    "\(signal) of the leader (TTL \(ttl) s, \(picked.count) rounds): new leader p50 "
                        + "\(seconds(elected.percentile(50))) s max \(seconds(elected.percentile(100))) s; "
                        + "agent re-registered p50 \(seconds(registered.percentile(50))) s "
                        + "max \(seconds(registered.percentile(100))) s")
            }
        }
    }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.2f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}

/// The processes of the failover benchmark, in a directory of their own under /dev/shm.
final class BenchCluster {
    let directory = "/dev/shm/mk-failover-\(getpid())"
    let ttl: Int
    let etcdClient: [Int]
    let etcdPeer: [Int]
    let masterPorts: [Int]
    let agentPort: Int
    var masters: [Process?] = [nil, nil, nil]
    var others: [Process] = []

    init(ttl: Int) throws {
        self.ttl = ttl
        var ports = try (0..<10).map { _ in try BenchProcess.freePort() }
        etcdClient = Array(ports.prefix(3))
        ports.removeFirst(3)
        etcdPeer = Array(ports.prefix(3))
        ports.removeFirst(3)
        masterPorts = Array(ports.prefix(3))
        agentPort = ports[3]
    }

    func start() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let cluster = (0..<3).map { "e\($0)=http://127.0.0.1:\(etcdPeer[$0])" }.joined(separator: ",")
        for index in 0..<3 {
            others.append(
                try BenchProcess.launchEtcd(
                    name: "e\(index)", clientPort: etcdClient[index], peerPort: etcdPeer[index], cluster: cluster,
                    dataDirectory: "\(directory)/etcd-\(index)", log: "\(directory)/etcd-\(index).log"))
        }
        for index in 0..<3 { try startMaster(index) }
        _ = try await waitForLeader(excluding: nil)
        others.append(
            try BenchProcess.launch(
                BenchProcess.mesokubeBinary,
                [
                    "agent", "--master", masterPorts.map { "127.0.0.1:\($0)" }.joined(separator: ","), "--work-dir",
                    "\(directory)/agent", "--port", "\(agentPort)", "--no-service-proxy", "--resources",
                    "cpus:1;mem:512",
                ], log: "\(directory)/agent.log"))
        let leader = try await waitForLeader(excluding: nil)
        try await waitForAgent(at: leader, deadline: .seconds(60))
    }

    func startMaster(_ index: Int) throws {
        let store = "etcd://" + etcdClient.map { "127.0.0.1:\($0)" }.joined(separator: ",")
        masters[index] = try BenchProcess.launch(
            BenchProcess.mesokubeBinary,
            [
                "master", "--work-dir", "\(directory)/master-\(index)", "--port", "\(masterPorts[index])", "--store",
                store, "--no-kube", "--no-marathon", "--dns-port", "\(try BenchProcess.freePort())", "--election-ttl",
                "\(ttl)",
            ], log: "\(directory)/master-\(index).log")
    }

    /// Stops the leader with `signal` and times the hand-over; then restarts the old leader.
    func failover(signal: Int32) async throws -> FailoverBenchmark.Round {
        let leader = try await waitForLeader(excluding: nil)
        guard let process = masters[leader] else { throw BenchError("leader \(leader) has no process") }
        let clock = ContinuousClock()
        let stopped = clock.now
        kill(process.processIdentifier, signal)
        let next = try await waitForLeader(excluding: leader)
        let elected = stopped.duration(to: clock.now)
        try await waitForAgent(at: next, deadline: .seconds(60))
        let reregistered = stopped.duration(to: clock.now)
        process.waitUntilExit()
        try startMaster(leader)
        try await Task.sleep(for: .seconds(2))
        return .init(signal: signal == SIGKILL ? "SIGKILL" : "SIGTERM", elected: elected, reregistered: reregistered)
    }

    func waitForLeader(excluding: Int?) async throws -> Int {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(60)
        while clock.now < deadline {
            for index in 0..<3 where index != excluding {
                let url = "http://127.0.0.1:\(masterPorts[index])/master/state"
                if let answer = try? await HTTPClientSession.shared.get(url: url, timeout: .seconds(1)),
                    answer.status == .ok
                {
                    return index
                }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchError("no leader within 60 s (logs in \(directory))")
    }

    func waitForAgent(at leader: Int, deadline limit: Duration) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        while clock.now < deadline {
            let url = "http://127.0.0.1:\(masterPorts[leader])/master/slaves"
            if let answer = try? await HTTPClientSession.shared.get(url: url, timeout: .seconds(1)),
                answer.status == .ok,
                let object = try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any],
                let agents = object["slaves"] as? [[String: Any]],
                agents.contains(where: { $0["active"] as? Bool == true })
            {
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchError("the agent did not re-register within \(limit) (logs in \(directory))")
    }

    func stop() {
        for process in masters.compactMap({ $0 }) + others where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        if !BenchProcess.keepDirectories { try? FileManager.default.removeItem(atPath: directory) }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
