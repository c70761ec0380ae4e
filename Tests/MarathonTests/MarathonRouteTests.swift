import Foundation
import HTTPSupport
import MarathonCore
import MesosModel
import Testing

@testable import Marathon

@Suite struct MarathonRouteTests {
    func route(_ method: HTTPMethod, _ path: String) -> MarathonRoute {
        MarathonRoute.parse(method: method, path: path)
    }

    @Test func appRoutesSplitIdFromAction() {
        #expect(route(.GET, "/v2/apps") == .listApps)
        #expect(route(.POST, "/v2/apps") == .createApp)
        #expect(route(.GET, "/v2/apps/prod/web") == .getApp(PathId("/prod/web")))
        #expect(route(.PUT, "/v2/apps/web") == .putApp(PathId("/web")))
        #expect(route(.PATCH, "/v2/apps/web") == .patchApp(PathId("/web")))
        #expect(route(.DELETE, "/v2/apps/web") == .deleteApp(PathId("/web")))
        #expect(route(.POST, "/v2/apps/prod/web/restart") == .restartApp(PathId("/prod/web")))
        #expect(route(.GET, "/v2/apps/web/tasks") == .appTasks(PathId("/web")))
        #expect(route(.DELETE, "/v2/apps/web/tasks") == .killAppTasks(PathId("/web")))
        #expect(route(.DELETE, "/v2/apps/web/tasks/t1") == .killAppTask(PathId("/web"), "t1"))
        #expect(route(.GET, "/v2/apps/web/versions") == .appVersions(PathId("/web")))
        #expect(
            route(.GET, "/v2/apps/web/versions/2026-01-01T00:00:00.000Z")
                == .appVersion(PathId("/web"), "2026-01-01T00:00:00.000Z"))
    }

    @Test func duplicateSlashesAreNormalized() {
        // marathon-python formats '/v2/apps/%s/tasks' with an id that starts with a slash.
        #expect(route(.GET, "/v2/apps//anapp/tasks") == .appTasks(PathId("/anapp")))
        #expect(route(.GET, "//v2//apps/") == .listApps)
    }

    @Test func otherRoutesAndRefusals() {
        #expect(route(.GET, "/ping") == .ping)
        #expect(route(.GET, "/v2/info") == .info)
        #expect(route(.GET, "/v2/leader") == .leader)
        #expect(route(.GET, "/v2/tasks") == .listTasks)
        #expect(route(.POST, "/v2/tasks/delete") == .killTasks)
        #expect(route(.GET, "/v2/deployments") == .listDeployments)
        #expect(route(.DELETE, "/v2/deployments/abc") == .deleteDeployment("abc"))
        #expect(route(.POST, "/v2/deployments") == .methodNotAllowed)
        #expect(route(.GET, "/v2/groups") == .group(.get(.root)))
        #expect(route(.GET, "/v2/groups//a/b") == .group(.get(PathId("/a/b"))))
        #expect(route(.GET, "/v2/groups/a/versions") == .group(.versions(PathId("/a"))))
        #expect(route(.GET, "/v2/groups/versions") == .group(.versions(.root)))
        #expect(route(.POST, "/v2/groups") == .group(.create(.root)))
        #expect(route(.PUT, "/v2/groups/a") == .group(.update(PathId("/a"))))
        #expect(route(.DELETE, "/v2/groups/a/b") == .group(.delete(PathId("/a/b"))))
        #expect(route(.PATCH, "/v2/groups/a") == .group(.patch))
        #expect(route(.GET, "/v2/groups/a/versions/x") == .group(.notFound))
        #expect(route(.GET, "/v2/apps/prod/*") == .group(.appsInGroup(PathId("/prod"))))
        #expect(route(.DELETE, "/v2/apps/prod/*") == .methodNotAllowed)
        #expect(route(.GET, "/v2/queue") == .queue)
        #expect(route(.DELETE, "/v2/queue/a/b/delay") == .resetDelay(PathId("/a/b")))
        #expect(route(.GET, "/v2/queue/a/delay") == .methodNotAllowed)
        #expect(route(.GET, "/v2/events") == .events)
        #expect(route(.POST, "/v2/events") == .methodNotAllowed)
        #expect(route(.PUT, "/v2/apps") == .putApps)
        #expect(route(.PATCH, "/v2/apps") == .patchApps)
        #expect(route(.GET, "/v2/nothing") == .notFound)
        #expect(route(.GET, "/elsewhere") == .notFound)
    }
}

@Suite struct MarathonRequestTests {
    @Test func booleansArePythonFriendly() throws {
        #expect(try MarathonRequest.flag(["force": "True"], "force") == true)
        #expect(try MarathonRequest.flag(["force": "FALSE"], "force", default: true) == false)
        #expect(try MarathonRequest.flag([:], "force", default: true) == true)
        #expect(throws: MarathonError.self) { try MarathonRequest.flag(["scale": "maybe"], "scale") }
    }

    @Test func embedTokensLoseTheirPrefixes() {
        #expect(MarathonRequest.embeds(["apps.tasks"]) == ["tasks", "deployments"])
        #expect(
            MarathonRequest.embeds(["app.counts", "group.apps.lastTaskFailure", "bogus"])
                == ["counts", "lastTaskFailure", "bogus"])
        #expect(MarathonRequest.embeds(["apps.failures"]) == ["tasks", "lastTaskFailure", "deployments"])
    }

    @Test func badBodiesGetMarathonsFourHundreds() {
        let invalid = HTTPRequest(method: .POST, uri: "/v2/apps", body: ByteBuffer(string: "{nope"))
        #expect {
            _ = try MarathonRequest.json(invalid)
        } throws: { error in
            guard let error = error as? MarathonError else { return false }
            return error.status == .badRequest && error.body["message"] == .string("Invalid JSON")
                && error.body["details"] != nil
        }
        let empty = HTTPRequest(method: .POST, uri: "/v2/apps")
        #expect {
            _ = try MarathonRequest.json(empty)
        } throws: { error in
            (error as? MarathonError)?.body["message"] == .string("Please specify data in JSON format")
        }
    }

    @Test func errorBodiesHaveMarathonsShape() {
        let locked = MarathonError.locked(["d1"])
        #expect(locked.status == .conflict)
        #expect(locked.body["deployments"] == .array([.object(["id": .string("d1")])]))
        #expect(
            MarathonError.appNotFound(PathId("/x")).body == .object(["message": .string("App '/x' does not exist")]))
        let failure = ValidationFailure(path: "/id", "bad")
        #expect(MarathonError.invalid(failure).status == .unprocessableEntity)
        #expect(MarathonError.invalid(failure).body == failure.json)
        #expect(MarathonError.notBuilt("/v2/queue").status == .notImplemented)
    }

    @Test func instanceConditionsUseMarathonsNames() {
        #expect(MarathonScheduler.condition(of: "TASK_RUNNING") == "Running")
        #expect(MarathonScheduler.condition(of: "TASK_STAGING") == "Staging")
        #expect(MarathonScheduler.condition(of: "TASK_UNREACHABLE") == "Unreachable")
        #expect(MarathonScheduler.condition(of: "TASK_LOST") == "Gone")
        #expect(MarathonScheduler.condition(of: "TASK_UNKNOWN") == "Unknown")
    }
}
