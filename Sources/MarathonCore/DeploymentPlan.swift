/// Marathon deployment plans (reference §1.4, §3): from the original and target app sets, the steps a
/// deployment runs. Step 1 stops removed apps, step 2 starts new apps at 0 instances, then one step per
/// dependency depth scales or restarts each changed app. Actions in a step run concurrently; a step
/// starts when the previous one finished.
///
/// Public API for the HTTP shell and framework:
/// - `DeploymentPlan(id:version:original:target:restarts:groupDependencies:)` builds the plan (group
///   dependencies apply to every app below the group); `isEmpty` = nothing to do.
/// - `affectedApps`, `conflicts(with:)` (409 locking), `reverted(id:version:)` (rollback on
///   `DELETE /v2/deployments/{id}`), `json(currentStep:readiness:)` (one `GET /v2/deployments` item),
///   `stepsJSON` (the `dryRun` answer of group updates).
/// - `DeploymentPlan.dependencyViolation(in:)`: Marathon's 422 for cyclic dependencies.
/// The shell generates the id (a UUID from its own generator) and passes `now` as `version`.
import Foundation
import MesosModel

public struct DeploymentAction: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        case startApplication = "StartApplication"
        case stopApplication = "StopApplication"
        case scaleApplication = "ScaleApplication"
        case restartApplication = "RestartApplication"
    }

    public var kind: Kind
    /// The target definition (the original one for StopApplication).
    public var app: AppDefinition
    /// Instances to reach: 0 for Start and Stop, the target count for Scale and Restart.
    public var scaleTo: Int

    public init(kind: Kind, app: AppDefinition, scaleTo: Int) {
        self.kind = kind
        self.app = app
        self.scaleTo = scaleTo
    }

    public var json: JSONValue {
        .object(["action": .string(kind.rawValue), "app": .string(app.id.description)])
    }
}

public struct DeploymentStep: Hashable, Sendable {
    public var actions: [DeploymentAction]
    public init(actions: [DeploymentAction]) { self.actions = actions }
    public var json: JSONValue { .object(["actions": .array(actions.map(\.json))]) }
}

public struct DeploymentPlan: Hashable, Sendable {
    public var id: String
    public var version: Date
    public var original: [PathId: AppDefinition]
    public var target: [PathId: AppDefinition]
    public var steps: [DeploymentStep]

    /// `restarts` names apps to restart although their configuration is unchanged
    /// (`POST /v2/apps/{id}/restart`); `groupDependencies` adds, per app, the dependencies its
    /// enclosing groups declare (`GroupTree.groupDependencies(of:)`).
    public init(
        id: String, version: Date, original: [PathId: AppDefinition], target: [PathId: AppDefinition],
        restarts: Set<PathId> = [], groupDependencies: [PathId: [PathId]] = [:]
    ) {
        self.id = id
        self.version = version
        self.original = original
        self.target = target
        self.steps = Self.makeSteps(
            original: original, target: target, restarts: restarts, groupDependencies: groupDependencies)
    }

    public var isEmpty: Bool { steps.isEmpty }

    /// Every app an action touches, sorted.
    public var affectedApps: [PathId] {
        Set(steps.flatMap { $0.actions.map(\.app.id) }).sorted()
    }

    /// Two deployments conflict (the later one gets 409 unless forced) when they touch a common app.
    public func conflicts(with other: DeploymentPlan) -> Bool {
        !Set(affectedApps).isDisjoint(with: other.affectedApps)
    }

    /// The plan that undoes this one (non-forced `DELETE /v2/deployments/{id}`).
    public func reverted(id: String, version: Date) -> DeploymentPlan {
        DeploymentPlan(id: id, version: version, original: target, target: original)
    }

    public var stepsJSON: JSONValue { .array(steps.map(\.json)) }

    /// One element of `GET /v2/deployments`; `currentStep` is 1-based, `readiness` maps an app to its
    /// rendered readiness check results.
    public func json(currentStep: Int, readiness: [PathId: [JSONValue]] = [:]) -> JSONValue {
        let index = min(max(currentStep, 1), max(steps.count, 1)) - 1
        let current = steps.indices.contains(index) ? steps[index].actions : []
        return .object([
            "id": .string(id), "version": .string(Timestamp.format(version)),
            "affectedApps": .array(affectedApps.map { .string($0.description) }), "affectedPods": .array([]),
            "steps": stepsJSON,
            "currentActions": .array(
                current.map { action in
                    .object([
                        "action": .string(action.kind.rawValue), "app": .string(action.app.id.description),
                        "readinessCheckResults": .array(readiness[action.app.id] ?? []),
                    ])
                }),
            "currentStep": .number(Double(currentStep)), "totalSteps": .number(Double(steps.count)),
        ])
    }

    static func makeSteps(
        original: [PathId: AppDefinition], target: [PathId: AppDefinition], restarts: Set<PathId>,
        groupDependencies: [PathId: [PathId]] = [:]
    ) -> [DeploymentStep] {
        var steps: [DeploymentStep] = []
        let stops = original.keys.filter { target[$0] == nil }.sorted().map {
            DeploymentAction(kind: .stopApplication, app: original[$0]!, scaleTo: 0)
        }
        if !stops.isEmpty { steps.append(DeploymentStep(actions: stops)) }
        let starts = target.keys.filter { original[$0] == nil }.sorted().map {
            DeploymentAction(kind: .startApplication, app: target[$0]!, scaleTo: 0)
        }
        if !starts.isEmpty { steps.append(DeploymentStep(actions: starts)) }
        var dependent = target
        for (id, extra) in groupDependencies { dependent[id]?.dependencies += extra }
        let depths = dependencyDepths(dependent)
        var byDepth: [Int: [DeploymentAction]] = [:]
        for id in target.keys.sorted() {
            guard let app = target[id], let action = change(from: original[id], to: app, restart: restarts.contains(id))
            else { continue }
            byDepth[depths[id] ?? 0, default: []].append(action)
        }
        for depth in byDepth.keys.sorted() { steps.append(DeploymentStep(actions: byDepth[depth]!)) }
        return steps
    }

    private static func change(from old: AppDefinition?, to app: AppDefinition, restart: Bool) -> DeploymentAction? {
        guard let old else {
            return DeploymentAction(kind: .scaleApplication, app: app, scaleTo: app.instances)
        }
        if restart || app.isConfigChange(from: old) {
            return DeploymentAction(kind: .restartApplication, app: app, scaleTo: app.instances)
        }
        if app.instances != old.instances {
            return DeploymentAction(kind: .scaleApplication, app: app, scaleTo: app.instances)
        }
        return nil
    }

    /// Depth 0 for apps without dependencies inside `apps`, else 1 + the deepest dependency. A
    /// dependency on a group means every app under it. Cycles are cut (validation refuses them).
    static func dependencyDepths(_ apps: [PathId: AppDefinition]) -> [PathId: Int] {
        var depths: [PathId: Int] = [:]
        func depth(_ id: PathId, visiting: Set<PathId>) -> Int {
            if let known = depths[id] { return known }
            guard let app = apps[id], !visiting.contains(id) else { return 0 }
            let dependencies = resolve(app.dependencies, in: apps).filter { $0 != id }
            let result = dependencies.map { depth($0, visiting: visiting.union([id])) + 1 }.max() ?? 0
            depths[id] = result
            return result
        }
        for id in apps.keys.sorted() { _ = depth(id, visiting: []) }
        return depths
    }

    static func resolve(_ dependencies: [PathId], in apps: [PathId: AppDefinition]) -> [PathId] {
        dependencies.flatMap { dependency in apps.keys.filter { dependency.includes($0) } }
    }

    /// Marathon's 422 when the apps' dependencies form a cycle.
    public static func dependencyViolation(in apps: [PathId: AppDefinition]) -> ValidationFailure? {
        var state: [PathId: Bool] = [:]  // false = on the current path, true = done
        func hasCycle(_ id: PathId) -> Bool {
            if let done = state[id] { return !done }
            state[id] = false
            let cyclic = resolve(apps[id]?.dependencies ?? [], in: apps).contains { $0 != id && hasCycle($0) }
            state[id] = true
            return cyclic
        }
        let cyclic = apps.keys.sorted().contains { hasCycle($0) }
        return cyclic ? ValidationFailure(path: "/", "Dependency graph has cyclic dependencies.") : nil
    }
}
