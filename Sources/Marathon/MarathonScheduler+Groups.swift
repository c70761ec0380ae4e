import Foundation
import MarathonCore
import MesosModel

/// The group operations behind /v2/groups and `GET /v2/apps/{group}/*` (reference §1.5). The tree
/// logic is MarathonCore's (`GroupTree`, `GroupUpdate`); every change here ends in the same
/// `deploy(...)` as app changes, with the dependencies apps inherit from their groups, and
/// publishes `group_change_success` or `group_change_failed` (a change refused once its target is
/// known: a dependency cycle, an unsupported app, a lock).
extension MarathonScheduler {
    var groupTree: GroupTree { GroupTree(apps: apps, groups: groups) }

    /// The answer of a group change: a deployment, or the steps of a `dryRun`.
    enum GroupChangeResult: Sendable {
        case deployed(DeploymentResult)
        case dryRun(JSONValue)
    }

    /// The target of a change below `id`: every app under it and its explicit groups.
    struct GroupTarget {
        var apps: [PathId: AppDefinition]
        var groups: [PathId: GroupDefinition]
    }

    static func groupNotFound(_ id: PathId) -> MarathonError {
        MarathonError(.notFound, "Group '\(id)' does not exist")
    }

    func existingGroup(_ id: PathId) throws(MarathonError) {
        if !groupTree.contains(id) { throw Self.groupNotFound(id) }
    }

    // MARK: Views

    /// GroupInfo; `group.groups` / `group.apps` tokens choose what is embedded (both by default),
    /// the other tokens (`group.apps.counts`, ...) what each AppInfo carries.
    func groupJSON(_ id: PathId, embeds: Set<String>) throws(MarathonError) -> JSONValue {
        try existingGroup(id)
        let groupTokens: Set<String> = ["group.groups", "group.apps", "group.pods"]
        let explicit = !embeds.isDisjoint(with: groupTokens)
        let appEmbeds = embeds.subtracting(groupTokens)
        return groupTree.json(
            of: id, embedGroups: !explicit || embeds.contains("group.groups"),
            embedApps: !explicit || embeds.contains("group.apps")
        ) { info($0, embeds: appEmbeds) }
    }

    /// `GET /v2/apps/{group}/*`: every app below the group, as `GET /v2/apps` renders them.
    func appsInGroupJSON(_ id: PathId, embeds: Set<String>) throws(MarathonError) -> JSONValue {
        try existingGroup(id)
        let all = embeds.union(["counts", "deployments"])
        let list = groupTree.transitiveApps(of: id).values.sorted { $0.id < $1.id }
        return .object(["*": .array(list.map { info($0, embeds: all) })])
    }

    func groupVersionsJSON(_ id: PathId) async throws -> JSONValue {
        try existingGroup(id)
        let versions = try await store.groupVersions(of: id).keys.sorted(by: >)
        return .array(versions.map { .string(Timestamp.format($0)) })
    }

    // MARK: Changes

    /// `POST /v2/groups[/{id}]`: the body's id resolves against the path's group.
    func createGroup(_ path: PathId, body: JSONValue, force: Bool) async throws -> DeploymentResult {
        let now = Date()
        let change: GroupChange
        switch try parseGroupBody(body, base: path) {
        case .change(let parsed): change = parsed
        case .scale, .rollback:
            throw MarathonError.invalid(
                ValidationFailure(path: "/", "scaleBy and version apply to existing groups: use PUT"))
        }
        if groupTree.contains(change.id) {
            throw MarathonError(.conflict, "Group \(change.id) is already created. Use PUT to change this group.")
        }
        let target = GroupUpdate.apply(change, to: groupTree, now: now)
        let result = try await changeGroup(
            change.id, to: GroupTarget(apps: target.apps, groups: target.groups), force: force, dryRun: false,
            now: now)
        guard case .deployed(var deployment) = result else { throw MarathonError(.internalServerError, "dry run") }
        deployment.created = true
        return deployment
    }

    /// `PUT /v2/groups/{id}`: an update (creating a missing group), `scaleBy` or a rollback.
    func updateGroup(_ path: PathId, body: JSONValue, force: Bool, dryRun: Bool) async throws -> GroupChangeResult {
        let now = Date()
        let tree = groupTree
        switch try parseGroupBody(body, base: path) {
        case .change(let change):
            let target = GroupUpdate.apply(change, to: tree, now: now)
            return try await changeGroup(
                change.id, to: GroupTarget(apps: target.apps, groups: target.groups), force: force, dryRun: dryRun,
                now: now)
        case .scale(let factor):
            try existingGroup(path)
            let apps = tree.transitiveApps(of: path).merging(tree.scaled(path, by: factor)) { _, new in new }
            return try await changeGroup(
                path, to: GroupTarget(apps: apps, groups: tree.explicitGroups(under: path)), force: force,
                dryRun: dryRun, now: now)
        case .rollback(let version):
            try existingGroup(path)
            guard case .object(var snapshot)? = try await store.groupVersions(of: path)[version] else {
                throw MarathonError(.notFound, "Group '\(path)' in version \(Timestamp.format(version)) does not exist")
            }
            snapshot.removeValue(forKey: "version")
            guard case .change(let change) = try parseGroupBody(.object(snapshot), base: path) else {
                throw MarathonError(
                    .internalServerError, "stored group version \(Timestamp.format(version)) is unusable")
            }
            let target = GroupUpdate.apply(change, to: tree, now: now)
            return try await changeGroup(
                path, to: GroupTarget(apps: target.apps, groups: target.groups), force: force, dryRun: dryRun, now: now)
        }
    }

    /// `DELETE /v2/groups/{id}`: the group and every app below it go in one deployment.
    func deleteGroup(_ id: PathId, force: Bool) async throws -> DeploymentResult {
        try existingGroup(id)
        guard
            case .deployed(let result) = try await changeGroup(
                id, to: GroupTarget(apps: [:], groups: [:]), force: force, dryRun: false, now: Date())
        else { throw MarathonError(.internalServerError, "dry run") }
        return result
    }

    private func parseGroupBody(_ body: JSONValue, base: PathId) throws(MarathonError) -> GroupUpdate.Request {
        // A body refused here never reaches a change (as in Marathon, no group_change_failed).
        do { return try GroupUpdate.parse(body, base: base, defaultRole: options.role) } catch {
            throw MarathonError.invalid(error)
        }
    }

    /// Replaces the subtree at `id` by `target` through one deployment of the apps that change.
    func changeGroup(
        _ id: PathId, to target: GroupTarget, force: Bool, dryRun: Bool, now: Date
    ) async throws -> GroupChangeResult {
        let current = groupTree
        let before = current.transitiveApps(of: id)
        var next = current
        for appId in before.keys { next.apps.removeValue(forKey: appId) }
        for groupId in current.explicitGroups(under: id).keys { next.groups.removeValue(forKey: groupId) }
        next.apps.merge(target.apps) { _, new in new }
        next.groups.merge(target.groups) { _, new in new }
        do {
            if let failure = GroupUpdate.sharedIdViolation(in: next) ?? GroupUpdate.dependencyViolation(in: next) {
                throw MarathonError.invalid(failure)
            }
            var original: [PathId: AppDefinition] = [:]
            var changed: [PathId: AppDefinition] = [:]
            for (appId, old) in before where target.apps[appId] == nil { original[appId] = old }
            var portsOfThisChange: Set<Int> = []
            for appId in target.apps.keys.sorted() {
                let old = current.apps[appId]
                let app = try assigningServicePorts(target.apps[appId]!, previous: old, alsoTaken: portsOfThisChange)
                portsOfThisChange.formUnion(ServicePorts.of(app))
                if let old, !app.isConfigChange(from: old), app.instances == old.instances { continue }
                try checkSupported(app)
                original[appId] = old
                changed[appId] = app.stamped(at: now, previous: old)
            }
            let inherited = next.groupDependencies(of: changed.keys)
            if dryRun {
                let plan = DeploymentPlan(
                    id: "dryRun", version: now, original: original, target: changed, groupDependencies: inherited)
                return .dryRun(.object(["steps": plan.stepsJSON]))
            }
            let previousGroups = groups
            groups = next.groups
            let plan: DeploymentPlan
            do {
                plan = try await deploy(
                    original: original, target: changed, force: force, now: now, groupDependencies: inherited)
            } catch {
                groups = previousGroups
                throw error
            }
            try await persistGroups(from: previousGroups, under: id)
            publish(
                "group_change_success",
                ["groupId": .string(id.description), "version": .string(Timestamp.format(plan.version))])
            return .deployed(DeploymentResult(plan: plan, created: false))
        } catch let error as MarathonError {
            publishGroupFailure(id, version: now, reason: Self.reason(error))
            throw error
        }
    }

    /// Stores the explicit groups that changed (with a snapshot of each as a version) and removes
    /// the ones gone from below `id`.
    private func persistGroups(from previous: [PathId: GroupDefinition], under id: PathId) async throws {
        for (groupId, _) in previous where id.includes(groupId) && groups[groupId] == nil {
            try await store.removeGroup(groupId)
        }
        let tree = groupTree
        for (groupId, group) in groups where previous[groupId] != group {
            try await store.save(group, snapshot: tree.json(of: groupId) { $0.json() })
        }
    }

    /// The error's message, with its 422 details (`Object is not valid: Dependency graph has ...`).
    static func reason(_ error: MarathonError) -> String {
        let message = error.body["message"]?.stringValue ?? "\(error.status)"
        guard case .array(let details)? = error.body["details"] else { return message }
        let errors = details.flatMap { detail -> [String] in
            guard case .array(let list)? = detail["errors"] else { return [] }
            return list.compactMap(\.stringValue)
        }
        return errors.isEmpty ? message : message + ": " + errors.joined(separator: "; ")
    }

    private func publishGroupFailure(_ id: PathId, version: Date, reason: String) {
        publish(
            "group_change_failed",
            [
                "groupId": .string(id.description), "version": .string(Timestamp.format(version)),
                "reason": .string(reason),
            ])
    }
}
