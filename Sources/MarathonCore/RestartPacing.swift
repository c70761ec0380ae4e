/// Pacing of RestartApplication and ScaleApplication steps as level-triggered pure functions: given
/// what runs now, decide what to kill and how many to launch next. Call again after every task
/// status change, health change or readiness result; repeat until `isComplete`.
///
/// Restart rules (reference §2, Marathon's `TaskReplaceActor`), with n = target instances:
/// - `minHealthy = ceil(n · minimumHealthCapacity)`, `maxCapacity = floor(n · (1 + maximumOverCapacity))`;
///   when the two are equal one extra instance is allowed (otherwise nothing could ever move).
/// - Old tasks that are not healthy may always be killed; healthy old tasks only while the healthy
///   count (old + new-and-ready) stays ≥ minHealthy — never below it, even when new tasks fail.
/// - New launches never exceed n new tasks nor maxCapacity tasks in total (no over-scaling).
/// - Kill order: unhealthy first, then by `killSelection` (YOUNGEST_FIRST = latest staged first).
///
/// Public API: `RestartPacing.next(_:)`, `ScalePacing.next(...)`, `PacedTask`, `PacingDecision`.
import Foundation

/// One live (non-terminal) task as the pacing sees it.
public struct PacedTask: Hashable, Sendable {
    public var id: String
    /// For old tasks: running and passing health checks (running, when the app has none). For new
    /// tasks additionally ready (readiness checks passed).
    public var isHealthy: Bool
    public var stagedAt: Date

    public init(id: String, isHealthy: Bool, stagedAt: Date) {
        self.id = id
        self.isHealthy = isHealthy
        self.stagedAt = stagedAt
    }
}

public struct PacingDecision: Hashable, Sendable {
    /// Task ids to kill now.
    public var kill: [String]
    /// New-version tasks to launch now.
    public var launch: Int
    /// The step has reached its goal.
    public var isComplete: Bool
    /// Records of tasks unreachable past `expungeAfterSeconds`: forget them (and kill them should
    /// their agent come back).
    public var expunge: [String] = []
}

public enum RestartPacing {
    public struct Input: Hashable, Sendable {
        public var instances: Int
        public var strategy: UpgradeStrategy
        public var killSelection: KillSelection
        /// Live tasks of earlier versions.
        public var old: [PacedTask]
        /// Live tasks of the target version.
        public var new: [PacedTask]

        public init(
            instances: Int, strategy: UpgradeStrategy, killSelection: KillSelection = .youngestFirst,
            old: [PacedTask], new: [PacedTask]
        ) {
            self.instances = instances
            self.strategy = strategy
            self.killSelection = killSelection
            self.old = old
            self.new = new
        }
    }

    /// `(minHealthy, maxCapacity)` for `instances` under `strategy`, including the one-extra rule.
    public static func bounds(instances: Int, strategy: UpgradeStrategy) -> (minHealthy: Int, maxCapacity: Int) {
        let n = Double(instances)
        // Round away binary noise (10 · 0.7 = 7.000000000000001) before ceil and floor.
        func clean(_ value: Double) -> Double { (value * 1e9).rounded() / 1e9 }
        let minHealthy = Int(clean(n * strategy.minimumHealthCapacity).rounded(.up))
        let maxCapacity = Int(clean(n * (1 + strategy.maximumOverCapacity)).rounded(.down))
        return (minHealthy, minHealthy == maxCapacity ? maxCapacity + 1 : maxCapacity)
    }

    public static func next(_ input: Input) -> PacingDecision {
        let (minHealthy, maxCapacity) = bounds(instances: input.instances, strategy: input.strategy)
        var kill: [String] = []
        // Surplus new tasks (the target shrank mid-deployment) go first.
        let surplusNew = max(0, input.new.count - input.instances)
        let newKilled = killOrder(input.new, selection: input.killSelection).prefix(surplusNew)
        kill += newKilled.map(\.id)
        let keptNew = input.new.filter { task in !newKilled.contains { $0.id == task.id } }

        let healthyNew = keptNew.filter(\.isHealthy).count
        let healthyOld = input.old.filter(\.isHealthy).count
        var healthyBudget = max(0, healthyOld + healthyNew - minHealthy)
        for task in killOrder(input.old, selection: input.killSelection) {
            if !task.isHealthy {
                kill.append(task.id)
            } else if healthyBudget > 0 {
                kill.append(task.id)
                healthyBudget -= 1
            }
        }
        let oldLeft = input.old.count - input.old.filter { kill.contains($0.id) }.count
        let room = maxCapacity - (oldLeft + keptNew.count)
        let launch = max(0, min(input.instances - keptNew.count, room))
        let complete = oldLeft == 0 && keptNew.count == input.instances && healthyNew == input.instances
        return PacingDecision(kill: kill, launch: launch, isComplete: complete && kill.isEmpty)
    }

    /// Unhealthy tasks first, then by kill selection (YOUNGEST_FIRST: latest `stagedAt` first).
    static func killOrder(_ tasks: [PacedTask], selection: KillSelection) -> [PacedTask] {
        tasks.sorted { a, b in
            if a.isHealthy != b.isHealthy { return !a.isHealthy }
            if a.stagedAt != b.stagedAt {
                return selection == .youngestFirst ? a.stagedAt > b.stagedAt : a.stagedAt < b.stagedAt
            }
            return a.id < b.id
        }
    }
}

public enum ScalePacing {
    /// ScaleApplication (and StartApplication/StopApplication with `instances` 0): launch the deficit,
    /// kill the excess in kill-selection order. Complete when exactly `instances` tasks are healthy.
    public static func next(
        instances: Int, killSelection: KillSelection = .youngestFirst, tasks: [PacedTask]
    )
        -> PacingDecision
    {
        let excess = max(0, tasks.count - instances)
        let kill = RestartPacing.killOrder(tasks, selection: killSelection).prefix(excess).map(\.id)
        let launch = max(0, instances - tasks.count)
        let complete = excess == 0 && launch == 0 && tasks.filter(\.isHealthy).count == instances
        return PacingDecision(kill: Array(kill), launch: launch, isComplete: complete)
    }
}
