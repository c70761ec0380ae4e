import Foundation
import MarathonCore
import MesosModel
import StateStore

/// One task Marathon launched, as it is persisted: enough to render it, to pace restarts (the
/// configuration it runs) and to reconcile it with the master after a restart.
struct TaskRecord: Codable, Hashable, Sendable {
    var id: String
    var appId: String
    var agentId: String
    var host: String
    var ports: [Int]
    var state: String
    var stagedAt: Date
    var startedAt: Date?
    /// The app's `version` when the task was launched.
    var version: Date
    /// The app's `versionInfo.lastConfigChangeAt` when the task was launched.
    var configVersion: Date
    var killing: Bool
    var role: String
    /// When the master reported it TASK_UNREACHABLE (nil while reachable; absent in older records).
    var unreachableSince: Date? = nil

    var isRunning: Bool { state == TaskState.running.rawValue }
    var isStaged: Bool { state == TaskState.staging.rawValue || state == TaskState.starting.rawValue }
}

/// A deployment as persisted: the plan is rebuilt from its original and target apps.
struct DeploymentRecord: Codable, Sendable {
    var id: String
    var version: Date
    var original: [JSONValue]
    var target: [JSONValue]
    var restarts: [String]
    /// Dependencies the apps inherit from their groups (absent in records written before groups).
    var groupDependencies: [String: [String]]?

    init(plan: DeploymentPlan, restarts: Set<PathId>, groupDependencies: [PathId: [PathId]] = [:]) {
        id = plan.id
        version = plan.version
        original = plan.original.keys.sorted().compactMap { plan.original[$0].map(StoredApp.json) }
        target = plan.target.keys.sorted().compactMap { plan.target[$0].map(StoredApp.json) }
        self.restarts = restarts.map(\.description).sorted()
        self.groupDependencies = Dictionary(
            uniqueKeysWithValues: groupDependencies.map { ($0.key.description, $0.value.map(\.description)) })
    }

    func plan(role: String) -> (DeploymentPlan, Set<PathId>)? {
        func apps(_ list: [JSONValue]) -> [PathId: AppDefinition] {
            Dictionary(list.compactMap { StoredApp.decode($0, role: role) }.map { ($0.id, $0) }) { first, _ in first }
        }
        let restartIds = Set(restarts.map { PathId($0) })
        let inherited = Dictionary(
            uniqueKeysWithValues: (groupDependencies ?? [:]).map { (PathId($0.key), $0.value.map { PathId($0) }) })
        let plan = DeploymentPlan(
            id: id, version: version, original: apps(original), target: apps(target), restarts: restartIds,
            groupDependencies: inherited)
        return (plan, restartIds)
    }
}

/// App definitions in the store: `app.json()`, whose `version`/`versionInfo` stamps
/// `AppDefinition.create` ignores as read-only, so they are restored here.
enum StoredApp {
    static func json(_ app: AppDefinition) -> JSONValue { app.json() }

    static func decode(_ json: JSONValue, role: String) -> AppDefinition? {
        guard var app = try? AppDefinition.create(from: json, defaultRole: role) else { return nil }
        app.version = json["version"]?.stringValue.flatMap(Timestamp.parse)
        if let info = json["versionInfo"], let scaled = info["lastScalingAt"]?.stringValue.flatMap(Timestamp.parse),
            let changed = info["lastConfigChangeAt"]?.stringValue.flatMap(Timestamp.parse)
        {
            app.versionInfo = VersionInfo(lastScalingAt: scaled, lastConfigChangeAt: changed)
        }
        return app
    }
}

/// Marathon's keys in the process's StateStore (the master's SQLite registry in `mesokube dev`).
struct MarathonStore: Sendable {
    let store: any StateStore
    let role: String
    static let prefix = "/marathon/"

    func appKey(_ id: PathId) -> String { Self.prefix + "apps/" + id.safePath }
    func versionsPrefix(_ id: PathId) -> String { Self.prefix + "versions/" + id.safePath + "/" }
    func versionKey(_ app: AppDefinition) -> String {
        versionsPrefix(app.id) + Timestamp.format(app.version ?? Date(timeIntervalSince1970: 0))
    }
    func deploymentKey(_ id: String) -> String { Self.prefix + "deployments/" + id }
    func taskKey(_ id: String) -> String { Self.prefix + "tasks/" + id }
    var frameworkIdKey: String { Self.prefix + "framework-id" }

    /// Saves an app's current definition and adds it to its versions.
    func save(_ app: AppDefinition) async throws {
        try await store.putJSON(appKey(app.id), StoredApp.json(app))
        try await store.putJSON(versionKey(app), StoredApp.json(app))
    }

    /// Removes an app and all its versions (Marathon forgets a deleted app's history).
    func remove(_ id: PathId) async throws {
        _ = try? await store.delete(appKey(id))
        for item in try await store.listAll(prefix: versionsPrefix(id)).items { _ = try? await store.delete(item.key) }
    }

    func versions(of id: PathId) async throws -> [AppDefinition] {
        try await store.listAll(prefix: versionsPrefix(id)).items.compactMap { item in
            (try? StoreJSON.decode(JSONValue.self, from: item)).flatMap { StoredApp.decode($0, role: role) }
        }
    }

    func loadApps() async throws -> [AppDefinition] {
        try await store.listAll(prefix: Self.prefix + "apps/").items.compactMap { item in
            (try? StoreJSON.decode(JSONValue.self, from: item)).flatMap { StoredApp.decode($0, role: role) }
        }
    }

    func save(_ deployment: DeploymentRecord) async throws {
        try await store.putJSON(deploymentKey(deployment.id), deployment)
    }

    func removeDeployment(_ id: String) async { _ = try? await store.delete(deploymentKey(id)) }

    func loadDeployments() async throws -> [DeploymentRecord] {
        try await store.listAll(prefix: Self.prefix + "deployments/").items.compactMap {
            try? StoreJSON.decode(DeploymentRecord.self, from: $0)
        }
    }

    func save(_ task: TaskRecord) async throws { try await store.putJSON(taskKey(task.id), task) }

    func removeTask(_ id: String) async { _ = try? await store.delete(taskKey(id)) }

    func loadTasks() async throws -> [TaskRecord] {
        try await store.listAll(prefix: Self.prefix + "tasks/").items.compactMap {
            try? StoreJSON.decode(TaskRecord.self, from: $0)
        }
    }

    // Explicit groups (`/v2/groups`): the definition under `groups/<id>`, and each change's
    // snapshot of the whole subtree (GroupInfo with app definitions) under its versions.
    func groupKey(_ id: PathId) -> String { Self.prefix + "groups" + id.description }
    func groupVersionsPrefix(_ id: PathId) -> String { Self.prefix + "group-versions/" + id.safePath + "/" }

    func save(_ group: GroupDefinition, snapshot: JSONValue) async throws {
        try await store.putJSON(groupKey(group.id), group.json())
        let version = Timestamp.format(group.version ?? Date(timeIntervalSince1970: 0))
        try await store.putJSON(groupVersionsPrefix(group.id) + version, snapshot)
    }

    func removeGroup(_ id: PathId) async throws {
        _ = try? await store.delete(groupKey(id))
        for item in try await store.listAll(prefix: groupVersionsPrefix(id)).items {
            _ = try? await store.delete(item.key)
        }
    }

    func loadGroups() async throws -> [GroupDefinition] {
        try await store.listAll(prefix: Self.prefix + "groups/").items.compactMap { item in
            (try? StoreJSON.decode(JSONValue.self, from: item)).flatMap(GroupDefinition.decode)
        }
    }

    /// The stored snapshots of a group, by version.
    func groupVersions(of id: PathId) async throws -> [Date: JSONValue] {
        var result: [Date: JSONValue] = [:]
        for item in try await store.listAll(prefix: groupVersionsPrefix(id)).items {
            guard let date = Timestamp.parse(String(item.key.dropFirst(groupVersionsPrefix(id).count))),
                let json = try? StoreJSON.decode(JSONValue.self, from: item)
            else { continue }
            result[date] = json
        }
        return result
    }

    func frameworkId() async -> String? { try? await store.getJSON(frameworkIdKey, as: String.self) }

    func saveFrameworkId(_ id: String) async throws { try await store.putJSON(frameworkIdKey, id) }
}
