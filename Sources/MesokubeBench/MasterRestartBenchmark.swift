import Foundation
import FrameworkKit
import HTTPSupport
import Logging
import MesosModel
import NIOConcurrencyHelpers

/// Master failover at size: a real `mesokube master` (its SQLite store in /dev/shm), hollow agents,
/// and a framework that fills each agent with tasks through the scheduler API. Then the master is
/// killed (-9) and started again on the same store and port, as a supervisor restarts it; the clock
/// runs from the kill until the master answers again, until every agent has re-registered with its
/// tasks (the agents reconnect with `mesokube agent`'s own backoff), and until the framework,
/// subscribed again, gets an offer. With `leaderChange`, two masters share an etcd store instead
/// and the leader is stopped: the clock runs until the standby leads, and the agents (given both
/// masters) and the framework find it as they would in a cluster (`LeaderPair`).
enum MasterRestartBenchmark {
    struct Settings {
        var agents: Int
        var tasksPerAgent: Int
        var leaderChange: LeaderChange?
        var total: Int { agents * tasksPerAgent }
    }

    /// How the etcd leader is stopped, and its lease's TTL (`--election-ttl`).
    struct LeaderChange {
        var signal: Int32
        var ttl: Int
    }

    static func run(_ settings: Settings) async throws -> [BenchFigure] {
        let masters: any FailingMasters =
            try settings.leaderChange.map { LeaderPair(signal: $0.signal, ttl: $0.ttl) } ?? RestartedMaster()
        defer { masters.stop() }
        try await masters.ready()
        let agents = HollowFleet.Options(
            count: settings.agents, resources: "cpus:4;mem:8192;disk:8192;ports:[31000-32000]")
        return try await HollowFleet.with(agents, master: masters.agentMasters) { fleet in
            try await fleet.wait("\(settings.agents) agents registered", limit: .seconds(900)) {
                $0.registered >= settings.agents
            }
            let framework = FillingFramework(perAgent: settings.tasksPerAgent, total: settings.total)
            // Its own client (shut down after), configured as the scheduler driver's default.
            let session = HTTPClientSession.forMasters()
            var driverSettings = SchedulerDriver.Settings()
            driverSettings.initialBackoff = .milliseconds(100)
            driverSettings.maxBackoff = .seconds(1)
            let driver = SchedulerDriver(
                framework: FrameworkInfo(user: "bench", name: "restart-bench", failoverTimeout: 3600, role: "bench"),
                transport: HTTPSchedulerTransport(master: masters.frameworkMaster, session: session),
                settings: driverSettings,
                logger: quietLogger)
            let running = Task { await driver.run(handler: framework) }
            let result: Result<[BenchFigure], any Error>
            do {
                result = .success(try await measure(settings, masters: masters, fleet: fleet, framework: framework))
            } catch {
                result = .failure(error)
            }
            await driver.stop()
            await running.value
            try? await session.shutdown()
            return try result.get()
        }
    }

    /// The driver's warnings about acknowledgements refused while the master is down are expected
    /// here; errors still show.
    static var quietLogger: Logger {
        var logger = Logger(label: "mesokube-bench.restart")
        logger.logLevel = .error
        return logger
    }

    static func measure(
        _ settings: Settings, masters: any FailingMasters, fleet: HollowFleet, framework: FillingFramework
    ) async throws -> [BenchFigure] {
        let clock = ContinuousClock()
        let filling = clock.now
        try await fleet.wait("\(settings.total) tasks running", limit: .seconds(1800)) {
            $0.running >= settings.total
        }
        let filled = filling.duration(to: clock.now)
        try await waitForMetric(masters.leaderBefore, "master/tasks_running", settings.total, limit: .seconds(120))
        // Steady state before the crash: the framework has also seen (and acknowledges) every
        // update, so no backlog of its own delays its re-subscription.
        try await BenchProcess.waitUntil("the framework's \(settings.total) TASK_RUNNING updates", limit: .seconds(600))
        {
            framework.runningUpdates >= settings.total
        }
        let residentBefore = BenchProcess.residentBytes(of: masters.leaderBefore.process.processIdentifier) ?? 0
        let reregisteredBefore = fleet.counters.reregistered
        let failuresBefore = fleet.counters.registrationFailures
        let subscriptionsBefore = framework.subscriptions

        let crashed = clock.now
        try masters.fail()
        try await masters.leading(limit: .seconds(120))
        let answering = crashed.duration(to: clock.now)
        try await fleet.wait("every agent re-registered", limit: .seconds(600)) {
            $0.reregistered >= reregisteredBefore + settings.agents
        }
        let reregistered = crashed.duration(to: clock.now)
        let failedAttempts = fleet.counters.registrationFailures - failuresBefore
        // What the failed attempts were (the figure counts them; this says why, on stderr).
        if failedAttempts > 0 {
            FileHandle.standardError.write(
                Data("re-registered with \(failedAttempts) failed attempts; the fleet: \(fleet.counters)\n".utf8))
        }
        let offered = try await framework.firstOffer(afterSubscription: subscriptionsBefore, limit: .seconds(600))
        let offers = crashed.duration(to: offered)
        // A check, not a figure (it is only looked at after the offer): the master knows every task again.
        try await waitForMetric(masters.leaderAfter, "master/tasks_running", settings.total, limit: .seconds(120))
        let size = "\(settings.agents) agents, \(settings.total) tasks"
        // Kept apart from the restart's figures (and plot): the leader change waits out a lease.
        let prefix = settings.leaderChange == nil ? "restart" : "leader-change"
        let failure = "\(masters.failure), \(size)"
        let details: [String: Double] = [
            "agents": Double(settings.agents), "tasks": Double(settings.total),
            "master_rss_mb_before": Double(residentBefore) / 1_048_576,
            // Attempts that found no master (while it restarted) or failed: each costs an agent backoff.
            "failed_registration_attempts": Double(failedAttempts),
            "election_ttl_s": Double(settings.leaderChange?.ttl ?? 0),
        ]
        return [
            BenchFigure(
                name: "\(prefix).fill", measure: "framework fills \(size): first launch to all TASK_RUNNING",
                value: filled.seconds, unit: "s", details: details),
            BenchFigure(
                name: "\(prefix).answering",
                measure: "\(failure): \(settings.leaderChange == nil ? "answers /health" : "the standby leads")",
                value: answering.seconds, unit: "s", details: details),
            BenchFigure(
                name: "\(prefix).reregistered", measure: "\(failure): every agent re-registered",
                value: reregistered.seconds, unit: "s", target: "≤ 1 s", anchor: "Mesos 1.5: ≈4.5 s", details: details),
            BenchFigure(
                name: "\(prefix).offers", measure: "\(failure): framework offered again",
                value: offers.seconds, unit: "s", target: "≤ 1 s", details: details),
        ]
    }

    /// Polls the master's `/metrics/snapshot` until `name` reaches `value`.
    static func waitForMetric(_ master: BenchMaster, _ name: String, _ value: Int, limit: Duration) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        var last: Double?
        while clock.now < deadline {
            if let answer = try? await HTTPClientSession.shared.get(url: "http://\(master.address)/metrics/snapshot"),
                answer.status == .ok,
                let object = try? JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any]
            {
                last = (object[name] as? NSNumber)?.doubleValue
                if let last, last >= Double(value) { return }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchError("\(name) is \(last.map { String($0) } ?? "unknown"), not \(value), after \(limit)")
    }
}

/// The benchmark's framework: fills each agent it is offered with `perAgent` small tasks until
/// `total` are launched, then declines; notes its subscriptions and the first offer of each.
final class FillingFramework: SchedulerEventHandler {
    struct State {
        var subscriptions = 0
        var launched = 0
        var runningUpdates = 0
        var perAgent: [AgentID: Int] = [:]
        /// The first offer after each subscription, by its number (1 = the first subscription).
        var firstOffers: [Int: ContinuousClock.Instant] = [:]
        var lastError: String?
    }

    let perAgent: Int
    let total: Int
    let taskResources: [Resource]
    private let state = NIOLockedValueBox(State())

    init(perAgent: Int, total: Int) {
        self.perAgent = perAgent
        self.total = total
        // Parsing a fixed, valid string cannot fail.
        taskResources = (try? Resources.parse("cpus:0.1;mem:32").allocated(to: "bench").list) ?? []
    }

    var subscriptions: Int { state.withLockedValue { $0.subscriptions } }
    var runningUpdates: Int { state.withLockedValue { $0.runningUpdates } }

    func update(_ driver: SchedulerDriver, _ status: TaskStatus) async {
        if status.state == .running { state.withLockedValue { $0.runningUpdates += 1 } }
    }

    func subscribed(_ driver: SchedulerDriver, _ subscription: Subscription) async {
        state.withLockedValue { $0.subscriptions += 1 }
    }

    func offers(_ driver: SchedulerDriver, _ offers: [Offer]) async {
        let now = ContinuousClock.now
        let (launches, declines) = state.withLockedValue { state in
            if state.firstOffers[state.subscriptions] == nil { state.firstOffers[state.subscriptions] = now }
            var launches: [(OfferID, [TaskInfo])] = []
            var declines: [OfferID] = []
            for offer in offers {
                let room = min(perAgent - state.perAgent[offer.agentID, default: 0], total - state.launched)
                guard room > 0 else {
                    declines.append(offer.id)
                    continue
                }
                let tasks = (0..<room).map { task(state.launched + $0, on: offer.agentID) }
                state.launched += room
                state.perAgent[offer.agentID, default: 0] += room
                launches.append((offer.id, tasks))
            }
            return (launches, declines)
        }
        for (offerID, tasks) in launches {
            do {
                try await driver.launch(offerID: offerID, tasks: tasks)
            } catch {
                state.withLockedValue { $0.lastError = "launch: \(error)" }
            }
        }
        if !declines.isEmpty {
            try? await driver.decline(offerIDs: declines, filters: Filters(refuseSeconds: 1))
        }
    }

    func task(_ index: Int, on agentID: AgentID) -> TaskInfo {
        TaskInfo(
            name: "bench-\(index)", taskID: TaskID("bench-\(index)"), agentID: agentID, resources: taskResources,
            command: CommandInfo(value: "sleep 100000"))
    }

    /// Waits for the first offer of a subscription later than the `after`-th; returns when it came.
    func firstOffer(afterSubscription after: Int, limit: Duration) async throws -> ContinuousClock.Instant {
        var found: ContinuousClock.Instant?
        try await BenchProcess.waitUntil(
            "an offer after re-subscribing", limit: limit,
            detail: {
                let last = state.withLockedValue { $0 }
                return " (subscriptions \(last.subscriptions), last error \(last.lastError ?? "none"))"
            }
        ) {
            found = state.withLockedValue { state in state.firstOffers.filter { $0.key > after }.values.min() }
            return found != nil
        }
        return found!
    }
}
