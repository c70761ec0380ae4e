/// Marathon's group tree (reference §1.5): every app lives in a group, and groups nest by id.
/// Groups are implied by app ids (an app `/a/b/c` implies `/a` and `/a/b`) or created explicitly
/// through `/v2/groups` (then they may be empty and carry `dependencies` / `enforceRole`). The
/// root group `/` always exists.
///
/// Public API for the HTTP shell:
/// - `GroupDefinition`: an explicit group as stored (`json()` / `decode(_:)` for the store).
/// - `GroupTree(apps:groups:)`: `contains(_:)`, `definition(of:)`, `childGroups(of:)`,
///   `childApps(of:)`, `transitiveApps(of:)`, `explicitGroups(under:)`, `version(of:)`,
///   `groupDependencies(of:)` (what enclosing groups add to an app's dependencies) and
///   `json(of:embedGroups:embedApps:app:)` (GroupInfo; the shell renders each app).
/// - `GroupTree.scaled(_:by:)`: Marathon's `scaleBy` (instances × factor, rounded up).
import Foundation
import MesosModel

public struct GroupDefinition: Hashable, Sendable {
    public var id: PathId
    /// Absolute ids of apps or groups every app under this group waits for.
    public var dependencies: [PathId]
    public var enforceRole: Bool
    public var version: Date?

    public init(id: PathId, dependencies: [PathId] = [], enforceRole: Bool = false, version: Date? = nil) {
        self.id = id
        self.dependencies = dependencies
        self.enforceRole = enforceRole
        self.version = version
    }

    /// The stored form (also the shape of a group-level `GroupInfo` without apps and groups).
    public func json() -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(id.description), "dependencies": .array(dependencies.map { .string($0.description) }),
            "enforceRole": .bool(enforceRole),
        ]
        object["version"] = version.map { .string(Timestamp.format($0)) }
        return .object(object)
    }

    public static func decode(_ json: JSONValue) -> GroupDefinition? {
        guard let id = json["id"]?.stringValue, id.hasPrefix("/") else { return nil }
        var dependencies: [PathId] = []
        if case .array(let items)? = json["dependencies"] {
            dependencies = items.compactMap(\.stringValue).map { PathId($0) }
        }
        return GroupDefinition(
            id: PathId(id), dependencies: dependencies, enforceRole: json["enforceRole"] == .bool(true),
            version: json["version"]?.stringValue.flatMap(Timestamp.parse))
    }
}

public struct GroupTree: Sendable {
    public var apps: [PathId: AppDefinition]
    /// Explicit groups, by id.
    public var groups: [PathId: GroupDefinition]

    public init(apps: [PathId: AppDefinition], groups: [PathId: GroupDefinition]) {
        self.apps = apps
        self.groups = groups
    }

    /// Every group id: the root, the explicit groups and their parents, and every app's parents.
    public var allGroupIds: Set<PathId> {
        var ids: Set<PathId> = [.root]
        for id in groups.keys {
            ids.insert(id)
            ids.formUnion(id.allParents)
        }
        for id in apps.keys { ids.formUnion(id.allParents) }
        return ids
    }

    public func contains(_ id: PathId) -> Bool {
        if id.isRoot || groups[id] != nil { return true }
        return apps.keys.contains { $0.isDescendant(of: id) } || groups.keys.contains { $0.isDescendant(of: id) }
    }

    /// The explicit definition, or the defaults of an implicit group.
    public func definition(of id: PathId) -> GroupDefinition {
        var definition = groups[id] ?? GroupDefinition(id: id)
        definition.version = version(of: id)
        return definition
    }

    public func childGroups(of id: PathId) -> [PathId] {
        allGroupIds.filter { $0.isChild(of: id) }.sorted()
    }

    public func childApps(of id: PathId) -> [AppDefinition] {
        apps.values.filter { $0.id.isChild(of: id) }.sorted { $0.id < $1.id }
    }

    /// Every app anywhere below the group.
    public func transitiveApps(of id: PathId) -> [PathId: AppDefinition] {
        apps.filter { $0.key.isDescendant(of: id) }
    }

    /// Explicit groups at or below `id`.
    public func explicitGroups(under id: PathId) -> [PathId: GroupDefinition] {
        groups.filter { id.includes($0.key) }
    }

    /// The latest change at or below the group: its own explicit version or any app's.
    public func version(of id: PathId) -> Date? {
        let dates =
            explicitGroups(under: id).values.compactMap(\.version) + transitiveApps(of: id).values.compactMap(\.version)
        return dates.max()
    }

    /// For each app, the dependencies its enclosing explicit groups declare (Marathon's dependency
    /// graph makes every app of a group wait for the group's dependencies).
    public func groupDependencies(of appIds: some Sequence<PathId>) -> [PathId: [PathId]] {
        var result: [PathId: [PathId]] = [:]
        for appId in appIds {
            let inherited = appId.allParents.flatMap { groups[$0]?.dependencies ?? [] }
            if !inherited.isEmpty { result[appId] = inherited }
        }
        return result
    }

    /// GroupInfo: `{id, apps, groups, pods, dependencies, version}`; `enforceRole` only when true,
    /// because marathon-python's `MarathonGroup` refuses keys it does not model (reference §6.2).
    public func json(
        of id: PathId, embedGroups: Bool = true, embedApps: Bool = true, app render: (AppDefinition) -> JSONValue
    ) -> JSONValue {
        let definition = definition(of: id)
        var object: [String: JSONValue] = [
            "id": .string(id.description),
            "dependencies": .array(definition.dependencies.map { .string($0.description) }),
            "apps": .array(embedApps ? childApps(of: id).map(render) : []),
            "groups": .array(
                embedGroups
                    ? childGroups(of: id).map { json(of: $0, embedGroups: true, embedApps: embedApps, app: render) }
                    : []),
            "pods": .array([]),
            "version": .string(Timestamp.format(definition.version ?? Date(timeIntervalSince1970: 0))),
        ]
        if definition.enforceRole { object["enforceRole"] = .bool(true) }
        return .object(object)
    }

    /// `{"scaleBy": factor}`: every app below the group scaled by the factor, rounded up as
    /// Marathon's `Math.ceil`; only apps whose count changes are returned.
    public func scaled(_ id: PathId, by factor: Double) -> [PathId: AppDefinition] {
        var result: [PathId: AppDefinition] = [:]
        for (appId, app) in transitiveApps(of: id) {
            let instances = Int((Double(app.instances) * factor).rounded(.up))
            guard instances != app.instances else { continue }
            var scaled = app
            scaled.instances = instances
            result[appId] = scaled
        }
        return result
    }
}
