import Foundation
import MesosModel
import Testing

@testable import MarathonCore

@Suite struct LaunchBackoffTests {
    let t0 = Date(timeIntervalSince1970: 1_000)

    func app(version: Date, backoff: Double = 1, factor: Double = 2, max: Double = 5) -> AppDefinition {
        var app = AppDefinition(id: PathId("/crash"))
        app.cmd = "exit 1"
        app.backoffSeconds = backoff
        app.backoffFactor = factor
        app.maxLaunchDelaySeconds = max
        return app.stamped(at: version, previous: nil)
    }

    @Test func delayGrowsByTheFactorUpToTheCap() {
        let crashing = app(version: t0)
        var backoff = LaunchBackoff()
        var now = t0
        var delays: [Double] = []
        for _ in 0..<5 {
            backoff.recordFailure(of: crashing, now: now)
            delays.append(backoff.delaySeconds)
            #expect(!backoff.allowsLaunch(now: now))
            now = now.addingTimeInterval(backoff.delaySeconds)
            #expect(backoff.allowsLaunch(now: now))
        }
        #expect(delays == [1, 2, 4, 5, 5])
    }

    @Test func aNewVersionOrAResetClearsTheDelay() {
        var backoff = LaunchBackoff()
        backoff.recordFailure(of: app(version: t0), now: t0)
        backoff.recordFailure(of: app(version: t0), now: t0.addingTimeInterval(1))
        #expect(backoff.delaySeconds == 2)
        // A pure scale keeps the configuration version: the backoff stays.
        var scaled = app(version: t0)
        scaled.instances = 4
        backoff.adopt(scaled.stamped(at: t0.addingTimeInterval(2), previous: app(version: t0)))
        #expect(backoff.delaySeconds == 2)
        let changed = app(version: t0.addingTimeInterval(3), backoff: 3)
        backoff.adopt(changed)
        #expect(backoff.delaySeconds == 0 && backoff.allowsLaunch(now: t0))
        backoff.recordFailure(of: changed, now: t0)
        #expect(backoff.delaySeconds == 3)
        backoff.reset()
        #expect(backoff.allowsLaunch(now: t0) && backoff.timeLeftSeconds(now: t0) == 0)
    }

    @Test func aQuietPeriodStartsOver() {
        let crashing = app(version: t0)
        var backoff = LaunchBackoff()
        backoff.recordFailure(of: crashing, now: t0)
        backoff.recordFailure(of: crashing, now: t0.addingTimeInterval(1))
        #expect(backoff.delaySeconds == 2)
        backoff.recordFailure(of: crashing, now: t0.addingTimeInterval(100))
        #expect(backoff.delaySeconds == 1)
    }

    @Test func queueJSONAndStates() {
        var backoff = LaunchBackoff()
        backoff.recordFailure(of: app(version: t0, backoff: 3), now: t0)
        #expect(
            backoff.queueDelayJSON(now: t0.addingTimeInterval(1))
                == .object(["timeLeftSeconds": .number(2), "overdue": .bool(false)]))
        #expect(backoff.queueDelayJSON(now: t0.addingTimeInterval(9))["overdue"] == .bool(true))
        #expect(LaunchBackoff.countsTowardBackoff(state: "TASK_FAILED"))
        #expect(LaunchBackoff.countsTowardBackoff(state: "TASK_FINISHED"))
        #expect(!LaunchBackoff.countsTowardBackoff(state: "TASK_KILLED"))
        #expect(LaunchBackoff.countsTowardBackoff(state: "TASK_KILLED", killedForHealth: true))
        #expect(!LaunchBackoff.countsTowardBackoff(state: "TASK_RUNNING"))
    }
}

@Suite struct LabelSelectorTests {
    let labels = ["env": "prod", "tier": "web", "odd key": "a,b"]

    func matches(_ selector: String) throws -> Bool {
        try LabelSelector.parse(selector).matches(labels)
    }

    @Test func termsAndConjunctions() throws {
        #expect(try matches("env"))
        #expect(try !matches("owner"))
        #expect(try matches("env==prod"))
        #expect(try matches("env == prod"))
        #expect(try !matches("env==dev"))
        #expect(try matches("env!=dev"))
        #expect(try !matches("owner!=dev"))
        #expect(try matches("tier in (web, api)"))
        #expect(try !matches("tier notin (web,api)"))
        #expect(try matches("tier notin (db)"))
        #expect(try matches("env==prod,tier==web"))
        #expect(try !matches("env==prod,tier==db"))
        #expect(try matches(#"odd\ key==a\,b"#))
        #expect(try LabelSelector.parse("a in (x,y)").terms == [.isIn("a", ["x", "y"])])
    }

    @Test func malformedSelectorsAreErrors() {
        for bad in [
            "", "env=prod", "env==", "==prod", "env in x", "env in (a", "env in ()", "env,", "a b", #"env\"#,
            "env==a==b",
        ] {
            #expect(throws: LabelSelector.ParseError.self, "\(bad)") { try LabelSelector.parse(bad) }
        }
        let error = #expect(throws: LabelSelector.ParseError.self) { try LabelSelector.parse("env=prod") }
        #expect(error?.message == "Can not parse label selector env=prod")
    }
}
