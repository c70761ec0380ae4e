import Foundation

/// Level-triggered decision for one app's live tasks: which to kill and how many to launch now,
/// given its current definition (nil once the app was deleted). Tasks launched with an earlier
/// configuration (`lastConfigChangeAt` differs) are replaced under `RestartPacing`, which honours
/// `upgradeStrategy`; otherwise `ScalePacing` moves the count to `instances`. Without health
/// checks a running task counts as healthy (reference §0 item 8); with them, once its checks
/// pass (and readiness, for a deployment's new tasks). Tasks already being killed stay
/// in the count as unhealthy until their terminal status, so nothing is launched early and they
/// are never chosen twice.
///
/// Public API for the framework shell: `LiveTask`, `InstanceReconcile.next(app:tasks:)`.
public struct LiveTask: Hashable, Sendable {
    public var id: String
    /// `versionInfo.lastConfigChangeAt` of the definition the task was launched with.
    public var configVersion: Date
    public var isRunning: Bool
    public var isKilling: Bool
    public var stagedAt: Date
    /// Every health check alive and, during a deployment, ready (`TaskHealth.isHealthy`); true
    /// for apps without checks.
    public var passesChecks: Bool
    /// When the master reported the task TASK_UNREACHABLE (its agent is away); nil otherwise.
    public var unreachableSince: Date?

    public init(
        id: String, configVersion: Date, isRunning: Bool, isKilling: Bool, stagedAt: Date, passesChecks: Bool = true,
        unreachableSince: Date? = nil
    ) {
        self.unreachableSince = unreachableSince
        self.id = id
        self.configVersion = configVersion
        self.isRunning = isRunning
        self.isKilling = isKilling
        self.stagedAt = stagedAt
        self.passesChecks = passesChecks
    }

    var paced: PacedTask {
        PacedTask(id: id, isHealthy: isRunning && !isKilling && passesChecks, stagedAt: stagedAt)
    }
}

public enum InstanceReconcile {
    /// `now` dates unreachable tasks: under `unreachableStrategy` one unreachable for
    /// `inactiveAfterSeconds` no longer counts (a replacement launches) and one unreachable for
    /// `expungeAfterSeconds` is expunged; `disabled` waits for the agent however long it takes.
    public static func next(app: AppDefinition?, tasks all: [LiveTask], now: Date) -> PacingDecision {
        var expunge: [String] = []
        var tasks: [LiveTask] = []
        for task in all {
            guard let since = task.unreachableSince,
                case .enabled(let inactive, let expungeAfter)? =
                    app?.unreachableStrategy ?? .enabled(inactiveAfterSeconds: 0, expungeAfterSeconds: 0)
            else {
                tasks.append(task)
                continue
            }
            let away = now.timeIntervalSince(since)
            if away >= expungeAfter { expunge.append(task.id) }
            if away < inactive { tasks.append(task) }
        }
        var decision = next(app: app, active: tasks)
        decision.expunge = expunge.sorted()
        return decision
    }

    private static func next(app: AppDefinition?, active tasks: [LiveTask]) -> PacingDecision {
        let killing = Set(tasks.filter(\.isKilling).map(\.id))
        guard let app else {
            let kill = tasks.filter { !$0.isKilling }.map(\.id).sorted()
            return PacingDecision(kill: kill, launch: 0, isComplete: tasks.isEmpty)
        }
        let current = app.versionInfo?.lastConfigChangeAt ?? app.version
        let old = tasks.filter { $0.configVersion != current }
        var decision: PacingDecision
        if old.isEmpty {
            decision = ScalePacing.next(
                instances: app.instances, killSelection: app.killSelection, tasks: tasks.map(\.paced))
        } else {
            let new = tasks.filter { $0.configVersion == current }
            decision = RestartPacing.next(
                RestartPacing.Input(
                    instances: app.instances, strategy: app.upgradeStrategy, killSelection: app.killSelection,
                    old: old.map(\.paced), new: new.map(\.paced)))
        }
        decision.kill = decision.kill.filter { !killing.contains($0) }
        return decision
    }
}
