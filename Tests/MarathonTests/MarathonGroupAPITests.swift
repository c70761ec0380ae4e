import Foundation
import HTTPSupport
import MarathonCore
import MesosModel
import StateStore
import Testing

@testable import Marathon

/// /v2/groups against a scheduler with no master (deployments stay open, so locking shows).
@Suite struct MarathonGroupAPITests {
    func call(
        _ api: MarathonAPI, _ method: HTTPMethod, _ uri: String, _ body: String? = nil
    ) async -> (HTTPResponseStatus, JSONValue?, HTTPHeaders) {
        await MarathonAPITests.call(api, method, uri, body)
    }

    func items(_ value: JSONValue?) -> [JSONValue] {
        if case .array(let list)? = value { return list }
        return []
    }

    static let twoApps = #"""
        {"id":"/shop","dependencies":[],"apps":[
          {"id":"db","cmd":"sleep 3600","cpus":0.1,"mem":16},
          {"id":"web","cmd":"sleep 3600","cpus":0.1,"mem":16,"instances":2,"dependencies":["db"]}]}
        """#

    @Test func createGetListAndConflict() async throws {
        let api = MarathonAPI(scheduler: try await MarathonAPITests.scheduler(MemoryStateStore()))
        let (empty, root, _) = await call(api, .GET, "/v2/groups")
        #expect(empty == .ok && root?["id"] == .string("/") && root?["groups"] == .array([]))

        let (created, result, headers) = await call(api, .POST, "/v2/groups", Self.twoApps)
        #expect(created == .created && result?["deploymentId"] != nil && result?["version"] != nil)
        #expect(headers["Marathon-Deployment-Id"].first == result?["deploymentId"]?.stringValue)

        let (got, group, _) = await call(api, .GET, "/v2/groups//shop")
        #expect(got == .ok && group?["id"] == .string("/shop"))
        #expect(items(group?["apps"]).compactMap { $0["id"]?.stringValue } == ["/shop/db", "/shop/web"])
        #expect(items(group?["apps"]).last?["dependencies"] == .array([.string("/shop/db")]))

        let (_, listed, _) = await call(api, .GET, "/v2/groups?embed=group.groups")
        #expect(items(listed?["groups"]).first?["apps"] == .array([]))

        let (star, all, _) = await call(api, .GET, "/v2/apps/shop/*")
        #expect(star == .ok && items(all?["*"]).count == 2)

        let (duplicate, message, _) = await call(api, .POST, "/v2/groups", #"{"id":"shop"}"#)
        #expect(duplicate == .conflict)
        #expect(message?["message"] == .string("Group /shop is already created. Use PUT to change this group."))
        let (rootAgain, _, _) = await call(api, .POST, "/v2/groups", #"{}"#)
        #expect(rootAgain == .conflict)

        let (missing, notFound, _) = await call(api, .GET, "/v2/groups/nope")
        #expect(missing == .notFound && notFound?["message"] == .string("Group '/nope' does not exist"))
        let (missingStar, _, _) = await call(api, .GET, "/v2/apps/nope/*")
        #expect(missingStar == .notFound)
    }

    @Test func badBodiesAre422() async throws {
        let api = MarathonAPI(scheduler: try await MarathonAPITests.scheduler(MemoryStateStore()))
        let (status, body, _) = await call(
            api, .POST, "/v2/groups", #"{"id":"/group","apps":[{"id":"/app","cmd":"sleep 1"}]}"#)
        #expect(status == .unprocessableEntity && body?["message"] == .string("Object is not valid"))
        #expect(
            items(body?["details"]).first
                == .object([
                    "path": .string("/apps(0)/id"),
                    "errors": .array([.string("identifier /app is not child of /group. Hint: use relative paths.")]),
                ]))
        let cyclic =
            #"{"id":"/c","apps":[{"id":"a","cmd":"sleep 1","dependencies":["b"]},{"id":"b","cmd":"sleep 1","dependencies":["a"]}]}"#
        let (cycle, cycleBody, _) = await call(api, .POST, "/v2/groups", cyclic)
        #expect(cycle == .unprocessableEntity)
        #expect(
            items(cycleBody?["details"]).first?["errors"]
                == .array([.string("Dependency graph has cyclic dependencies.")]))
        _ = await call(api, .POST, "/v2/apps", #"{"id":"/solo","cmd":"sleep 1"}"#)
        let (clash, clashBody, _) = await call(api, .POST, "/v2/groups", #"{"id":"/solo"}"#)
        #expect(clash == .unprocessableEntity && "\(clashBody ?? .null)".contains("may not have the same identifier"))
        let failure = MarathonError.invalid(ValidationFailure(path: "/", "Dependency graph has cyclic dependencies."))
        #expect(MarathonScheduler.reason(failure) == "Object is not valid: Dependency graph has cyclic dependencies.")
        #expect(MarathonScheduler.reason(MarathonError(.conflict, "locked")) == "locked")
        let (invalidJSON, _, _) = await call(api, .PUT, "/v2/groups/x", "{")
        #expect(invalidJSON == .badRequest)
    }

    @Test func dryRunScaleByLockingAndDelete() async throws {
        let api = MarathonAPI(scheduler: try await MarathonAPITests.scheduler(MemoryStateStore()))
        _ = await call(api, .POST, "/v2/groups", Self.twoApps)

        let (dry, steps, _) = await call(
            api, .PUT, "/v2/groups/shop?dryRun=true",
            #"{"apps":[{"id":"db","cmd":"sleep 3600","cpus":0.1,"mem":16,"instances":2},"#
                + #"{"id":"web","cmd":"sleep 7200","cpus":0.1,"mem":16,"dependencies":["db"]}]}"#)
        #expect(dry == .ok)
        let order = items(steps?["steps"]).map { step in
            items(step["actions"]).map { "\($0["action"]?.stringValue ?? "") \($0["app"]?.stringValue ?? "")" }
        }
        #expect(order == [["ScaleApplication /shop/db"], ["RestartApplication /shop/web"]])

        let (locked, lockBody, _) = await call(api, .PUT, "/v2/groups/shop", #"{"scaleBy":2}"#)
        #expect(locked == .conflict && lockBody?["deployments"] != nil)
        let (scaled, _, _) = await call(api, .PUT, "/v2/groups/shop?force=true", #"{"scaleBy":1.5}"#)
        #expect(scaled == .ok)
        let (_, web, _) = await call(api, .GET, "/v2/apps/shop/web")
        #expect(web?["app"]?["instances"] == .number(3))

        let (unknownVersion, _, _) = await call(
            api, .PUT, "/v2/groups/shop?force=true", #"{"version":"2020-01-01T00:00:00.000Z"}"#)
        #expect(unknownVersion == .notFound)

        let (deleted, _, _) = await call(api, .DELETE, "/v2/groups/shop?force=true")
        #expect(deleted == .ok)
        let (gone, _, _) = await call(api, .GET, "/v2/groups/shop")
        let (appGone, _, _) = await call(api, .GET, "/v2/apps/shop/db")
        #expect(gone == .notFound && appGone == .notFound)
    }

    @Test func explicitGroupsSurviveARestartAndRollBack() async throws {
        let store = MemoryStateStore()
        let api = MarathonAPI(scheduler: try await MarathonAPITests.scheduler(store))
        _ = await call(api, .POST, "/v2/groups", #"{"id":"/empty","dependencies":["/other"]}"#)
        _ = await call(api, .POST, "/v2/groups", Self.twoApps)
        let (_, versions, _) = await call(api, .GET, "/v2/groups/shop/versions")
        let first = try #require(items(versions).first?.stringValue)
        _ = await call(api, .PUT, "/v2/groups/shop?force=true", #"{"apps":[{"id":"db","cmd":"sleep 1"}]}"#)
        let (_, afterUpdate, _) = await call(api, .GET, "/v2/groups/shop")
        #expect(items(afterUpdate?["apps"]).count == 1)

        let restarted = MarathonAPI(scheduler: try await MarathonAPITests.scheduler(store))
        let (status, group, _) = await call(restarted, .GET, "/v2/groups/empty")
        #expect(status == .ok && group?["dependencies"] == .array([.string("/other")]))

        let (rolledBack, _, _) = await call(restarted, .PUT, "/v2/groups/shop?force=true", #"{"version":"\#(first)"}"#)
        #expect(rolledBack == .ok)
        let (_, shop, _) = await call(restarted, .GET, "/v2/groups/shop")
        #expect(items(shop?["apps"]).compactMap { $0["id"]?.stringValue } == ["/shop/db", "/shop/web"])
    }
}
