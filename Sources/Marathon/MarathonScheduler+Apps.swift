import Foundation
import MarathonCore
import MesosModel

/// The app and deployment operations behind /v2/apps and /v2/deployments. Every change becomes a
/// deployment (reference §3): a write touching an app held by a running deployment answers 409
/// unless `force`, which cancels those deployments.
extension MarathonScheduler {
    struct DeploymentResult: Sendable {
        var plan: DeploymentPlan
        var created: Bool
        var json: JSONValue {
            .object(["deploymentId": .string(plan.id), "version": .string(Timestamp.format(plan.version))])
        }
    }

    func existing(_ id: PathId) throws(MarathonError) -> AppDefinition {
        guard let app = apps[id] else { throw MarathonError.appNotFound(id) }
        return app
    }

    func checkSupported(_ app: AppDefinition) throws(MarathonError) {
        if let failure = app.mesokubeLimitations(frameworkRole: options.role) { throw MarathonError.invalid(failure) }
    }

    /// Starts a deployment from `original` to `target` (both keyed by app id); apps change in
    /// memory at once and are persisted after. `groupDependencies` (what the apps inherit from
    /// their groups) defaults to what the current groups declare; group changes pass their target's.
    func deploy(
        original: [PathId: AppDefinition], target: [PathId: AppDefinition], restarts: Set<PathId> = [], force: Bool,
        now: Date, groupDependencies: [PathId: [PathId]]? = nil
    ) async throws -> DeploymentPlan {
        let inherited = groupDependencies ?? groupTree.groupDependencies(of: target.keys)
        let plan = DeploymentPlan(
            id: UUID().uuidString.lowercased(), version: Timestamp.normalize(now), original: original, target: target,
            restarts: restarts, groupDependencies: inherited)
        let conflicting = deployments.values.filter { $0.plan.conflicts(with: plan) }.map(\.plan.id).sorted()
        if !conflicting.isEmpty {
            guard force else { throw MarathonError.locked(conflicting) }
            for id in conflicting { deployments.removeValue(forKey: id) }
        }
        let removed = original.keys.filter { target[$0] == nil }
        for id in removed {
            apps.removeValue(forKey: id)
            backoffs.removeValue(forKey: id)
            lastFailures.removeValue(forKey: id)
        }
        for (id, app) in target {
            apps[id] = app
            backoffs[id, default: LaunchBackoff()].adopt(app)
        }
        deployments[plan.id] = (plan, restarts)
        for id in conflicting { publish("deployment_failed", ["id": .string(id)]) }
        metrics.deploymentsFailed += conflicting.count
        for id in removed { publish("app_terminated_event", ["appId": .string(id.description)]) }
        for app in target.values.sorted(by: { $0.id < $1.id }) {
            publish(
                "api_post_event",
                ["clientIp": .string(""), "uri": .string("/v2/apps\(app.id)"), "appDefinition": app.json()])
        }
        publish("deployment_info", ["plan": Self.lightPlan(plan), "currentStep": plan.steps.first?.json ?? .null])
        for id in conflicting { await store.removeDeployment(id) }
        for id in removed { try await store.remove(id) }
        for app in target.values { try await store.save(app) }
        try await store.save(DeploymentRecord(plan: plan, restarts: restarts, groupDependencies: inherited))
        wake()
        return plan
    }

    /// `app` with a service port for every port definition that asks for 0 (before it is stamped:
    /// a port it keeps is no configuration change). `alsoTaken`: ports of other apps of the same
    /// change that are not in `apps` yet.
    func assigningServicePorts(
        _ app: AppDefinition, previous: AppDefinition?, alsoTaken: Set<Int> = []
    ) throws(MarathonError) -> AppDefinition {
        let inUse = Set(apps.filter { $0.key != app.id }.values.flatMap(ServicePorts.of)).union(alsoTaken)
        guard let assigned = ServicePorts.assign(app, previous: previous, inUse: inUse) else {
            throw MarathonError.invalid(
                ValidationFailure(path: "/portDefinitions", "no service port left in 10000-20000"))
        }
        return assigned
    }

    func createApp(_ body: JSONValue, force: Bool) async throws -> (JSONValue, DeploymentPlan) {
        var app: AppDefinition
        do { app = try AppDefinition.create(from: body, defaultRole: options.role) } catch {
            throw MarathonError.invalid(error)
        }
        try checkSupported(app)
        guard apps[app.id] == nil else {
            throw MarathonError(.conflict, "An app with id [\(app.id)] already exists.")
        }
        let now = Date()
        app = try assigningServicePorts(app, previous: nil).stamped(at: now, previous: nil)
        let plan = try await deploy(original: [:], target: [app.id: app], force: force, now: now)
        return (info(app, embeds: ["counts", "deployments"]), plan)
    }

    /// PUT (partial unless `partial` is false; creates a missing app) and PATCH (`mustExist`).
    func updateApp(
        _ id: PathId, body: JSONValue, partial: Bool, mustExist: Bool, force: Bool
    ) async throws -> DeploymentResult {
        let old = apps[id]
        if mustExist, old == nil { throw MarathonError.appNotFound(id) }
        let now = Date()
        let next = try await updated(id, old: old, body: body, partial: partial, now: now)
        let plan = try await deploy(
            original: old.map { [id: $0] } ?? [:], target: [id: next], force: force, now: now)
        return DeploymentResult(plan: plan, created: old == nil)
    }

    /// `PUT`/`PATCH /v2/apps` with an array of app updates: one deployment for all of them.
    func updateApps(_ body: JSONValue, partial: Bool, mustExist: Bool, force: Bool) async throws -> DeploymentResult {
        guard case .array(let items) = body else {
            throw MarathonError.invalid(ValidationFailure(path: "/", "error.expected.jsarray"))
        }
        let now = Date()
        var original: [PathId: AppDefinition] = [:]
        var target: [PathId: AppDefinition] = [:]
        for (index, item) in items.enumerated() {
            let id: PathId
            do { id = try PathId.appId(item["id"]?.stringValue ?? "", path: "/(\(index))/id") } catch {
                throw MarathonError.invalid(error)
            }
            let old = apps[id]
            if mustExist, old == nil { throw MarathonError.appNotFound(id) }
            original[id] = old
            target[id] = try await updated(id, old: old, body: item, partial: partial, now: now)
        }
        let plan = try await deploy(original: original, target: target, force: force, now: now)
        return DeploymentResult(plan: plan, created: false)
    }

    /// The stamped definition an update body asks for: a merge or replacement, or a stored version.
    func updated(
        _ id: PathId, old: AppDefinition?, body: JSONValue, partial: Bool, now: Date
    ) async throws -> AppDefinition {
        let request: AppUpdate.Request
        do {
            request = try AppUpdate.apply(body, to: old, appId: id, partial: partial, defaultRole: options.role)
        } catch {
            throw MarathonError.invalid(error)
        }
        var next: AppDefinition
        switch request {
        case .change(let app): next = app
        case .rollback(let version):
            guard old != nil, let stored = try await store.versions(of: id).first(where: { $0.version == version })
            else {
                throw MarathonError(.notFound, "App '\(id)' in version \(Timestamp.format(version)) does not exist")
            }
            next = stored
        }
        try checkSupported(next)
        return try assigningServicePorts(next, previous: old).stamped(at: now, previous: old)
    }

    func deleteApp(_ id: PathId, force: Bool) async throws -> DeploymentResult {
        let app = try existing(id)
        let plan = try await deploy(original: [id: app], target: [:], force: force, now: Date())
        return DeploymentResult(plan: plan, created: false)
    }

    /// A new version with the same configuration whose tasks all restart (pacing as an update).
    func restartApp(_ id: PathId, force: Bool) async throws -> DeploymentResult {
        var app = try existing(id)
        let now = Date()
        app = app.stamped(at: now, previous: nil)
        let plan = try await deploy(
            original: [id: apps[id]!], target: [id: app], restarts: [id], force: force, now: now)
        return DeploymentResult(plan: plan, created: false)
    }

    /// Kills tasks of apps; with `scale` their apps shrink by as many (one deployment), else
    /// the tasks are replaced. Returns the killed tasks as rendered before the kill.
    func killTasks(
        _ ids: [String], scale: Bool, force: Bool
    ) async throws -> (tasks: [JSONValue], plan: DeploymentPlan?) {
        let records = ids.compactMap { tasks[$0] }.filter { !$0.killing }
        let rendered = records.map(taskJSON)
        // Marked before the scale deployment exists: a tick running meanwhile must not pick
        // other tasks to kill for the smaller count.
        for record in records { tasks[record.id]?.killing = true }
        var plan: DeploymentPlan?
        if scale {
            var original: [PathId: AppDefinition] = [:]
            var target: [PathId: AppDefinition] = [:]
            let now = Date()
            for (appId, killed) in Dictionary(grouping: records, by: { PathId($0.appId) }) {
                guard let app = apps[appId] else { continue }
                var scaled = app
                scaled.instances = max(0, app.instances - killed.count)
                original[appId] = app
                target[appId] = scaled.stamped(at: now, previous: app)
            }
            do { plan = try await deploy(original: original, target: target, force: force, now: now) } catch {
                for record in records { tasks[record.id]?.killing = false }
                throw error
            }
        }
        await sendKills(records.map(\.id))
        wake()
        return (rendered, plan)
    }

    /// `DELETE /v2/deployments/{id}`: with `force` just forget it; else deploy its inverse.
    func cancelDeployment(_ id: String, force: Bool) async throws -> DeploymentPlan? {
        guard let deployment = deployments[id] else {
            throw MarathonError(.notFound, "DeploymentPlan \(id) does not exist")
        }
        deployments.removeValue(forKey: id)
        metrics.deploymentsFailed += 1
        publish("deployment_failed", ["id": .string(id)])
        await store.removeDeployment(id)
        if force { return nil }
        let now = Date()
        let current = Dictionary(
            deployment.plan.affectedApps.compactMap { appId in apps[appId].map { (appId, $0) } }
        ) { first, _ in first }
        var target: [PathId: AppDefinition] = [:]
        for (appId, app) in deployment.plan.original { target[appId] = app.stamped(at: now, previous: current[appId]) }
        return try await deploy(original: current, target: target, force: true, now: now)
    }
}
