import Foundation
import HTTPSupport
import Logging
import MarathonCore
import MesosModel
import StateStore
import Testing

@testable import Marathon

/// The API against a scheduler with no master: deployments stay open (nothing launches), which is
/// what the locking rules need.
@Suite struct MarathonAPITests {
    static func scheduler(_ store: MemoryStateStore) async throws -> MarathonScheduler {
        let scheduler = MarathonScheduler(
            options: MarathonScheduler.Options(), store: MarathonStore(store: store, role: "marathon"),
            logger: Logger(label: "test"))
        try await scheduler.load()
        return scheduler
    }

    static func call(
        _ api: MarathonAPI, _ method: HTTPMethod, _ uri: String, _ body: String? = nil
    ) async
        -> (HTTPResponseStatus, JSONValue?, HTTPHeaders)
    {
        let request = HTTPRequest(
            method: method, uri: uri, headers: ["Content-Type": "application/json"],
            body: body.map { ByteBuffer(string: $0) } ?? ByteBuffer())
        let response = await api.handle(request)
        guard case .bytes(let bytes) = response.body, bytes.readableBytes > 0 else {
            return (response.status, nil, response.headers)
        }
        let value = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes.readableBytesView))
        return (response.status, value, response.headers)
    }

    @Test func createGetLockForceAndDelete() async throws {
        let store = MemoryStateStore()
        let api = MarathonAPI(scheduler: try await Self.scheduler(store))
        let (created, app, headers) = await Self.call(api, .POST, "/v2/apps", #"{"id":"web","cmd":"sleep 100"}"#)
        #expect(created == .created)
        #expect(app?["id"] == .string("/web") && app?["tasksRunning"] == .number(0))
        let deployment = try #require(headers["Marathon-Deployment-Id"].first)
        #expect(app?["deployments"] == .array([.object(["id": .string(deployment)])]))

        let (duplicate, message, _) = await Self.call(api, .POST, "/v2/apps", #"{"id":"/web","cmd":"sleep 1"}"#)
        #expect(duplicate == .conflict && message?["message"] == .string("An app with id [/web] already exists."))

        let (got, body, _) = await Self.call(api, .GET, "/v2/apps//web")
        #expect(got == .ok && body?["app"]?["tasks"] == .array([]))

        let (locked, lockBody, _) = await Self.call(api, .PUT, "/v2/apps/web", #"{"instances":3}"#)
        #expect(locked == .conflict && lockBody?["deployments"] == .array([.object(["id": .string(deployment)])]))
        let (forced, result, forcedHeaders) = await Self.call(api, .PUT, "/v2/apps/web?force=True", #"{"instances":3}"#)
        #expect(forced == .ok && result?["deploymentId"] != nil && !forcedHeaders["Marathon-Deployment-Id"].isEmpty)
        let (_, list, _) = await Self.call(api, .GET, "/v2/deployments")
        #expect(list.map { if case .array(let items) = $0 { return items.count } else { return -1 } } == 1)

        let (deleted, _, _) = await Self.call(api, .DELETE, "/v2/apps/web")
        #expect(deleted == .ok)
        let (missing, missingBody, _) = await Self.call(api, .GET, "/v2/apps/web")
        #expect(missing == .notFound && missingBody?["message"] == .string("App '/web' does not exist"))
    }

    @Test func theQueueListsAppsWaitingForLaunches() async throws {
        let api = MarathonAPI(scheduler: try await Self.scheduler(MemoryStateStore()))
        _ = await Self.call(api, .POST, "/v2/apps", #"{"id":"/q","cmd":"sleep 100","instances":2}"#)
        let (status, body, _) = await Self.call(api, .GET, "/v2/queue")
        #expect(status == .ok)
        guard case .array(let items)? = body?["queue"] else {
            Issue.record("no queue")
            return
        }
        #expect(items.count == 1 && items.first?["count"] == .number(2) && items.first?["role"] == nil)
        #expect(items.first?["app"]?["id"] == .string("/q"))
        #expect(items.first?["delay"]?["overdue"] == .bool(true))
        let (reset, _, _) = await Self.call(api, .DELETE, "/v2/queue/q/delay")
        #expect(reset == .ok)
    }

    @Test func severalAppsChangeInOneDeployment() async throws {
        let api = MarathonAPI(scheduler: try await Self.scheduler(MemoryStateStore()))
        let (status, body, _) = await Self.call(
            api, .PUT, "/v2/apps", #"[{"id":"/x","cmd":"sleep 1"},{"id":"/y","cmd":"sleep 2","instances":2}]"#)
        #expect(status == .ok && body?["deploymentId"] != nil)
        let (_, list, _) = await Self.call(api, .GET, "/v2/deployments")
        guard case .array(let deployments)? = list else {
            Issue.record("no deployments")
            return
        }
        #expect(deployments.count == 1 && deployments.first?["affectedApps"] == .array([.string("/x"), .string("/y")]))
        let (missing, _, _) = await Self.call(api, .PATCH, "/v2/apps?force=true", #"[{"id":"/z","instances":1}]"#)
        #expect(missing == .notFound)
        let (notArray, _, _) = await Self.call(api, .PUT, "/v2/apps", #"{"id":"/x"}"#)
        #expect(notArray == .unprocessableEntity)
    }

    @Test func appsSurviveARestartWithTheirVersions() async throws {
        let store = MemoryStateStore()
        let first = MarathonAPI(scheduler: try await Self.scheduler(store))
        _ = await Self.call(first, .POST, "/v2/apps", #"{"id":"/a/b","cmd":"sleep 100","labels":{"tier":"x"}}"#)
        let second = MarathonAPI(scheduler: try await Self.scheduler(store))
        let (status, body, _) = await Self.call(second, .GET, "/v2/apps?label=tier==x&embed=apps.counts")
        #expect(status == .ok)
        guard case .array(let apps)? = body?["apps"] else {
            Issue.record("no apps")
            return
        }
        #expect(apps.count == 1 && apps.first?["id"] == .string("/a/b") && apps.first?["version"] != nil)
        #expect(apps.first?["deployments"] != .array([]))
        let (_, versions, _) = await Self.call(second, .GET, "/v2/apps/a/b/versions")
        #expect(versions?["versions"].map { if case .array(let v) = $0 { return v.count } else { return 0 } } == 1)
    }

    @Test func portZeroGetsAServicePortThatAnUpdateKeeps() async throws {
        let api = MarathonAPI(scheduler: try await Self.scheduler(MemoryStateStore()))
        let body = #"{"id":"/lb","cmd":"x y","portDefinitions":[{"port":0},{"port":0,"name":"admin"}]}"#
        let (created, app, _) = await Self.call(api, .POST, "/v2/apps", body)
        #expect(created == .created)
        let ports = { (app: JSONValue?) -> [Double]? in
            guard case .array(let items)? = app?["portDefinitions"] else { return nil }
            return items.compactMap { $0["port"]?.doubleValue }
        }
        #expect(ports(app) == [10000, 10001])
        let (_, other, _) = await Self.call(
            api, .POST, "/v2/apps", #"{"id":"/other","cmd":"x y","portDefinitions":[{"port":0}]}"#)
        #expect(ports(other) == [10002])
        // The same definition again (ports 0) keeps the ports: no configuration change, no restart.
        let (_, before, _) = await Self.call(api, .GET, "/v2/apps/lb")
        let (updated, _, _) = await Self.call(api, .PUT, "/v2/apps/lb?force=true", body)
        #expect(updated == .ok)
        let (_, after, _) = await Self.call(api, .GET, "/v2/apps/lb")
        #expect(ports(after?["app"]) == [10000, 10001])
        #expect(
            after?["app"]?["versionInfo"]?["lastConfigChangeAt"]
                == before?["app"]?["versionInfo"]?["lastConfigChangeAt"])
    }

    @Test func metricsCountAppsAndAnswerInBothFormats() async throws {
        let api = MarathonAPI(scheduler: try await Self.scheduler(MemoryStateStore()))
        _ = await Self.call(api, .POST, "/v2/apps", #"{"id":"/m/one","cmd":"x y","instances":2}"#)
        let (status, snapshot, _) = await Self.call(api, .GET, "/metrics")
        #expect(status == .ok)
        #expect(snapshot?["gauges"]?["marathon.apps.active.gauge"]?["value"] == .number(1))
        #expect(snapshot?["gauges"]?["marathon.groups.active.gauge"]?["value"] == .number(1))
        #expect(snapshot?["gauges"]?["marathon.deployments.active.gauge"]?["value"] == .number(1))
        #expect(snapshot?["counters"]?["marathon.tasks.launched.counter"]?["count"] == .number(0))
        let prometheus = await api.handle(HTTPRequest(method: .GET, uri: "/metrics/prometheus", headers: [:]))
        #expect(prometheus.status == .ok)
        guard case .bytes(let text) = prometheus.body else {
            Issue.record("a streamed body")
            return
        }
        #expect(String(buffer: text).contains("\nmarathon_apps_active_gauge 1.0\n"))
        #expect(await Self.call(api, .POST, "/metrics").0 == .methodNotAllowed)
        #expect(await Self.call(api, .GET, "/metrics/nope").0 == .notFound)
    }

    @Test func putWithAVersionRollsBackToThatDefinition() async throws {
        let api = MarathonAPI(scheduler: try await Self.scheduler(MemoryStateStore()))
        _ = await Self.call(api, .POST, "/v2/apps", #"{"id":"/rb","cmd":"first run"}"#)
        _ = await Self.call(api, .PUT, "/v2/apps/rb?force=true", #"{"cmd":"second run"}"#)
        let (_, versions, _) = await Self.call(api, .GET, "/v2/apps/rb/versions")
        guard case .array(let list)? = versions?["versions"], let oldest = list.last?.stringValue else {
            Issue.record("no versions: \(String(describing: versions))")
            return
        }
        #expect(list.count == 2)
        let (status, _, _) = await Self.call(api, .PUT, "/v2/apps/rb?force=true", #"{"version":"\#(oldest)"}"#)
        #expect(status == .ok)
        let (_, app, _) = await Self.call(api, .GET, "/v2/apps/rb")
        #expect(app?["app"]?["cmd"] == .string("first run"))
        let (missing, _, _) = await Self.call(
            api, .PUT, "/v2/apps/rb?force=true", #"{"version":"2001-01-01T00:00:00.000Z"}"#)
        #expect(missing == .notFound)
    }

    @Test func badInputIsRefusedInMarathonsWords() async throws {
        let api = MarathonAPI(scheduler: try await Self.scheduler(MemoryStateStore()))
        let (invalid, body, _) = await Self.call(api, .POST, "/v2/apps", "{\"id\":")
        #expect(invalid == .badRequest && body?["message"] == .string("Invalid JSON"))
        let (badId, idBody, _) = await Self.call(api, .POST, "/v2/apps", #"{"id":"Bad_Id","cmd":"x y"}"#)
        #expect(badId == .unprocessableEntity && "\(idBody?["details"] ?? .null)".contains("/id"))
        let (unknown, unknownBody, _) = await Self.call(api, .POST, "/v2/apps", #"{"id":"/u","cmd":"x y","bogus":1}"#)
        #expect(unknown == .unprocessableEntity)
        #expect("\(unknownBody ?? .null)".contains("bogus"))
        let (checks, _, _) = await Self.call(
            api, .POST, "/v2/apps", #"{"id":"/h","cmd":"x y","healthChecks":[{"protocol":"HTTP","portIndex":3}]}"#)
        #expect(checks == .unprocessableEntity)
        let (badTask, taskBody, _) = await Self.call(api, .POST, "/v2/tasks/delete", #"{"ids":["nope"]}"#)
        #expect(badTask == .badRequest && taskBody?["message"] == .string("Invalid task id 'nope'"))
        let (noDeployment, _, _) = await Self.call(api, .DELETE, "/v2/deployments/none")
        #expect(noDeployment == .notFound)
        let (pods, _, _) = await Self.call(api, .GET, "/v2/pods")
        #expect(pods == .notImplemented)
        let (noDelay, _, _) = await Self.call(api, .DELETE, "/v2/queue/none/delay")
        #expect(noDelay == .notFound)
        let (pong, _, _) = await Self.call(api, .GET, "/ping")
        #expect(pong == .ok)
    }
}
