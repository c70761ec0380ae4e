import Discovery
import DiscoveryCore
import Foundation

/// What one change to the cluster costs service discovery: building the DNS record table and
/// the proxy's iptables text from a snapshot of `services` Services (each with `endpoints` ready
/// endpoints) and `tasks` running Mesos tasks, answering DNS queries from the table (parse, look
/// up, serialize: the per-packet work of the server), and, as root, applying the rules with
/// `iptables-restore` in a scratch network namespace (first apply, then one changed endpoint).
enum DiscoveryBenchmark {
    struct Settings {
        var services: Int
        var endpoints: Int
        var tasks: Int
        var queries: Int
        var json: Bool
    }

    static func snapshot(_ settings: Settings, version: UInt64, unready: Int = -1) -> DiscoverySnapshot {
        var snapshot = DiscoverySnapshot(version: version)
        snapshot.agents = (0..<100).map { AgentEntry(id: "agent-\($0)", hostname: "node-\($0)", ip: ip(172, 16, $0)) }
        snapshot.tasks = (0..<settings.tasks).map { index in
            TaskEntry(
                id: "task-\(index)", name: "app\(index % 500)", frameworkName: "marathon",
                agentID: "agent-\(index % 100)",
                ports: [.init(number: 31000 + index % 1000)])
        }
        snapshot.services = (0..<settings.services).map { index in
            let backends = (0..<settings.endpoints).compactMap { endpoint -> ServiceEntry.Backend? in
                index == unready && endpoint == 0
                    ? nil : .init(ip: ip(10, 244, index * settings.endpoints + endpoint), port: 8080)
            }
            return ServiceEntry(
                namespace: "ns\(index % 20)", name: "svc\(index)", kind: .nodePort,
                clusterIPs: [ip(10, 96, index + 20)],
                ports: [.init(name: "http", port: 80, nodePort: 30000 + index % 1000, backends: backends)])
        }
        return snapshot
    }

    /// `a.b.x.y` with `x.y` from a counter.
    static func ip(_ a: Int, _ b: Int, _ counter: Int) -> String {
        "\(a).\(b).\(counter / 250 % 250).\(counter % 250 + 1)"
    }

    static func run(_ settings: Settings) async throws {
        let first = snapshot(settings, version: 1)
        let clock = ContinuousClock()
        var table: DNSRecordTable?
        let tableTime = clock.measure { table = DNSRecordTable(snapshot: first) }
        var rules = ""
        let renderTime = clock.measure {
            rules = ProxyRules.render(first, node: ProxyNode(clusterCIDR: "10.244.0.0/16"))
        }
        let packets = (0..<settings.queries).map { index -> [UInt8] in
            let name =
                index % 2 == 0
                ? "svc\(index % settings.services).ns\(index % settings.services % 20).svc.cluster.local"
                : "app\(index % 500).marathon.mesos"
            return DNSMessage(
                header: DNSHeader(id: UInt16(index % 65536), recursionDesired: true),
                questions: [DNSQuestion(name: DNSName(name), type: .a)]
            ).serialize()
        }
        var answered = 0
        let queryTime = clock.measure {
            for (index, packet) in packets.enumerated() {
                if case .reply = DNSResponder.respond(
                    to: packet, table: table!, rotation: index, transport: .udp, canForward: false)
                {
                    answered += 1
                }
            }
        }
        var lines = [
            figure(
                "dns_table_build", "DNS table build", tableTime,
                "\(settings.services) services, \(settings.tasks) tasks"),
            figure(
                "proxy_rules_render", "proxy rules render", renderTime, "\(rules.split(separator: "\n").count) lines"),
            figure(
                "dns_answer", "DNS answers (in process)", queryTime,
                "\(answered) of \(settings.queries), \(Int(Double(settings.queries) / max(queryTime.seconds, 1e-9))) per second"
            ),
        ]
        if geteuid() == 0 { lines += try await applyFigures(settings, first: first) }
        for line in lines { print(settings.json ? line.json : line.text) }
    }

    /// The real `iptables-restore`: a first apply of every rule, then the change of one endpoint.
    static func applyFigures(_ settings: Settings, first: DiscoverySnapshot) async throws -> [Line] {
        let namespace = "mkbench-\(UInt32.random(in: 0...UInt32.max))"
        guard run(["ip", "netns", "add", namespace]) else { return [] }
        defer { _ = run(["ip", "netns", "del", namespace]) }
        let proxy = ServiceProxy(
            node: ProxyNode(clusterCIDR: "10.244.0.0/16"), commandPrefix: ["ip", "netns", "exec", namespace],
            configureKernel: false)
        let clock = ContinuousClock()
        let start = clock.now
        try await proxy.apply(first)
        let firstApply = clock.now - start
        let changed = snapshot(settings, version: 2, unready: settings.services / 2)
        let again = clock.now
        try await proxy.apply(changed)
        let changeApply = clock.now - again
        return [
            figure("proxy_apply_first", "iptables-restore, all rules", firstApply, "scratch namespace"),
            figure(
                "proxy_apply_change", "iptables-restore, one endpoint unready", changeApply, "whole MK- table rewritten"
            ),
        ]
    }

    static func run(_ argv: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        do {
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus == 0
        } catch {
            return false
        }
    }

    struct Line {
        var text: String
        var json: String
    }

    static func figure(_ name: String, _ label: String, _ duration: Duration, _ note: String) -> Line {
        let millis = duration.seconds * 1000
        return Line(
            text: label.padding(toLength: 40, withPad: " ", startingAt: 0) + String(format: "%10.2f ms  ", millis)
                + "(\(note))",
            json: #"{"benchmark":"discovery.\#(name)","ms":\#(String(format: "%.3f", millis)),"note":"\#(note)"}"#)
    }
}
