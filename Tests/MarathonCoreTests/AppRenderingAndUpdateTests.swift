import Foundation
import MesosModel
import Testing

@testable import MarathonCore

struct NotAChange: Error {}

func changed(_ request: AppUpdate.Request) throws -> AppDefinition {
    guard case .change(let app) = request else { throw NotAChange() }
    return app
}

@Suite struct AppRenderingAndUpdateTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000.123)

    func stored(_ text: String) throws -> AppDefinition {
        try AppDefinition.create(from: json(text), defaultRole: "marathon").stamped(at: t0, previous: nil)
    }

    /// Every key (at any depth) of a JSON value.
    func keys(_ value: JSONValue) -> Set<String> {
        switch value {
        case .object(let object): return Set(object.keys).union(object.values.flatMap(keys))
        case .array(let items): return Set(items.flatMap(keys))
        default: return []
        }
    }

    func containsNull(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return true
        case .object(let object): return object.values.contains(where: containsNull)
        case .array(let items): return items.contains(where: containsNull)
        default: return false
        }
    }

    @Test func renderedAppRoundTripsAndOmitsUnsetFields() throws {
        let app = try stored(AppDefinitionTests.demo)
        let rendered = app.json()
        #expect(!containsNull(rendered))
        #expect(rendered["cmd"] == nil && rendered["args"] == nil && rendered["user"] == nil)
        #expect(rendered["version"] == .string("2023-11-14T22:13:20.123Z"))
        #expect(rendered["versionInfo"]?["lastConfigChangeAt"] == .string("2023-11-14T22:13:20.123Z"))
        #expect(rendered["role"] == .string("marathon"))
        for forbidden in ["tty", "check", "executorResources", "resourceLimits", "tasksStats", "networkNames"] {
            #expect(!keys(rendered).contains(forbidden))
        }
        var reparsed = try AppDefinition.create(from: rendered)
        reparsed.version = app.version
        reparsed.versionInfo = app.versionInfo
        #expect(reparsed == app)
    }

    @Test func appInfoCarriesCountsDeploymentsAndTasks() throws {
        let app = try stored(#"{"id":"/web","cmd":"httpd","healthChecks":[{"protocol":"TCP"}]}"#)
        let info = app.infoJSON(
            AppInfoExtras(
                counts: .init(staged: 1, running: 2), deploymentIds: ["d-1"], tasks: [.object(["id": .string("t")])]))
        #expect(info["tasksStaged"] == .number(1) && info["tasksRunning"] == .number(2))
        #expect(info["tasksHealthy"] == .number(0))
        #expect(info["deployments"] == .array([.object(["id": .string("d-1")])]))
        #expect(info["tasks"] == .array([.object(["id": .string("t")])]))
        #expect(info["lastTaskFailure"] == nil)
        // Without extras nothing read-only appears.
        #expect(app.infoJSON(AppInfoExtras())["tasksRunning"] == nil)
    }

    @Test func partialUpdateChangesOnlySuppliedFields() throws {
        let app = try stored(
            #"{"id":"/web","cmd":"httpd","instances":2,"labels":{"a":"b"},"portDefinitions":[{"port":0,"name":"http"}]}"#
        )
        let scaled = try changed(try AppUpdate.apply(json(#"{"instances":5}"#), to: app, appId: app.id))
        #expect(scaled.instances == 5 && scaled.cmd == "httpd" && scaled.labels == ["a": "b"])
        #expect(scaled.portDefinitions.map(\.name) == ["http"])
        #expect(scaled.isOnlyScaleChange(from: app))

        let full = try changed(
            try AppUpdate.apply(json(#"{"cmd":"other"}"#), to: app, appId: app.id, partial: false)
        )
        #expect(full.instances == 1 && full.labels.isEmpty && full.cmd == "other")
    }

    @Test func updateSwitchesArgsAndNetworksCleanly() throws {
        let app = try stored(#"{"id":"/web","cmd":"httpd"}"#)
        let toArgs = try AppUpdate.apply(json(#"{"args":["httpd","-f"]}"#), to: app, appId: app.id)
        let updated = try changed(toArgs)
        #expect(updated.cmd == nil && updated.args == ["httpd", "-f"])
        let bridged = try AppUpdate.apply(
            json(
                #"{"networks":[{"mode":"container/bridge"}],"container":{"docker":{"image":"nginx"},"portMappings":[{"containerPort":80}]}}"#
            ), to: app, appId: app.id)
        let bridge = try changed(bridged)
        #expect(bridge.portDefinitions.isEmpty && bridge.container?.portMappings.first?.hostPort == 0)
    }

    @Test func marathonPythonEchoOfTheAppIsAccepted() throws {
        let app = try stored(AppDefinitionTests.demo)
        guard case .object(var echoed) = app.infoJSON(AppInfoExtras(counts: .init(running: 1), deploymentIds: []))
        else {
            Issue.record("expected an object")
            return
        }
        echoed.removeValue(forKey: "version")
        echoed["instances"] = .number(3)
        let result = try AppUpdate.apply(.object(echoed), to: app, appId: app.id)
        let updated = try changed(result)
        #expect(updated.isOnlyScaleChange(from: app))
    }

    @Test func versionAloneIsARollback() throws {
        let app = try stored(#"{"id":"/web","cmd":"httpd"}"#)
        let request = try AppUpdate.apply(json(#"{"version":"2023-11-14T22:13:20.123Z"}"#), to: app, appId: app.id)
        #expect(request == .rollback(to: try #require(app.version)))
        #expect(
            try AppUpdate.apply(json(#"{"id":"/web","version":"2023-11-14T22:13:20Z"}"#), to: app, appId: app.id)
                == .rollback(to: Date(timeIntervalSince1970: 1_700_000_000)))
        let mixed = #expect(throws: ValidationFailure.self) {
            try AppUpdate.apply(json(#"{"version":"2023-11-14T22:13:20Z","cmd":"x y"}"#), to: app, appId: app.id)
        }
        #expect(mixed?.errors(at: "/") == ["The 'version' field may only be combined with the 'id' field."])
        #expect(throws: ValidationFailure.self) {
            try AppUpdate.apply(json(#"{"version":"yesterday"}"#), to: app, appId: app.id)
        }
    }

    @Test func putWithoutAnExistingAppCreatesIt() throws {
        let request = try AppUpdate.apply(json(#"{"cmd":"sleep 10"}"#), to: nil, appId: PathId("/new"))
        let app = try changed(request)
        #expect(app.id == PathId("/new") && app.instances == 1)
        #expect(throws: ValidationFailure.self) { try AppUpdate.apply(json("[]"), to: nil, appId: PathId("/new")) }
        #expect(throws: ValidationFailure.self) {
            try AppUpdate.apply(json(#"{"cpus":0}"#), to: nil, appId: PathId("/x"))
        }
    }

    @Test func timestampsFormatAndParse() {
        #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.format(Date(timeIntervalSince1970: 951_782_400.5)) == "2000-02-29T00:00:00.500Z")
        #expect(Timestamp.parse("2000-02-29T00:00:00.500Z") == Date(timeIntervalSince1970: 951_782_400.5))
        #expect(Timestamp.parse("2000-02-29T01:00:00+01:00") == Date(timeIntervalSince1970: 951_782_400))
        #expect(Timestamp.parse("2000-02-29") == nil)
        #expect(Timestamp.parse("2000-13-01T00:00:00Z") == nil)
        #expect(Timestamp.parse("2000-01-01T00:00:00") == nil)
        #expect(
            Timestamp.parse("2023-11-14T22:13:20.123Z")
                == Timestamp.normalize(Date(timeIntervalSince1970: 1_700_000_000.123)))
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_700_000_000.9996)) == "2023-11-14T22:13:21.000Z")
    }
}
