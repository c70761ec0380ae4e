import Foundation
import MesosModel
import Testing

@testable import MarathonCore

@Suite struct GroupTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    func app(_ id: String, instances: Int = 1, dependencies: [String] = []) -> AppDefinition {
        var app = AppDefinition(id: PathId(id))
        app.cmd = "sleep 3600"
        app.instances = instances
        app.dependencies = dependencies.map { PathId($0) }
        return app
    }

    func tree(_ apps: [AppDefinition], groups: [GroupDefinition] = []) -> GroupTree {
        GroupTree(
            apps: Dictionary(uniqueKeysWithValues: apps.map { ($0.id, $0) }),
            groups: Dictionary(uniqueKeysWithValues: groups.map { ($0.id, $0) }))
    }

    func items(_ value: JSONValue?) -> [JSONValue] {
        if case .array(let list)? = value { return list }
        return []
    }

    func json(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    func change(_ text: String, base: PathId = .root) throws -> GroupChange {
        guard case .change(let change) = try GroupUpdate.parse(try json(text), base: base) else {
            Issue.record("not a change")
            return GroupChange(id: base)
        }
        return change
    }

    @Test func groupsFollowFromAppIdsAndExplicitGroups() {
        let groups = tree([app("/a/b/c"), app("/top")], groups: [GroupDefinition(id: PathId("/empty"))])
        #expect(groups.allGroupIds == [.root, PathId("/a"), PathId("/a/b"), PathId("/empty")])
        #expect(groups.contains(PathId("/a/b")) && groups.contains(.root) && groups.contains(PathId("/empty")))
        #expect(!groups.contains(PathId("/a/b/c")) && !groups.contains(PathId("/nope")))
        #expect(groups.childGroups(of: .root) == [PathId("/a"), PathId("/empty")])
        #expect(groups.childApps(of: .root).map(\.id) == [PathId("/top")])
        #expect(groups.transitiveApps(of: PathId("/a")).keys.sorted() == [PathId("/a/b/c")])
    }

    @Test func groupInfoNestsGroupsAndApps() {
        var stamped = app("/a/b/c")
        stamped.version = now
        let groups = tree([stamped], groups: [GroupDefinition(id: PathId("/a"), dependencies: [PathId("/db")])])
        let info = groups.json(of: .root) { .string($0.id.description) }
        #expect(info["id"] == .string("/") && info["apps"] == .array([]) && info["pods"] == .array([]))
        #expect(info["version"] == .string("2023-11-14T22:13:20.000Z") && info["enforceRole"] == nil)
        let a = items(info["groups"]).first
        #expect(a?["id"] == .string("/a") && a?["dependencies"] == .array([.string("/db")]))
        #expect(items(a?["groups"]).first?["apps"] == .array([.string("/a/b/c")]))
        let flat = groups.json(of: .root, embedGroups: false, embedApps: false) { _ in .null }
        #expect(flat["groups"] == .array([]))
    }

    @Test func relativeIdsResolveAgainstTheGroup() throws {
        let parsed = try change(
            #"{"id":"prod","dependencies":["../db"],"apps":[{"id":"web","cmd":"sleep 1","dependencies":["api"]},"#
                + #"{"id":"/org/prod/api","cmd":"sleep 1"}],"groups":[{"id":"back","apps":[{"id":"cache","cmd":"sleep 1"}]}]}"#,
            base: PathId("/org"))
        #expect(parsed.id == PathId("/org/prod") && parsed.dependencies == [PathId("/org/db")])
        #expect(parsed.apps?.map(\.id) == [PathId("/org/prod/web"), PathId("/org/prod/api")])
        #expect(parsed.apps?.first?.dependencies == [PathId("/org/prod/api")])
        #expect(parsed.groups?.first?.id == PathId("/org/prod/back"))
        #expect(parsed.groups?.first?.apps?.first?.id == PathId("/org/prod/back/cache"))
    }

    /// The 422 a body gets, or nil when it is accepted.
    func failure(_ text: String, base: PathId = .root) throws -> ValidationFailure? {
        let body = try json(text)
        do {
            _ = try GroupUpdate.parse(body, base: base)
            return nil
        } catch {
            return error
        }
    }

    @Test func absoluteIdsOutsideTheGroupAre422() throws {
        let outside = try failure(#"{"id":"/group","apps":[{"id":"/app","cmd":"sleep 1"}]}"#)
        #expect(
            outside?.errors(at: "/apps(0)/id") == ["identifier /app is not child of /group. Hint: use relative paths."])
        let several = try failure(
            #"{"id":"/g","groups":[{"id":"/other"}],"apps":[{"id":"x","cpus":"one"}],"pods":[{}]}"#)
        #expect(
            several?.errors(at: "/groups(0)/id") == ["identifier /other is not child of /g. Hint: use relative paths."])
        #expect(several?.errors(at: "/apps(0)/cpus") == ["error.expected.jsnumber"])
        #expect(several?.errors(at: "/pods") == ["pods is not supported by Mesokube"])
        #expect(try failure(#"{"id":"/Bad_Id"}"#)?.errors(at: "/id").isEmpty == false)
        #expect(
            try failure(#"{"id":"/g","groups":[{"apps":[]}]}"#)?.errors(at: "/groups(0)/id") == ["error.path.missing"])
    }

    @Test func versionAndScaleByStandAlone() throws {
        #expect(try GroupUpdate.parse(try json(#"{"scaleBy":2}"#), base: .root) == .scale(by: 2))
        #expect(
            try GroupUpdate.parse(try json(#"{"version":"2023-11-14T22:13:20.000Z","id":"/g"}"#), base: .root)
                == .rollback(to: now))
        #expect(
            try failure(#"{"scaleBy":2,"apps":[]}"#)?.errors(at: "/scaleBy")
                == ["not allowed in conjunction with other properties."])
        #expect(try failure(#"{"scaleBy":-1}"#)?.errors(at: "/scaleBy") == ["error.min"])
        #expect(try failure(#"{"version":"yesterday"}"#)?.errors(at: "/version") == ["error.expected.date.isoformat"])
    }

    @Test func scaleByRoundsUp() {
        let groups = tree([app("/g/a", instances: 3), app("/g/b", instances: 1), app("/g/c", instances: 0), app("/x")])
        let scaled = groups.scaled(PathId("/g"), by: 1.5)
        #expect(scaled[PathId("/g/a")]?.instances == 5 && scaled[PathId("/g/b")]?.instances == 2)
        #expect(scaled[PathId("/g/c")] == nil && scaled[PathId("/x")] == nil)
        #expect(groups.scaled(PathId("/g"), by: 0.5)[PathId("/g/a")]?.instances == 2)
    }

    @Test func anUpdateReplacesGivenListsAndKeepsTheRest() throws {
        let groups = tree(
            [app("/g/a"), app("/g/b"), app("/g/sub/c"), app("/g/old/d"), app("/elsewhere")],
            groups: [GroupDefinition(id: PathId("/g"), dependencies: [PathId("/db")])])
        let onlyApps = GroupUpdate.apply(
            try change(#"{"id":"/g","apps":[{"id":"a","cmd":"sleep 2"}]}"#), to: groups, now: now)
        #expect(onlyApps.apps.keys.sorted() == [PathId("/g/a"), PathId("/g/old/d"), PathId("/g/sub/c")])
        #expect(onlyApps.groups[PathId("/g")]?.dependencies == [PathId("/db")])
        let onlyGroups = GroupUpdate.apply(
            try change(#"{"id":"/g","groups":[{"id":"sub"}],"dependencies":[]}"#), to: groups, now: now)
        #expect(onlyGroups.apps.keys.sorted() == [PathId("/g/a"), PathId("/g/b"), PathId("/g/sub/c")])
        #expect(onlyGroups.groups[PathId("/g")]?.dependencies == [])
        #expect(onlyGroups.groups[PathId("/g/sub")] != nil)
    }

    @Test func groupDependenciesOrderTheStepsAndCyclesAre422() throws {
        let groups = tree(
            [app("/p/db/mysql"), app("/p/svc/web"), app("/p/svc/api", dependencies: ["/p/svc/web"])],
            groups: [GroupDefinition(id: PathId("/p/svc"), dependencies: [PathId("/p/db")])])
        let inherited = groups.groupDependencies(of: groups.apps.keys)
        #expect(inherited[PathId("/p/svc/web")] == [PathId("/p/db")] && inherited[PathId("/p/db/mysql")] == nil)
        let plan = DeploymentPlan(
            id: "d", version: now, original: [:], target: groups.apps, groupDependencies: inherited)
        let order = plan.steps.dropFirst().map { $0.actions.map(\.app.id.description) }
        #expect(order == [["/p/db/mysql"], ["/p/svc/web"], ["/p/svc/api"]])
        #expect(GroupUpdate.dependencyViolation(in: groups) == nil)
        var cyclic = groups
        cyclic.apps[PathId("/p/db/mysql")]?.dependencies = [PathId("/p/svc/api")]
        #expect(
            GroupUpdate.dependencyViolation(in: cyclic)?.allErrors == ["Dependency graph has cyclic dependencies."])
    }

    @Test func anIdNamesAnAppOrAGroupNotBoth() {
        #expect(GroupUpdate.sharedIdViolation(in: tree([app("/a/b"), app("/c")])) == nil)
        let clash = tree([app("/a/b"), app("/a")])
        #expect(
            GroupUpdate.sharedIdViolation(in: clash)?.allErrors
                == ["Groups and Applications may not have the same identifier."])
        #expect(
            GroupUpdate.sharedIdViolation(in: tree([app("/c")], groups: [GroupDefinition(id: PathId("/c"))])) != nil)
    }

    @Test func storedGroupsRoundTrip() {
        let group = GroupDefinition(id: PathId("/a/b"), dependencies: [PathId("/c")], enforceRole: true, version: now)
        #expect(GroupDefinition.decode(group.json()) == group)
        #expect(GroupDefinition.decode(.object(["id": .string("relative")])) == nil)
    }
}
