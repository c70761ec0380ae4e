import Foundation
import MesosModel
import Testing

@testable import MarathonCore

@Suite struct DeploymentPlanTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    func app(_ id: String, instances: Int = 1, cmd: String = "run it", dependencies: [String] = []) -> AppDefinition {
        var app = AppDefinition(id: PathId(id))
        app.cmd = cmd
        app.instances = instances
        app.dependencies = dependencies.map { PathId($0) }
        return app
    }

    func apps(_ list: AppDefinition...) -> [PathId: AppDefinition] {
        Dictionary(uniqueKeysWithValues: list.map { ($0.id, $0) })
    }

    func shape(_ plan: DeploymentPlan) -> [[String]] {
        plan.steps.map { $0.actions.map { "\($0.kind.rawValue) \($0.app.id) \($0.scaleTo)" } }
    }

    @Test func aNewAppStartsAtZeroThenScales() {
        let plan = DeploymentPlan(id: "d1", version: now, original: [:], target: apps(app("/web", instances: 3)))
        #expect(shape(plan) == [["StartApplication /web 0"], ["ScaleApplication /web 3"]])
        let rendered = plan.json(currentStep: 1)
        #expect(rendered["totalSteps"] == .number(2) && rendered["currentStep"] == .number(1))
        #expect(rendered["affectedApps"] == .array([.string("/web")]))
        #expect(rendered["version"] == .string("2023-11-14T22:13:20.000Z"))
        #expect(
            rendered["currentActions"]
                == .array([
                    .object([
                        "action": .string("StartApplication"), "app": .string("/web"),
                        "readinessCheckResults": .array([]),
                    ])
                ]))
        #expect(
            rendered["steps"]
                == .array([
                    .object([
                        "actions": .array([.object(["action": .string("StartApplication"), "app": .string("/web")])])
                    ]),
                    .object([
                        "actions": .array([.object(["action": .string("ScaleApplication"), "app": .string("/web")])])
                    ]),
                ]))
    }

    @Test func scaleOnlyChangesDoNotRestart() {
        let plan = DeploymentPlan(
            id: "d", version: now, original: apps(app("/web", instances: 1)), target: apps(app("/web", instances: 4)))
        #expect(shape(plan) == [["ScaleApplication /web 4"]])
        let restart = DeploymentPlan(
            id: "d", version: now, original: apps(app("/web")), target: apps(app("/web", cmd: "run other")))
        #expect(shape(restart) == [["RestartApplication /web 1"]])
        let forced = DeploymentPlan(
            id: "d", version: now, original: apps(app("/web")), target: apps(app("/web")), restarts: [PathId("/web")])
        #expect(shape(forced) == [["RestartApplication /web 1"]])
        #expect(DeploymentPlan(id: "d", version: now, original: apps(app("/web")), target: apps(app("/web"))).isEmpty)
    }

    @Test func removedAppsStopFirstAndDependenciesOrderSteps() {
        let original = apps(app("/old"), app("/db"))
        let target = apps(
            app("/db", instances: 2), app("/api", dependencies: ["/db"]), app("/web", dependencies: ["/api"]))
        let plan = DeploymentPlan(id: "d", version: now, original: original, target: target)
        #expect(
            shape(plan) == [
                ["StopApplication /old 0"], ["StartApplication /api 0", "StartApplication /web 0"],
                ["ScaleApplication /db 2"], ["ScaleApplication /api 1"], ["ScaleApplication /web 1"],
            ])
        #expect(plan.affectedApps.map(\.description) == ["/api", "/db", "/old", "/web"])
    }

    @Test func groupDependenciesCoverEveryAppBelow() {
        let target = apps(app("/data/db"), app("/data/cache"), app("/front", dependencies: ["/data"]))
        let depths = DeploymentPlan.dependencyDepths(target)
        #expect(depths[PathId("/front")] == 1 && depths[PathId("/data/db")] == 0)
    }

    @Test func cyclesAreRefused() {
        let cyclic = apps(app("/a", dependencies: ["/b"]), app("/b", dependencies: ["/a"]))
        #expect(
            DeploymentPlan.dependencyViolation(in: cyclic)?.allErrors == ["Dependency graph has cyclic dependencies."])
        #expect(DeploymentPlan.dependencyViolation(in: apps(app("/a", dependencies: ["/b"]), app("/b"))) == nil)
        // A cycle still yields a plan (depths are cut), never a hang.
        #expect(!DeploymentPlan(id: "d", version: now, original: [:], target: cyclic).isEmpty)
    }

    @Test func revertAndConflicts() {
        let original = apps(app("/web"))
        let target = apps(app("/web", instances: 5), app("/new"))
        let plan = DeploymentPlan(id: "d", version: now, original: original, target: target)
        let back = plan.reverted(id: "r", version: now)
        #expect(shape(back) == [["StopApplication /new 0"], ["ScaleApplication /web 1"]])
        let other = DeploymentPlan(id: "o", version: now, original: [:], target: apps(app("/new")))
        let unrelated = DeploymentPlan(id: "u", version: now, original: [:], target: apps(app("/x")))
        #expect(plan.conflicts(with: other))
        #expect(!plan.conflicts(with: unrelated))
    }
}

@Suite struct RestartPacingTests {
    let base = Date(timeIntervalSince1970: 0)

    func tasks(_ prefix: String, _ count: Int, healthy: Bool = true, from offset: Int = 0) -> [PacedTask] {
        (0..<count).map {
            PacedTask(
                id: "\(prefix)\($0 + offset)", isHealthy: healthy,
                stagedAt: base.addingTimeInterval(Double($0 + offset)))
        }
    }

    @Test func boundsFollowMarathon() {
        #expect(RestartPacing.bounds(instances: 3, strategy: .init()) == (3, 6))
        #expect(
            RestartPacing.bounds(instances: 3, strategy: .init(minimumHealthCapacity: 0.7, maximumOverCapacity: 0)) == (
                3, 4
            ))
        #expect(
            RestartPacing.bounds(instances: 10, strategy: .init(minimumHealthCapacity: 0.7, maximumOverCapacity: 0.2))
                == (7, 12))
        #expect(
            RestartPacing.bounds(instances: 4, strategy: .init(minimumHealthCapacity: 0.5, maximumOverCapacity: 0)) == (
                2, 4
            ))
    }

    @Test func defaultStrategyStartsAllNewThenKillsOld() {
        let input = RestartPacing.Input(instances: 3, strategy: .init(), old: tasks("o", 3), new: [])
        let first = RestartPacing.next(input)
        #expect(first.kill.isEmpty && first.launch == 3 && !first.isComplete)
        var later = input
        later.new = tasks("n", 3, from: 10)
        #expect(RestartPacing.next(later).kill.count == 3)
        later.old = []
        #expect(RestartPacing.next(later) == PacingDecision(kill: [], launch: 0, isComplete: true))
    }

    @Test func noSpareCapacityUsesOneExtraInstance() {
        var input = RestartPacing.Input(
            instances: 3, strategy: .init(minimumHealthCapacity: 1, maximumOverCapacity: 0), old: tasks("o", 3), new: []
        )
        let first = RestartPacing.next(input)
        #expect(first.kill.isEmpty && first.launch == 1)
        input.new = tasks("n", 1, healthy: false, from: 10)
        #expect(RestartPacing.next(input) == PacingDecision(kill: [], launch: 0, isComplete: false))
        input.new = tasks("n", 1, from: 10)
        let next = RestartPacing.next(input)
        // YOUNGEST_FIRST: the latest staged old task goes.
        #expect(next.kill == ["o2"] && next.launch == 1)
    }

    @Test func failingNewTasksNeverDipBelowMinimumHealthOrOverScale() {
        let strategy = UpgradeStrategy(minimumHealthCapacity: 0.5, maximumOverCapacity: 0)
        var input = RestartPacing.Input(instances: 4, strategy: strategy, old: tasks("o", 4), new: [])
        let first = RestartPacing.next(input)
        #expect(first.kill.count == 2 && first.launch == 2)
        input.old = tasks("o", 2)
        // The new tasks keep crashing: they are replaced, but the two healthy old ones stay.
        for _ in 0..<5 {
            input.new = tasks("n", 2, healthy: false, from: 10)
            let decision = RestartPacing.next(input)
            #expect(decision.kill.isEmpty && decision.launch == 0)
            input.new = []
            let relaunch = RestartPacing.next(input)
            #expect(relaunch.kill.isEmpty && relaunch.launch == 2)
        }
    }

    @Test func unhealthyOldTasksGoFirstAndOldestFirstIsHonoured() {
        let old = tasks("o", 3) + tasks("sick", 1, healthy: false, from: 5)
        let input = RestartPacing.Input(
            instances: 3, strategy: .init(minimumHealthCapacity: 0.5, maximumOverCapacity: 0),
            killSelection: .oldestFirst,
            old: old, new: [])
        let decision = RestartPacing.next(input)
        #expect(decision.kill == ["sick5", "o0"])
        #expect(decision.launch == 1)
    }

    @Test func shrinkingTargetKillsSurplusNewTasks() {
        let input = RestartPacing.Input(instances: 1, strategy: .init(), old: [], new: tasks("n", 3))
        let decision = RestartPacing.next(input)
        #expect(decision.kill == ["n2", "n1"] && decision.launch == 0)
    }

    @Test func scalePacing() {
        #expect(
            ScalePacing.next(instances: 3, tasks: tasks("t", 1))
                == PacingDecision(kill: [], launch: 2, isComplete: false))
        #expect(ScalePacing.next(instances: 1, tasks: tasks("t", 3)).kill == ["t2", "t1"])
        #expect(ScalePacing.next(instances: 1, killSelection: .oldestFirst, tasks: tasks("t", 3)).kill == ["t0", "t1"])
        #expect(ScalePacing.next(instances: 2, tasks: tasks("t", 2)).isComplete)
        #expect(!ScalePacing.next(instances: 2, tasks: tasks("t", 2, healthy: false)).isComplete)
        #expect(ScalePacing.next(instances: 0, tasks: []).isComplete)
    }
}
