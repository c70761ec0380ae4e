/// Group bodies of `POST /v2/groups[/{id}]` and `PUT /v2/groups/{id}` (reference §1.5).
///
/// Public API for the HTTP shell:
/// - `GroupUpdate.parse(_ body:, base:, defaultRole:)` → `.change(GroupChange)`, `.scale(by:)` or
///   `.rollback(to:)`; throws Marathon's 422 (`ValidationFailure`) naming every bad field.
///   The body `id` resolves against `base` (the path's group); nested app and group ids resolve
///   against their enclosing group and, when absolute, must lie below it.
/// - `GroupUpdate.apply(_ change:, to tree:, now:)` → the target subtree: every app below the
///   changed group and its explicit groups. Marathon's update semantics: a given `apps` list
///   replaces the group's direct apps, a given `groups` list replaces its subgroups (recursively
///   applied), `dependencies` and `enforceRole` replace the old values; absent fields keep them.
import Foundation
import MesosModel

public struct GroupChange: Hashable, Sendable {
    public var id: PathId
    public var apps: [AppDefinition]?
    public var groups: [GroupChange]?
    public var dependencies: [PathId]?
    public var enforceRole: Bool?

    public init(
        id: PathId, apps: [AppDefinition]? = nil, groups: [GroupChange]? = nil, dependencies: [PathId]? = nil,
        enforceRole: Bool? = nil
    ) {
        self.id = id
        self.apps = apps
        self.groups = groups
        self.dependencies = dependencies
        self.enforceRole = enforceRole
    }
}

public enum GroupUpdate {
    public enum Request: Hashable, Sendable {
        case change(GroupChange)
        case scale(by: Double)
        case rollback(to: Date)
    }

    static let knownKeys: Set<String> = ["id", "apps", "groups", "dependencies", "enforceRole", "version", "scaleBy"]

    public static func parse(
        _ body: JSONValue, base: PathId, defaultRole: String? = nil
    ) throws(ValidationFailure) -> Request {
        let violations = Violations()
        guard let reader = ObjectReader(body, path: "", violations: violations) else {
            throw ValidationFailure(path: "/", "error.expected.jsobject")
        }
        let others = reader.fields.keys.filter { $0 != "id" && reader.has($0) }
        if reader.has("version") {
            // Marathon's `theOnlyDefinedOptionIn`: version (and scaleBy) stand alone.
            if others.count > 1 { violations.add("/version", "not allowed in conjunction with other properties.") }
            let date = reader.string("version").flatMap(Timestamp.parse)
            if date == nil { violations.add("/version", "error.expected.date.isoformat") }
            try violations.check()
            return .rollback(to: date!)
        }
        if reader.has("scaleBy") {
            if others.count > 1 { violations.add("/scaleBy", "not allowed in conjunction with other properties.") }
            let factor = reader.double("scaleBy", min: 0)
            try violations.check()
            return .scale(by: factor ?? 1)
        }
        let raw = reader.string("id")
        for error in idErrors(raw ?? "/", base: base) { violations.add("/id", error) }
        let id = raw.map { PathId($0).canonical(base: base) } ?? base
        let change = decodeGroup(reader, id: id, defaultRole: defaultRole)
        try violations.check()
        return .change(change)
    }

    private static func decodeGroup(_ reader: ObjectReader, id: PathId, defaultRole: String?) -> GroupChange {
        // A nested `version` is the read-only stamp clients echo back from GroupInfo.
        reader.rejectUnknown(known: knownKeys, refusals: ["pods": Refusal.unlessEmpty("pods")])
        var change = GroupChange(id: id, enforceRole: reader.bool("enforceRole"))
        change.dependencies = reader.stringArray("dependencies")?.enumerated().map { index, raw in
            for error in PathId.violations(of: raw, base: id) {
                reader.violations.add("\(reader.at("dependencies"))(\(index))", error)
            }
            return PathId(raw).canonical(base: id)
        }
        change.apps = reader.array("apps")?.enumerated().compactMap { index, item in
            decodeApp(item, path: "\(reader.at("apps"))(\(index))", group: id, reader: reader, defaultRole: defaultRole)
        }
        change.groups = reader.objects("groups")?.compactMap { nested in
            guard let raw = nested.string("id") else {
                nested.violations.add(nested.at("id"), "error.path.missing")
                return nil
            }
            let errors = idErrors(raw, base: id)
            for error in errors { nested.violations.add(nested.at("id"), error) }
            let nestedId = PathId(raw).canonical(base: id)
            if !errors.isEmpty { return nil }
            if let error = nestedId.childViolation(of: id) {
                nested.violations.add(nested.at("id"), error)
                return nil
            }
            return decodeGroup(nested, id: nestedId, defaultRole: defaultRole)
        }
        return change
    }

    /// A group id's violations: an app id's, except that a group may be the root.
    static func idErrors(_ raw: String, base: PathId) -> [String] {
        PathId.violations(of: raw, base: base).filter { $0 != "must not be root" }
    }

    /// One nested app: its id resolves against the group; an absolute id must lie below it.
    private static func decodeApp(
        _ item: JSONValue, path: String, group: PathId, reader: ObjectReader, defaultRole: String?
    ) -> AppDefinition? {
        if let raw = item["id"]?.stringValue, raw.hasPrefix("/"),
            let error = PathId(raw).canonical().childViolation(of: group)
        {
            reader.violations.add(path + "/id", error)
            return nil
        }
        do {
            return try AppDefinition.create(from: item, base: group, defaultRole: defaultRole)
        } catch {
            for detail in error.details {
                let inner = detail.path == "/" ? "" : detail.path
                for message in detail.errors { reader.violations.add(path + inner, message) }
            }
            return nil
        }
    }

    /// The target subtree of `change.id`: all apps below it and its explicit groups (all stamped
    /// `now`, the group version). Apps are not stamped here (the shell compares them with the
    /// current ones first).
    public static func apply(
        _ change: GroupChange, to tree: GroupTree, now: Date
    ) -> (apps: [PathId: AppDefinition], groups: [PathId: GroupDefinition]) {
        var apps: [PathId: AppDefinition] = [:]
        var groups: [PathId: GroupDefinition] = [:]
        let current = tree.groups[change.id] ?? GroupDefinition(id: change.id)
        groups[change.id] = GroupDefinition(
            id: change.id, dependencies: change.dependencies ?? current.dependencies,
            enforceRole: change.enforceRole ?? current.enforceRole, version: Timestamp.normalize(now))
        for app in change.apps ?? tree.childApps(of: change.id) { apps[app.id] = app }
        if let nested = change.groups {
            for group in nested {
                let (subApps, subGroups) = apply(group, to: tree, now: now)
                apps.merge(subApps) { _, new in new }
                groups.merge(subGroups) { _, new in new }
            }
        } else {
            for child in tree.childGroups(of: change.id) {
                apps.merge(tree.transitiveApps(of: child)) { _, new in new }
                groups.merge(tree.explicitGroups(under: child)) { old, _ in old }
            }
        }
        return (apps, groups)
    }

    /// Marathon's 422 when an id names both an app and a group.
    public static func sharedIdViolation(in tree: GroupTree) -> ValidationFailure? {
        let shared = tree.allGroupIds.intersection(tree.apps.keys)
        guard !shared.isEmpty else { return nil }
        return ValidationFailure(path: "/", "Groups and Applications may not have the same identifier.")
    }

    /// Marathon's 422 when the target tree's dependencies (apps' own and their groups') form a cycle.
    public static func dependencyViolation(in tree: GroupTree) -> ValidationFailure? {
        let inherited = tree.groupDependencies(of: tree.apps.keys)
        var apps = tree.apps
        for (id, extra) in inherited { apps[id]?.dependencies += extra }
        return DeploymentPlan.dependencyViolation(in: apps)
    }
}
