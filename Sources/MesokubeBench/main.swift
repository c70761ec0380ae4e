import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// mesokube-bench: prints figures, asserts nothing. Usage:
//   mesokube-bench allocator [--agents N] [--frameworks N] [--rounds N] [--seed N] [--json]
//   mesokube-bench kube-api [--objects N] [--clients N] [--watchers N] [--updates N] [--json]
//   mesokube-bench discovery [--services N] [--endpoints N] [--tasks N] [--queries N] [--json]
//   mesokube-bench failover [--rounds N] [--ttl SECONDS] [--json]   (needs etcd and the mesokube binary)

let usage = """
    usage: mesokube-bench allocator [--agents 10000] [--frameworks 1000] [--rounds 3] [--seed 1] [--matrix] [--json]
           mesokube-bench kube-api [--objects 2000] [--clients 16] [--watchers 100] [--updates 500] [--json]
           mesokube-bench discovery [--services 1000] [--endpoints 10] [--tasks 10000] [--queries 100000] [--json]
           mesokube-bench failover [--rounds 3] [--ttl 3] [--json]
           mesokube-bench marathon [--agents 100] [--instances 500] [--json]
           mesokube-bench pod-scheduling [--agents 5000] [--pods 10000] [--clients 16] [--timeline CSV] [--json]
           mesokube-bench pod-startup [--pods 100] [--json]   (root: runc, pod networks)
           mesokube-bench scale [--agents 50000] [--tasks 1000000] [--cycles 3] [--json]   (the master's core in process)
           mesokube-bench restart [--agents 10000] [--tasks-per-agent 10] [--json]   (master kill -9 and restart)
               [--leader-change kill|term [--ttl 3]]   (two masters on etcd: the leader stopped, the standby takes over)
           mesokube-bench idle [--seconds 60] [--settle 15] [--json]
           mesokube-bench smoke [--json]   (every benchmark at a small size; the test command runs it)
    """

/// Parses `--name value` pairs and bare `--flag`s after the subcommand; an option outside `known`
/// is an error, so a mistyped one cannot silently leave a default in force.
func parseOptions(_ arguments: ArraySlice<String>, known: Set<String>) -> [String: String]? {
    var options: [String: String] = [:]
    var rest = arguments
    while let argument = rest.popFirst() {
        guard argument.hasPrefix("--") else { return nil }
        let name = String(argument.dropFirst(2))
        if name == "json" || name == "matrix" {
            options[name] = "true"
        } else if let equals = name.firstIndex(of: "=") {
            options[String(name[..<equals])] = String(name[name.index(after: equals)...])
        } else {
            guard let value = rest.popFirst() else { return nil }
            options[name] = value
        }
    }
    return Set(options.keys).isSubset(of: known.union(["json"])) ? options : nil
}

func integerOption(_ options: [String: String], _ name: String, default fallback: Int) -> Int? {
    guard let text = options[name] else { return fallback }
    guard let value = Int(text), value > 0 else { return nil }
    return value
}

/// Runs a benchmark that returns figures, prints them, and exits 1 with the error if it fails.
func runFigures(_ name: String, json: Bool, _ body: () async throws -> [BenchFigure]) async {
    do {
        BenchReport.emit(try await body(), json: json)
    } catch {
        FileHandle.standardError.write(Data("mesokube-bench \(name) failed: \(error)\n".utf8))
        exit(1)
    }
}

BenchProcess.raiseFileLimit()
let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "allocator":
    guard
        let options = parseOptions(arguments.dropFirst(), known: ["agents", "frameworks", "rounds", "seed", "matrix"]),
        let agents = integerOption(options, "agents", default: 10_000),
        let frameworks = integerOption(options, "frameworks", default: 1_000),
        let rounds = integerOption(options, "rounds", default: 3),
        let seed = integerOption(options, "seed", default: 1)
    else {
        print(usage)
        exit(2)
    }
    if options["matrix"] != nil {
        // The grid: {1,000, 10,000, 50,000} agents × {1, 100, 1,000} frameworks.
        await runFigures("allocator", json: options["json"] != nil) {
            DeclineOffersBenchmark.matrix(rounds: rounds, seed: UInt64(seed))
        }
        exit(0)
    }
    let settings = DeclineOffersBenchmark.Settings(
        agents: agents, frameworks: frameworks, rounds: rounds, seed: UInt64(seed))
    let report = DeclineOffersBenchmark.run(settings)
    if options["json"] != nil {
        print(report.jsonLine)
    }

case "kube-api":
    guard
        let options = parseOptions(arguments.dropFirst(), known: ["objects", "clients", "watchers", "updates"]),
        let objects = integerOption(options, "objects", default: 2_000),
        let clients = integerOption(options, "clients", default: 16),
        let watchers = integerOption(options, "watchers", default: 100),
        let updates = integerOption(options, "updates", default: 500)
    else {
        print(usage)
        exit(2)
    }
    let settings = KubeAPIBenchmark.Settings(
        objects: objects, clients: clients, watchers: watchers, updates: updates, json: options["json"] != nil)
    do {
        try await KubeAPIBenchmark.run(settings)
    } catch {
        FileHandle.standardError.write(Data("mesokube-bench kube-api failed: \(error)\n".utf8))
        exit(1)
    }

case "discovery":
    guard
        let options = parseOptions(arguments.dropFirst(), known: ["services", "endpoints", "tasks", "queries"]),
        let services = integerOption(options, "services", default: 1_000),
        let endpoints = integerOption(options, "endpoints", default: 10),
        let tasks = integerOption(options, "tasks", default: 10_000),
        let queries = integerOption(options, "queries", default: 100_000)
    else {
        print(usage)
        exit(2)
    }
    do {
        try await DiscoveryBenchmark.run(
            .init(
                services: services, endpoints: endpoints, tasks: tasks, queries: queries, json: options["json"] != nil))
    } catch {
        FileHandle.standardError.write(Data("mesokube-bench discovery failed: \(error)\n".utf8))
        exit(1)
    }

case "failover":
    guard
        let options = parseOptions(arguments.dropFirst(), known: ["rounds", "ttl"]),
        let rounds = integerOption(options, "rounds", default: 3),
        let ttl = integerOption(options, "ttl", default: 3)
    else {
        print(usage)
        exit(2)
    }
    do {
        try await FailoverBenchmark.run(.init(rounds: rounds, ttl: ttl, json: options["json"] != nil))
    } catch {
        FileHandle.standardError.write(Data("mesokube-bench failover failed: \(error)\n".utf8))
        exit(1)
    }

case "marathon":
    guard
        let options = parseOptions(arguments.dropFirst(), known: ["agents", "instances"]),
        let agents = integerOption(options, "agents", default: 100),
        let instances = integerOption(options, "instances", default: 500)
    else {
        print(usage)
        exit(2)
    }
    await runFigures("marathon", json: options["json"] != nil) {
        try await MarathonBenchmark.run(.init(agents: agents, instances: instances))
    }

case "pod-scheduling":
    guard
        let options = parseOptions(arguments.dropFirst(), known: ["agents", "pods", "clients", "timeline"]),
        let agents = integerOption(options, "agents", default: 5_000),
        let pods = integerOption(options, "pods", default: 10_000),
        let clients = integerOption(options, "clients", default: 16)
    else {
        print(usage)
        exit(2)
    }
    await runFigures("pod-scheduling", json: options["json"] != nil) {
        try await PodSchedulingBenchmark.run(
            .init(agents: agents, pods: pods, clients: clients, timeline: options["timeline"]))
    }

case "pod-startup":
    guard
        let options = parseOptions(arguments.dropFirst(), known: ["pods"]),
        let pods = integerOption(options, "pods", default: 100)
    else {
        print(usage)
        exit(2)
    }
    await runFigures("pod-startup", json: options["json"] != nil) {
        try await PodStartupBenchmark.run(.init(pods: pods))
    }

case "scale":
    guard
        let options = parseOptions(arguments.dropFirst(), known: ["agents", "tasks", "cycles"]),
        let agents = integerOption(options, "agents", default: 50_000),
        let tasks = integerOption(options, "tasks", default: 1_000_000),
        let cycles = integerOption(options, "cycles", default: 3)
    else {
        print(usage)
        exit(2)
    }
    await runFigures("scale", json: options["json"] != nil) {
        try ScaleBenchmark.run(.init(agents: agents, tasks: tasks, cycles: cycles))
    }

case "restart":
    guard
        let options = parseOptions(
            arguments.dropFirst(), known: ["agents", "tasks-per-agent", "leader-change", "ttl"]),
        let agents = integerOption(options, "agents", default: 10_000),
        let perAgent = integerOption(options, "tasks-per-agent", default: 10),
        let ttl = integerOption(options, "ttl", default: 3),
        [nil, "kill", "term"].contains(options["leader-change"]),
        // The lease is the leader change's; `mesokube master --election-ttl` takes 2 to 60 s.
        options["ttl"] == nil || options["leader-change"] != nil, (2...60).contains(ttl)
    else {
        print(usage)
        exit(2)
    }
    let leaderChange = options["leader-change"].map {
        MasterRestartBenchmark.LeaderChange(signal: $0 == "kill" ? SIGKILL : SIGTERM, ttl: ttl)
    }
    await runFigures("restart", json: options["json"] != nil) {
        try await MasterRestartBenchmark.run(.init(agents: agents, tasksPerAgent: perAgent, leaderChange: leaderChange))
    }

case "idle":
    guard
        let options = parseOptions(arguments.dropFirst(), known: ["seconds", "settle"]),
        let seconds = integerOption(options, "seconds", default: 60),
        let settle = integerOption(options, "settle", default: 15)
    else {
        print(usage)
        exit(2)
    }
    await runFigures("idle", json: options["json"] != nil) {
        try await IdleBenchmark.run(.init(seconds: seconds, settle: settle))
    }

case "smoke":
    guard let options = parseOptions(arguments.dropFirst(), known: []) else {
        print(usage)
        exit(2)
    }
    do {
        try await Smoke.run(json: options["json"] != nil)
    } catch {
        FileHandle.standardError.write(Data("mesokube-bench smoke failed: \(error)\n".utf8))
        exit(1)
    }

default:
    print(usage)
    exit(2)
}
