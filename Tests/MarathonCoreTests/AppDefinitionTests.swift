import Foundation
import MesosModel
import Testing

@testable import MarathonCore

/// Parses JSON text into a `JSONValue` (test helper).
func json(_ text: String) -> JSONValue {
    try! JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
}

/// The 422 a body produces, or nil when it is accepted.
func failure(_ text: String) -> ValidationFailure? {
    do {
        _ = try AppDefinition.create(from: json(text))
        return nil
    } catch {
        return error
    }
}

@Suite struct AppDefinitionTests {
    static let demo = """
        {"id":"marathon-demo-application","cpus":1,"mem":128,"disk":0,"instances":1,
         "container":{"type":"DOCKER","docker":{"image":"hello_world:latest",
           "portMappings":[{"containerPort":9001,"hostPort":0}]}},
         "networks":[{"mode":"host"}]}
        """

    @Test func theDemoAppNormalizesLikeMarathon() throws {
        let app = try AppDefinition.create(from: json(Self.demo))
        #expect(app.id == PathId("/marathon-demo-application"))
        #expect(app.container?.docker?.image == "hello_world:latest")
        // docker.portMappings migrate to container.portMappings and are dropped with host networking.
        #expect(app.container?.portMappings == [])
        #expect(app.portDefinitions == [PortDefinition(port: 0, protocol: "tcp", name: "default")])
        #expect(app.networks == [Network(mode: .host)])
    }

    @Test func marathonDefaultsApply() throws {
        let app = try AppDefinition.create(from: json(#"{"id":"/sleep","cmd":"sleep 3600"}"#), defaultRole: "marathon")
        #expect(app.cpus == 1 && app.mem == 128 && app.disk == 0 && app.gpus == 0 && app.instances == 1)
        #expect(app.networks == [Network(mode: .host)])
        #expect(app.upgradeStrategy == UpgradeStrategy(minimumHealthCapacity: 1, maximumOverCapacity: 1))
        #expect(app.backoffSeconds == 1 && app.backoffFactor == 1.15 && app.maxLaunchDelaySeconds == 300)
        #expect(app.killSelection == .youngestFirst)
        #expect(app.unreachableStrategy == .enabled(inactiveAfterSeconds: 0, expungeAfterSeconds: 0))
        #expect(app.requirePorts == false)
        #expect(app.portDefinitions.map(\.name) == ["default"])
        #expect(app.executor == "")
        #expect(app.role == "marathon")
    }

    @Test func healthAndReadinessDefaults() throws {
        let app = try AppDefinition.create(
            from: json(
                """
                {"id":"web","cmd":"httpd","portDefinitions":[{"port":0,"name":"http-api"}],
                 "healthChecks":[{}],"readinessChecks":[{}]}
                """))
        let check = try #require(app.healthChecks.first)
        #expect(check.protocol == .http && check.path == "/" && check.gracePeriodSeconds == 300)
        #expect(check.intervalSeconds == 60 && check.timeoutSeconds == 20 && check.maxConsecutiveFailures == 3)
        #expect(check.delaySeconds == 15 && check.ipProtocol == "IPv4" && !check.ignoreHttp1xx)
        let readiness = try #require(app.readinessChecks.first)
        #expect(readiness.name == "readinessCheck" && readiness.portName == "http-api")
        #expect(readiness.intervalSeconds == 30 && readiness.timeoutSeconds == 10)
        #expect(readiness.httpStatusCodesForReady == [200])
    }

    @Test func bridgeNetworkingKeepsPortMappings() throws {
        let app = try AppDefinition.create(
            from: json(
                """
                {"id":"b","container":{"docker":{"image":"nginx","network":"BRIDGE",
                  "portMappings":[{"containerPort":80,"name":"http"}]}}}
                """))
        #expect(app.networks == [Network(mode: .containerBridge)])
        #expect(app.container?.portMappings == [PortMapping(containerPort: 80, hostPort: 0, name: "http")])
        #expect(app.portDefinitions.isEmpty)
        #expect(app.portNames == ["http"])
    }

    @Test func legacyFieldsMigrate() throws {
        let app = try AppDefinition.create(
            from: json(#"{"id":"x","cmd":"run","ports":[8080,0],"uris":["http://h/a.tgz","http://h/b.sh"]}"#))
        #expect(app.portDefinitions.map(\.port) == [8080, 0])
        #expect(app.fetch.map(\.extract) == [true, false])
    }

    @Test func commandRules() {
        let both = failure(#"{"id":"a","cmd":"x y","args":["a"]}"#)
        #expect(
            both?.errors(at: "/") == ["AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'."]
        )
        #expect(failure(#"{"id":"a"}"#) != nil)
        #expect(failure(#"{"id":"a","cmd":"x"}"#)?.errors(at: "/") == ["must not be an empty string"])
        #expect(failure(#"{"id":"a","args":["sleep","1"]}"#) == nil)
        #expect(failure(#"{"cmd":"sleep 1"}"#)?.errors(at: "/id") == ["error.path.missing"])
        #expect(failure(#"{"id":"/","cmd":"sleep 1"}"#)?.errors(at: "/id") == ["must not be root"])
    }

    @Test func networkingRules() {
        let mappings = failure(
            #"{"id":"a","networks":[{"mode":"host"}],"container":{"docker":{"image":"i"},"portMappings":[{"containerPort":1}]}}"#
        )
        #expect(mappings?.errors(at: "/") == ["portMappings are not allowed with host-networking"])
        let definitions = failure(
            #"{"id":"a","networks":[{"mode":"container/bridge"}],"container":{"docker":{"image":"i"}},"portDefinitions":[{"port":0}]}"#
        )
        #expect(definitions?.errors(at: "/") == ["portDefinitions are only allowed with host-networking"])
        let mixed = failure(
            #"{"id":"a","cmd":"run","networks":[{"mode":"host"},{"mode":"container/bridge"}]}"#)
        #expect(
            mixed?.errors(at: "/networks") == [
                "May specify a single host network, single bridge network, or else 1-to-n container networks"
            ])
        let both = failure(
            #"{"id":"a","networks":[{"mode":"host"}],"container":{"docker":{"image":"i","network":"HOST"}}}"#)
        #expect(both?.errors(at: "/") == ["must not specify both container.docker.network and networks"])
        let cni = failure(#"{"id":"a","cmd":"run","networks":[{"mode":"container","name":"dcos"}]}"#)
        #expect(cni?.errors(at: "/networks(0)/mode").first?.contains("not supported") == true)
        let names = failure(#"{"id":"a","cmd":"run","portDefinitions":[{"port":0,"name":"p"},{"port":0,"name":"p"}]}"#)
        #expect(names?.errors(at: "/portDefinitions") == ["Port names must be unique."])
        let named = failure(#"{"id":"a","cmd":"run","networks":[{"mode":"host","name":"x"}]}"#)
        #expect(named?.errors(at: "/networks") == ["Host networks may not have names or labels"])
    }

    @Test func upgradeStrategyAndResourceRanges() {
        let over = failure(#"{"id":"a","cmd":"run","upgradeStrategy":{"minimumHealthCapacity":1.5}}"#)
        #expect(over?.errors(at: "/upgradeStrategy/minimumHealthCapacity") == ["error.max"])
        let under = failure(#"{"id":"a","cmd":"run","upgradeStrategy":{"maximumOverCapacity":-0.1}}"#)
        #expect(under?.errors(at: "/upgradeStrategy/maximumOverCapacity") == ["error.min"])
        #expect(failure(#"{"id":"a","cmd":"run","instances":-1}"#)?.errors(at: "/instances") == ["error.min"])
        #expect(failure(#"{"id":"a","cmd":"run","instances":1.5}"#)?.errors(at: "/instances") == ["error.expected.int"])
        #expect(failure(#"{"id":"a","cmd":"run","cpus":"1"}"#)?.errors(at: "/cpus") == ["error.expected.jsnumber"])
        #expect(failure(#"{"id":"a","cmd":"run","killSelection":"RANDOM"}"#) != nil)
        #expect(failure(#"{"id":"a","cmd":"run","killSelection":"OLDEST_FIRST"}"#) == nil)
    }

    @Test func fetchAndUrisAreExclusive() {
        let both = failure(#"{"id":"a","cmd":"run","uris":["http://x"],"fetch":[{"uri":"http://y"}]}"#)
        #expect(both?.errors(at: "/uris") == ["may not be set in conjunction with fetch"])
        #expect(
            failure(#"{"id":"a","cmd":"run","fetch":[{"extract":false}]}"#)?.errors(at: "/fetch(0)/uri") == [
                "error.path.missing"
            ])
    }

    @Test func constraintSyntax() {
        let cases: [(String, String)] = [
            (#"["hostname"]"#, "Each constraint must have either 2 or 3 fields"),
            (#"["hostname","NEAR"]"#, PlacementConstraint.operatorError),
            (#"["hostname","UNIQUE","x"]"#, "Value specified but not used"),
            (#"["rack","CLUSTER"]"#, "Missing value"),
            (#"["rack","GROUP_BY","two"]"#, "Value was specified but is not a number"),
            (#"["rack","MAX_PER"]"#, "Value was not specified or is not a number"),
            (#"["rack","LIKE"]"#, "A regular expression value must be provided"),
            (#"["rack","LIKE","[a-"]"#, "'[a-' is not a valid regular expression"),
            (#"["","UNIQUE"]"#, "Missing field and operator"),
        ]
        for (constraint, error) in cases {
            let result = failure(#"{"id":"a","cmd":"run","constraints":[\#(constraint)]}"#)
            #expect(result?.errors(at: "/constraints(0)") == [error], "\(constraint)")
        }
        #expect(
            failure(#"{"id":"a","cmd":"run","constraints":[["hostname","UNIQUE"],["rack","GROUP_BY","3"]]}"#) == nil)
    }

    @Test func healthCheckRules() {
        let index = failure(#"{"id":"a","cmd":"run","healthChecks":[{"protocol":"TCP","portIndex":3}]}"#)
        #expect(
            index?.errors(at: "/healthChecks(0)") == [
                "Health check port indices must address an element of the ports array or container port mappings."
            ])
        let twoMesos = failure(
            #"{"id":"a","cmd":"run","healthChecks":[{"protocol":"MESOS_TCP"},{"protocol":"COMMAND","command":{"value":"true"}}]}"#
        )
        #expect(twoMesos?.errors(at: "/").contains("AppDefinition can contain at most one Mesos health check") == true)
        let noCommand = failure(#"{"id":"a","cmd":"run","healthChecks":[{"protocol":"COMMAND"}]}"#)
        #expect(noCommand?.errors(at: "/healthChecks(0)/command") == ["command is required for COMMAND health checks"])
        let ipv6 = failure(#"{"id":"a","cmd":"run","healthChecks":[{"protocol":"HTTP","ipProtocol":"IPv6"}]}"#)
        #expect(ipv6 != nil)
        #expect(failure(#"{"id":"a","cmd":"run","healthChecks":[{"protocol":"HTTP","portIndex":0}]}"#) == nil)
    }

    @Test func readinessCheckRules() {
        let missingPort = failure(#"{"id":"a","cmd":"run","readinessChecks":[{"portName":"web"}]}"#)
        #expect(
            missingPort?.errors(at: "/readinessChecks(0)/portName") == ["No port definition reference for portName web"]
        )
        let two = failure(
            #"{"id":"a","cmd":"run","portDefinitions":[{"port":0,"name":"http-api"}],"readinessChecks":[{},{}]}"#)
        #expect(two?.errors(at: "/readinessChecks") == ["got 2, expected 1 or less"])
        let slow = failure(
            #"{"id":"a","cmd":"run","portDefinitions":[{"port":0,"name":"http-api"}],"readinessChecks":[{"timeoutSeconds":40}]}"#
        )
        #expect(slow?.errors(at: "/readinessChecks(0)/timeoutSeconds") == ["got 40.0, expected less than 30.0"])
    }

    @Test func unsupportedFieldsAreRefusedByName() {
        let refused: [(String, String)] = [
            (#""residency":{"taskLostBehavior":"WAIT_FOREVER"}"#, "/residency"),
            (#""secrets":{"s":{"source":"x"}}"#, "/secrets"),
            (#""tty":true"#, "/tty"),
            (#""check":{"http":{}}"#, "/check"),
            (#""executorResources":{"cpus":1}"#, "/executorResources"),
            (#""resourceLimits":{"cpus":2}"#, "/resourceLimits"),
            (#""gpus":1"#, "/gpus"),
            (#""executor":"/opt/exec""#, "/executor"),
            (#""ipAddress":{}"#, "/ipAddress"),
            (#""env":{"PW":{"secret":"s"}}"#, "/env/PW"),
            (#""foo":1"#, "/foo"),
            (#""container":{"docker":{"image":"i","privileged":true}}"#, "/container/docker/privileged"),
            (
                #""container":{"volumes":[{"containerPath":"d","persistent":{"size":1}}],"docker":{"image":"i"}}"#,
                "/container/volumes(0)/persistent"
            ),
        ]
        for (field, path) in refused {
            let result = failure(#"{"id":"a","cmd":"run",\#(field)}"#)
            #expect(result?.errors(at: path).isEmpty == false, "\(field)")
        }
        // Empty or default values of refused fields are harmless echoes.
        #expect(failure(#"{"id":"a","cmd":"run","secrets":{},"tty":false,"storeUrls":[]}"#) == nil)
        #expect(failure(#"{"id":"a","cmd":"run","residency":null}"#) == nil)
    }

    @Test func badJSONShapesAreViolationsNotCrashes() {
        #expect(failure(#"[1,2]"#)?.errors(at: "/") == ["error.expected.jsobject"])
        #expect(
            failure(#"{"id":"a","cmd":"run","container":"DOCKER"}"#)?.errors(at: "/container") == [
                "error.expected.jsobject"
            ])
        #expect(
            failure(#"{"id":"a","cmd":"run","healthChecks":{}}"#)?.errors(at: "/healthChecks") == [
                "error.expected.jsarray"
            ])
        #expect(failure(#"{"id":5,"cmd":"run"}"#)?.errors(at: "/id") == ["error.expected.jsstring"])
        #expect(
            failure(#"{"id":"a","cmd":"run","labels":{"a":1}}"#)?.errors(at: "/labels/a") == ["error.expected.jsstring"]
        )
        #expect(failure(#"{"id":"a","cmd":"run","constraints":[[1,"UNIQUE"]]}"#) != nil)
        #expect(failure(#"{"id":"a","container":{"type":"MESOS"}}"#) != nil)
        #expect(
            failure(#"{"id":"a","container":{"docker":{}}}"#)?.errors(at: "/container/docker/image") == [
                "error.path.missing"
            ])
    }

    @Test func readOnlyKeysAreIgnored() throws {
        let app = try AppDefinition.create(
            from: json(
                #"{"id":"a","cmd":"run","tasksRunning":2,"tasks":[],"deployments":[{"id":"x"}],"version":"2020-01-01T00:00:00.000Z"}"#
            ))
        #expect(app.version == nil)
    }

    @Test func scaleVersusConfigChange() throws {
        let app = try AppDefinition.create(from: json(#"{"id":"a","cmd":"run"}"#))
        var scaled = app
        scaled.instances = 3
        #expect(scaled.isOnlyScaleChange(from: app))
        #expect(!scaled.isConfigChange(from: app))
        var changed = app
        changed.cmd = "run2"
        #expect(changed.isConfigChange(from: app))
        let t0 = Date(timeIntervalSince1970: 1_000)
        let t1 = Date(timeIntervalSince1970: 2_000)
        let first = app.stamped(at: t0, previous: nil)
        var bigger = first
        bigger.instances = 5
        let second = bigger.stamped(at: t1, previous: first)
        #expect(second.versionInfo == VersionInfo(lastScalingAt: t1, lastConfigChangeAt: t0))
        changed.versionInfo = first.versionInfo
        #expect(
            changed.stamped(at: t1, previous: first).versionInfo
                == VersionInfo(lastScalingAt: t1, lastConfigChangeAt: t1))
    }
}
