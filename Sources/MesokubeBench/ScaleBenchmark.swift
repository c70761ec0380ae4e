import Foundation
import MasterCore
import MesosModel
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The master's state at cluster scale, in this process: the master's core (the state machine
/// `mesokube master` runs, with its allocator) is given N agents that register carrying their
/// running tasks — as agents re-registering with a recovering master do — and one subscribed
/// framework. Figures: the process' resident memory with that state, the time the registrations
/// took, and allocation cycles over every agent (each offers every agent's free resources, and the
/// framework declines them all without a filter, so each cycle offers everything again). What is
/// not counted: the HTTP sessions of the agents (one connection each in a real master; the hollow
/// agents of the other benchmarks measure those at up to 10,000).
enum ScaleBenchmark {
    struct Settings {
        var agents: Int
        var tasks: Int
        var cycles: Int
    }

    static func run(_ settings: Settings) throws -> [BenchFigure] {
        let clock = ContinuousClock()
        let baseline = BenchProcess.residentBytes(of: getpid()) ?? 0
        var config = MasterCore.Config(masterID: "scale", hostname: "127.0.0.1", ip: "127.0.0.1", port: 5050)
        config.allocationIntervalSeconds = 1
        var core = MasterCore(config: config, registry: MasterRegistry(), now: 0, seed: 1)
        let info = FrameworkInfo(user: "bench", name: "scale", failoverTimeout: 3600, role: "bench")
        guard
            case .success(let (frameworkID, _)) = core.subscribe(SchedulerCalls.subscribe(info), streamID: "s", now: 0)
        else { throw BenchError("the framework could not subscribe") }
        var subscribed = info
        subscribed.id = frameworkID
        let registering = clock.now
        let perAgent = settings.tasks / settings.agents
        let resources = try Resources.parse("cpus:64;mem:262144;disk:1048576;ports:[31000-32000]").list
        let taskResources = try Resources.parse("cpus:0.1;mem:32").allocated(to: "bench").list
        for index in 0..<settings.agents {
            let agentID = AgentID("scale-S\(index)")
            let reports = (0..<(perAgent + (index < settings.tasks % settings.agents ? 1 : 0))).map { slot in
                AgentTaskReport(
                    frameworkID: frameworkID, executorID: nil,
                    task: TaskInfo(
                        name: "task", taskID: TaskID("task-\(index)-\(slot)"), agentID: agentID,
                        resources: taskResources, command: CommandInfo(value: "sleep 100000")),
                    state: .running, statusUUID: nil)
            }
            let registration = AgentRegistration(
                agentInfo: AgentInfo(
                    hostname: "hollow-\(index)", port: 5051, resources: resources, attributes: nil, id: agentID),
                endpoint: "127.0.0.1:5051", version: mesosAPIVersion, tasks: reports, frameworks: [subscribed])
            guard case .success = core.registerAgent(registration, sessionID: "session-\(index)", now: 1) else {
                throw BenchError("agent \(index) could not register")
            }
        }
        let registered = registering.duration(to: clock.now)
        let resident = BenchProcess.residentBytes(of: getpid()) ?? 0
        var cycles: [Duration] = []
        var offered = 0
        for cycle in 0..<settings.cycles {
            let now = 2.0 + Double(cycle)
            let began = clock.now
            _ = core.allocate(now: now)
            cycles.append(began.duration(to: clock.now))
            let offerIDs = core.offers.values.filter { $0.frameworkID == frameworkID }.map(\.id)
            offered = offerIDs.count
            _ = core.decline(
                SchedulerCalls.decline(frameworkID, offers: offerIDs, refuseSeconds: 0), frameworkID: frameworkID,
                now: now)
        }
        let cycle = LatencySample(cycles)
        let size = "\(settings.agents) agents, \(settings.tasks) running tasks"
        let details: [String: Double] = [
            "agents": Double(settings.agents), "tasks": Double(settings.tasks), "offers_per_cycle": Double(offered),
            "baseline_mb": Double(baseline) / 1_048_576, "register_seconds": registered.seconds,
            "cycle_max_ms": cycle.percentile(100).milliseconds,
        ]
        return [
            BenchFigure(
                name: "scale.rss", measure: "Master core with \(size): resident memory",
                value: Double(resident) / 1_048_576,
                unit: "MB", target: "≤ 4 GiB",
                anchor: "Mesos paper: 50,000 emulated nodes; Nomad C2M 2,000,000 containers",
                details: details),
            BenchFigure(
                name: "scale.cycle", measure: "Master core with \(size): allocation cycle, every agent offered (p50)",
                value: cycle.percentile(50).milliseconds, unit: "ms", target: "≤ 250 ms", details: details),
            BenchFigure(
                name: "scale.register", measure: "Master core with \(size): all registrations",
                value: registered.seconds,
                unit: "s", details: details),
        ]
    }
}
