import Foundation
import MesosModel
import Testing

@testable import MarathonCore

@Suite struct MarathonTaskIdTests {
    @Test func taskIdsRoundTripAndUseTheSafePath() throws {
        let id = MarathonTaskId(appId: PathId("/prod/web"), uuid: "0F8FAD5B-D9CB-469F-A165-70867728950E")
        #expect(id.description == "prod_web.instance-0f8fad5b-d9cb-469f-a165-70867728950e._app.1")
        #expect(MarathonTaskId.parse(id.description) == id)
        let bare = try #require(MarathonTaskId.parse("a.b.instance-0f8fad5b-d9cb-469f-a165-70867728950e"))
        #expect(bare.appId == PathId("/a.b") && bare.incarnation == 1)
        #expect(MarathonTaskId.parse("web.instance-0f8fad5b-d9cb-469f-a165-70867728950e._app.3")?.incarnation == 3)
    }

    @Test func garbageIsNotATaskId() {
        for text in [
            "", "nope", "web.instance-xyz._app.1", ".instance-0f8fad5b-d9cb-469f-a165-70867728950e",
            "web.instance-0f8fad5b-d9cb-469f-a165-70867728950e._app.0",
            "Web.instance-0f8fad5b-d9cb-469f-a165-70867728950e",
        ] {
            #expect(MarathonTaskId.parse(text) == nil, "\(text)")
        }
    }
}

@Suite struct OfferMatcherTests {
    static func offer(
        cpus: Double = 2, mem: Double = 1024, ports: [ClosedRange<UInt64>] = [31000...31002]
    ) -> [Resource] {
        [.scalar("cpus", cpus), .scalar("mem", mem), .scalar("disk", 100), .ranges("ports", ports)]
    }

    static func app(_ text: String) -> AppDefinition { try! AppDefinition.create(from: json(text)) }

    @Test func anInstanceTakesItsResourcesAndTheLowestFreePorts() throws {
        var available = Self.offer()
        let app = Self.app(#"{"id":"/a","cmd":"sleep 1","cpus":0.5,"mem":64}"#)
        let first = try OfferMatcher.match(app, available: &available, agent: AgentFacts(hostname: "h"), placed: [])
            .get()
        #expect(first.hostPorts == [31000])
        let second = try OfferMatcher.match(app, available: &available, agent: AgentFacts(hostname: "h"), placed: [])
            .get()
        #expect(second.hostPorts == [31001])
        let cpus = first.resources.filter { $0.name == "cpus" }.compactMap(\.scalar?.value).reduce(0, +)
        #expect(cpus == 0.5)
        #expect(available.first { $0.name == "cpus" }?.scalar?.value == 1.0)
    }

    @Test func shortResourcesAndPortsAreRefusedWithoutTakingAnything() {
        var available = Self.offer(cpus: 0.2)
        let before = available
        let app = Self.app(#"{"id":"/a","cmd":"sleep 1","cpus":0.5}"#)
        #expect(
            OfferMatcher.match(app, available: &available, agent: AgentFacts(hostname: "h"), placed: [])
                == .failure(.insufficientCpus))
        #expect(available == before)
        var noPorts = Self.offer(ports: [])
        let fixed = Self.app(
            #"{"id":"/b","cmd":"x y","cpus":0.1,"portDefinitions":[{"port":9001}],"requirePorts":true}"#)
        #expect(
            OfferMatcher.match(fixed, available: &noPorts, agent: AgentFacts(hostname: "h"), placed: [])
                == .failure(.insufficientPorts))
        var withPort = Self.offer(ports: [9000...9002])
        #expect(
            (try? OfferMatcher.match(fixed, available: &withPort, agent: AgentFacts(hostname: "h"), placed: []).get())?
                .hostPorts == [9001])
    }

    @Test func constraintsAndRolesDecide() {
        var available = Self.offer()
        let unique = Self.app(#"{"id":"/a","cmd":"sleep 1","cpus":0.1,"constraints":[["hostname","UNIQUE"]]}"#)
        let agent = AgentFacts(hostname: "h1")
        #expect(
            OfferMatcher.match(unique, available: &available, agent: agent, placed: [agent])
                == .failure(.unfulfilledConstraint))
        let reservedOnly = Self.app(#"{"id":"/r","cmd":"sleep 1","cpus":0.1,"acceptedResourceRoles":["web"]}"#)
        #expect(
            OfferMatcher.match(reservedOnly, available: &available, agent: agent, placed: [])
                == .failure(.insufficientCpus))
    }
}

@Suite struct AppTaskTests {
    @Test func theDemoAppRunsItsImageWithMarathonsEnvironment() throws {
        var app = try AppDefinition.create(from: json(AppDefinitionTests.demo))
        app = app.stamped(at: Date(timeIntervalSince1970: 1_700_000_000), previous: nil)
        let id = MarathonTaskId(appId: app.id, uuid: "0f8fad5b-d9cb-469f-a165-70867728950e")
        let task = AppTask.taskInfo(
            app: app, taskId: id, agentID: AgentID("S1"), hostname: "127.0.0.1",
            match: OfferMatch(resources: [], hostPorts: [31005]))
        #expect(task.container?.type == .mesos && task.container?.imageName == "hello_world:latest")
        #expect(task.command?.isShell == false && task.command?.value == nil)
        let env = Dictionary(
            uniqueKeysWithValues: (task.command?.environment?.variables ?? []).map { ($0.name, $0.value) })
        #expect(env["PORT0"] == "31005" && env["PORT_DEFAULT"] == "31005" && env["PORT"] == "31005")
        #expect(env["HOST"] == "127.0.0.1" && env["MARATHON_APP_ID"] == "/marathon-demo-application")
        #expect(env["MARATHON_APP_RESOURCE_CPUS"] == "1.0" && env["MARATHON_APP_DOCKER_IMAGE"] == "hello_world:latest")
        #expect(env["MESOS_TASK_ID"] == id.description)
        #expect(task.name == "marathon-demo-application")
    }

    @Test func cmdRunsInAShellAndArgsWithout() throws {
        let shell = try AppDefinition.create(from: json(#"{"id":"/a","cmd":"echo hi"}"#))
        let argv = try AppDefinition.create(from: json(#"{"id":"/b","args":["sleep","60"]}"#))
        let id = MarathonTaskId(appId: PathId("/a"), uuid: "0f8fad5b-d9cb-469f-a165-70867728950e")
        let match = OfferMatch(resources: [], hostPorts: [])
        let a = AppTask.taskInfo(app: shell, taskId: id, agentID: AgentID("S"), hostname: "h", match: match)
        let b = AppTask.taskInfo(app: argv, taskId: id, agentID: AgentID("S"), hostname: "h", match: match)
        #expect(a.command?.isShell == true && a.command?.value == "echo hi" && a.container == nil)
        #expect(b.command?.isShell == false && b.command?.value == "sleep" && b.command?.arguments == ["sleep", "60"])
    }

    @Test func hostPathVolumesReachTheContainer() throws {
        let app = try AppDefinition.create(
            from: json(
                #"{"id":"/v","cmd":"ls /data","container":{"type":"MESOS","volumes":[{"containerPath":"data","hostPath":"/srv","mode":"RO"}]}}"#
            ))
        let id = MarathonTaskId(appId: PathId("/v"), uuid: "0f8fad5b-d9cb-469f-a165-70867728950e")
        let task = AppTask.taskInfo(
            app: app, taskId: id, agentID: AgentID("S"), hostname: "h", match: OfferMatch(resources: [], hostPorts: []))
        #expect(
            task.container?.hostPathVolumes == [HostPathVolume(hostPath: "/srv", containerPath: "data", readOnly: true)]
        )
    }
}

@Suite struct InstanceReconcileTests {
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    static func app(instances: Int, changedAt: Date) -> AppDefinition {
        var app = try! AppDefinition.create(from: json(#"{"id":"/a","cmd":"sleep 100"}"#))
        app.instances = instances
        return app.stamped(at: changedAt, previous: nil)
    }

    static func task(
        _ id: String, _ config: Date, running: Bool = true, killing: Bool = false, at offset: Double = 0
    )
        -> LiveTask
    {
        LiveTask(id: id, configVersion: config, isRunning: running, isKilling: killing, stagedAt: t0 + offset)
    }

    @Test func scalingLaunchesTheDeficitAndKillsTheYoungestOnce() {
        let app = Self.app(instances: 2, changedAt: Self.t0)
        let v = app.versionInfo!.lastConfigChangeAt
        #expect(InstanceReconcile.next(app: app, tasks: [Self.task("a", v)], now: Self.t0).launch == 1)
        var down = app
        down.instances = 1
        let tasks = [Self.task("a", v), Self.task("b", v, at: 5)]
        #expect(InstanceReconcile.next(app: down, tasks: tasks, now: Self.t0).kill == ["b"])
        // Once b is being killed it is not chosen again, and nothing launches in its place.
        let killing = [Self.task("a", v), Self.task("b", v, killing: true, at: 5)]
        let decision = InstanceReconcile.next(app: down, tasks: killing, now: Self.t0)
        #expect(decision.kill.isEmpty && decision.launch == 0 && !decision.isComplete)
        #expect(InstanceReconcile.next(app: down, tasks: [Self.task("a", v)], now: Self.t0).isComplete)
    }

    @Test func aConfigChangeRollsUnderTheUpgradeStrategy() {
        var app = Self.app(instances: 2, changedAt: Self.t0 + 100)
        app.upgradeStrategy = UpgradeStrategy(minimumHealthCapacity: 1, maximumOverCapacity: 0)
        let old = [Self.task("a", Self.t0), Self.task("b", Self.t0, at: 1)]
        let first = InstanceReconcile.next(app: app, tasks: old, now: Self.t0)
        // min 2 healthy, max 3 in total (one extra allowed): launch one new, kill nothing yet.
        #expect(first.kill.isEmpty && first.launch == 1)
        let newRunning = old + [Self.task("n1", app.versionInfo!.lastConfigChangeAt, at: 10)]
        let second = InstanceReconcile.next(app: app, tasks: newRunning, now: Self.t0)
        #expect(second.kill.count == 1)
    }

    @Test func unreachableTasksAreReplacedAfterInactiveAndForgottenAfterExpunge() {
        var app = Self.app(instances: 2, changedAt: Self.t0)
        app.unreachableStrategy = .enabled(inactiveAfterSeconds: 60, expungeAfterSeconds: 120)
        let v = app.versionInfo!.lastConfigChangeAt
        var away = Self.task("b", v, running: false, at: 1)
        away.unreachableSince = Self.t0 + 10
        let tasks = [Self.task("a", v), away]
        // Within inactiveAfterSeconds it still counts: nothing launches in its place.
        let early = InstanceReconcile.next(app: app, tasks: tasks, now: Self.t0 + 30)
        #expect(early.launch == 0 && early.kill.isEmpty && early.expunge.isEmpty)
        let inactive = InstanceReconcile.next(app: app, tasks: tasks, now: Self.t0 + 80)
        #expect(inactive.launch == 1 && inactive.expunge.isEmpty)
        let expunged = InstanceReconcile.next(app: app, tasks: tasks, now: Self.t0 + 130)
        #expect(expunged.launch == 1 && expunged.expunge == ["b"])
        // The default 0/0 replaces and forgets at once; `disabled` waits for the agent.
        app.unreachableStrategy = .enabled(inactiveAfterSeconds: 0, expungeAfterSeconds: 0)
        #expect(InstanceReconcile.next(app: app, tasks: tasks, now: Self.t0 + 10).expunge == ["b"])
        app.unreachableStrategy = .disabled
        let waiting = InstanceReconcile.next(app: app, tasks: tasks, now: Self.t0 + 100_000)
        #expect(waiting.launch == 0 && waiting.expunge.isEmpty)
    }

    @Test func aDeletedAppKillsEverything() {
        let tasks = [Self.task("a", Self.t0), Self.task("b", Self.t0, killing: true)]
        let decision = InstanceReconcile.next(app: nil, tasks: tasks, now: Self.t0)
        #expect(decision.kill == ["a"] && !decision.isComplete)
        #expect(InstanceReconcile.next(app: nil, tasks: [], now: Self.t0).isComplete)
    }
}
