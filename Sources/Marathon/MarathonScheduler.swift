import Foundation
import FrameworkKit
import Logging
import MarathonCore
import MesosModel

/// Marathon as a framework of the master: it owns the app definitions, deployments and task
/// records (persisted through `MarathonStore`), answers the /v2 API through `MarathonAPI`, and
/// drives tasks towards each app's definition from the offers the master sends. Decisions come
/// from MarathonCore (`InstanceReconcile`, `OfferMatcher`, `AppTask`, `LaunchBackoff`); this actor
/// only keeps state, persists it and talks to the master.
///
/// State changes are made in memory before the first `await` of an operation, so the actor's
/// reentrancy cannot interleave two requests between a lock check and the change it guards.
public actor MarathonScheduler: SchedulerEventHandler {
    public struct Options: Sendable {
        /// The role the framework subscribes with (`--marathon-role`); apps default to it.
        public var role = "marathon"
        public var frameworkName = "marathon"
        /// `host:port` this API is served on (for `/v2/leader` and `/v2/info`).
        public var advertisedAddress = "127.0.0.1:8080"
        /// `host:port` of the master (for `/v2/info`).
        public var master = "127.0.0.1:5050"
        /// How long declined offers stay away (Marathon's `--decline_offer_duration` is 120 s;
        /// shorter here so a new app does not wait when revive is not needed).
        public var declineSeconds = 5.0
        /// Most instances launched on one offer (Marathon's `--max_instances_per_offer`, 5): the
        /// rest goes back, and the master's DRF order decides who gets it, so one large offer
        /// cannot carry Marathon far past its share while other frameworks wait.
        public var maxInstancesPerOffer = 5
        /// Seconds between explicit reconciliations of the known tasks.
        public var reconcileInterval = 30.0
        /// Seconds from start (this master's election) to the first reconciliation, Marathon's
        /// `--reconciliation_initial_delay` (15 s): launches a killed leader had accepted but
        /// never carried out are found then, even when leaders change more often than the
        /// interval. Agents have re-registered with the new leader by then.
        public var reconcileInitialDelay = 15.0
        public init() {}
    }

    typealias Deployment = (plan: DeploymentPlan, restarts: Set<PathId>)

    /// The advertised address is learnt after the server binds (port 0 picks one).
    private(set) var advertised: String
    let options: Options
    let store: MarathonStore
    let logger: Logger
    var apps: [PathId: AppDefinition] = [:]
    /// Groups created through /v2/groups (implicit groups follow from app ids).
    var groups: [PathId: GroupDefinition] = [:]
    var deployments: [String: Deployment] = [:]
    var tasks: [String: TaskRecord] = [:]
    var backoffs: [PathId: LaunchBackoff] = [:]
    var lastFailures: [PathId: JSONValue] = [:]
    var driver: SchedulerDriver?
    var frameworkID: FrameworkID?
    var offers: [OfferID: Offer] = [:]
    var agentFacts: [String: AgentFacts] = [:]
    var tickPending = false
    var tickRunning = false
    var tickRequested = false
    /// How long the last tick's decisions took; the next tick waits at least four times that.
    var lastDecisionSeconds = 0.0
    /// Decisions made in one synchronous stretch of a tick (nil outside): state cannot change
    /// there, and the tick asks for each app's decision several times.
    var decisionMemo: [PathId: PacingDecision]?
    var timer: Task<Void, Never>?
    var eventSubscribers: [ObjectIdentifier: EventSubscriber] = [:]
    /// Health and readiness of live tasks (in memory, as in Marathon).
    var health: [String: TaskHealth] = [:]
    /// The running probe loops of a task's Marathon-level health and readiness checks.
    var probes: [String: Task<Void, Never>] = [:]
    /// Tasks killed for failing their health checks: their TASK_KILLED counts toward launch backoff.
    var killedForHealth: Set<String> = []
    var metrics = MetricsCounters()
    /// What offers did for each app waiting for launches (`processedOffersSummary` of /v2/queue).
    var offerStats: [PathId: OfferStats] = [:]
    let startedAt = Date()
    /// Steps of each deployment already announced with `deployment_step_success`.
    var stepsReported: [String: Int] = [:]

    init(options: Options, store: MarathonStore, logger: Logger) {
        self.options = options
        self.advertised = options.advertisedAddress
        self.store = store
        self.logger = logger
    }

    func setAdvertisedAddress(_ address: String) { advertised = address }

    /// Loads apps, deployments and tasks from the store (before the driver subscribes).
    func load() async throws {
        for app in try await store.loadApps() { apps[app.id] = app }
        for group in try await store.loadGroups() { groups[group.id] = group }
        for record in try await store.loadDeployments() {
            guard let (plan, restarts) = record.plan(role: options.role) else { continue }
            deployments[plan.id] = (plan, restarts)
        }
        for task in try await store.loadTasks() { tasks[task.id] = task }
        for app in apps.values { backoffs[app.id] = LaunchBackoff(version: app.versionInfo?.lastConfigChangeAt) }
        logger.info(
            "Marathon state loaded",
            metadata: ["apps": "\(apps.count)", "deployments": "\(deployments.count)", "tasks": "\(tasks.count)"])
    }

    /// The framework id a previous run registered with, so the master hands back its tasks.
    func storedFrameworkID() async -> FrameworkID? { await store.frameworkId().map { FrameworkID($0) } }

    func frameworkInfo(id: FrameworkID?) -> FrameworkInfo {
        var info = FrameworkInfo(user: "root", name: options.frameworkName, id: id, failoverTimeout: 7 * 24 * 3600)
        info.roles = [options.role]
        info.checkpoint = true
        // PARTITION_AWARE: tasks of an agent that went away arrive as TASK_UNREACHABLE (not LOST),
        // and each app's unreachableStrategy decides when they are replaced and forgotten.
        info.capabilities = [
            FrameworkInfo.Capability(type: "MULTI_ROLE"), FrameworkInfo.Capability(type: "PARTITION_AWARE"),
        ]
        return info
    }

    /// Periodic work: launch backoff ending, explicit reconciliation.
    func startTimer() {
        guard timer == nil else { return }
        let initialDelay = options.reconcileInitialDelay
        let interval = options.reconcileInterval
        timer = Task { [weak self] in
            var untilReconcile = initialDelay
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                untilReconcile -= 1
                guard let self else { return }
                if untilReconcile <= 0 {
                    untilReconcile = interval
                    await self.reconcileKnownTasks()
                }
                await self.wake()
            }
        }
    }

    func stopTimer() {
        timer?.cancel()
        timer = nil
        for probe in probes.values { probe.cancel() }
        probes.removeAll()
    }

    // MARK: Views shared by the API and the framework

    func liveTasks(of id: PathId) -> [TaskRecord] {
        tasks.values.filter { $0.appId == id.description }.sorted { ($0.stagedAt, $0.id) < ($1.stagedAt, $1.id) }
    }

    /// What the core decides for one app now (also tells whether its deployment step is done).
    func decision(for id: PathId) -> PacingDecision {
        if let known = decisionMemo?[id] { return known }
        let app = apps[id]
        let live = liveTasks(of: id).map {
            LiveTask(
                id: $0.id, configVersion: $0.configVersion, isRunning: $0.isRunning, isKilling: $0.killing,
                stagedAt: $0.stagedAt, passesChecks: passesChecks($0, of: app), unreachableSince: $0.unreachableSince)
        }
        let decided = InstanceReconcile.next(app: app, tasks: live, now: Date())
        decisionMemo?[id] = decided
        return decided
    }

    /// Runs `body` with each app's decision made once; `body` cannot suspend, so nothing changes
    /// the tasks or apps meanwhile. The time taken is added to `lastDecisionSeconds`.
    func withDecisionsMemoized<T>(_ body: () -> T) -> T {
        let start = ContinuousClock.now
        decisionMemo = [:]
        defer {
            decisionMemo = nil
            let elapsed = ContinuousClock.now - start
            lastDecisionSeconds += Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds)
        }
        return body()
    }

    /// 1-based index of the first step with an unfinished action.
    func currentStep(of plan: DeploymentPlan) -> Int {
        for (index, step) in plan.steps.enumerated() where !step.actions.allSatisfy(isDone) {
            return index + 1
        }
        return max(plan.steps.count, 1)
    }

    /// StartApplication is done once the app exists (at 0 instances; a later step scales it),
    /// StopApplication once no task is left, the others when the app reached its goal.
    func isDone(_ action: DeploymentAction) -> Bool {
        switch action.kind {
        case .startApplication: return true
        case .stopApplication: return liveTasks(of: action.app.id).isEmpty
        case .scaleApplication, .restartApplication: return decision(for: action.app.id).isComplete
        }
    }

    func isFinished(_ plan: DeploymentPlan) -> Bool {
        plan.affectedApps.allSatisfy { decision(for: $0).isComplete }
    }

    func deploymentIds(of id: PathId) -> [String] {
        deployments.values.filter { $0.plan.affectedApps.contains(id) }.map(\.plan.id).sorted()
    }
}
