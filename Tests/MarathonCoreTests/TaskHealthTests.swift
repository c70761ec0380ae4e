import Foundation
import MesosModel
import Testing

@testable import MarathonCore

@Suite struct TaskHealthTests {
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    static func check(grace: Double = 10, failures: Int = 3) -> MarathonCore.HealthCheck {
        var check = MarathonCore.HealthCheck(protocol: .http)
        check.gracePeriodSeconds = grace
        check.maxConsecutiveFailures = failures
        return check
    }

    @Test func failuresInTheGracePeriodAreIgnoredUntilTheFirstSuccess() {
        var health = TaskHealth(checkCount: 1)
        let check = Self.check(grace: 10)
        let early = health.record(.unhealthy("refused"), check: check, index: 0, startedAt: Self.t0, now: Self.t0 + 5)
        #expect(early.isEmpty && health.checks[0].consecutiveFailures == 0 && !health.checks[0].alive)
        let up = health.record(.healthy, check: check, index: 0, startedAt: Self.t0, now: Self.t0 + 6)
        #expect(up == [.aliveChanged(true)] && health.checks[0].firstSuccess == Self.t0 + 6)
        // After a success the grace period no longer shields failures.
        let down = health.record(.unhealthy("HTTP 500"), check: check, index: 0, startedAt: Self.t0, now: Self.t0 + 7)
        #expect(down == [.aliveChanged(false), .failed])
        #expect(health.checks[0].lastFailureCause == "HTTP 500" && health.checks[0].consecutiveFailures == 1)
    }

    @Test func maxConsecutiveFailuresKillsAndZeroNeverDoes() {
        var health = TaskHealth(checkCount: 1)
        let check = Self.check(grace: 0, failures: 2)
        _ = health.record(.unhealthy("x"), check: check, index: 0, startedAt: Self.t0, now: Self.t0 + 1)
        let second = health.record(.unhealthy("x"), check: check, index: 0, startedAt: Self.t0, now: Self.t0 + 2)
        #expect(second == [.failed, .kill(reason: "2 consecutive health check failures")])
        var patient = TaskHealth(checkCount: 1)
        for offset in 1...10 {
            let changes = patient.record(
                .unhealthy("x"), check: Self.check(grace: 0, failures: 0), index: 0, startedAt: Self.t0,
                now: Self.t0 + Double(offset))
            #expect(!changes.contains { if case .kill = $0 { true } else { false } })
        }
        // A success resets the count.
        _ = health.record(.healthy, check: check, index: 0, startedAt: Self.t0, now: Self.t0 + 3)
        #expect(health.checks[0].consecutiveFailures == 0 && health.checks[0].alive)
    }

    @Test func httpStatusesFollowMarathonsRule() {
        #expect(HealthProbeOutcome.http(statusCode: 200, ignoreHttp1xx: false) == .healthy)
        #expect(HealthProbeOutcome.http(statusCode: 302, ignoreHttp1xx: false) == .healthy)
        #expect(HealthProbeOutcome.http(statusCode: 404, ignoreHttp1xx: false) == .unhealthy("HTTP 404"))
        #expect(HealthProbeOutcome.http(statusCode: 101, ignoreHttp1xx: true) == .ignored)
        #expect(HealthProbeOutcome.http(statusCode: 101, ignoreHttp1xx: false) == .unhealthy("HTTP 101"))
        var health = TaskHealth(checkCount: 1)
        #expect(health.record(.ignored, check: Self.check(), index: 0, startedAt: Self.t0, now: Self.t0 + 99).isEmpty)
        #expect(health.resultsJSON(instanceId: "t").isEmpty)
    }

    @Test func mesosResultsComeFromStatusUpdates() {
        var health = TaskHealth(checkCount: 1)
        #expect(health.recordMesos(healthy: true, cause: nil, now: Self.t0) == [.aliveChanged(true)])
        #expect(health.recordMesos(healthy: true, cause: nil, now: Self.t0 + 1).isEmpty)
        #expect(
            health.recordMesos(healthy: false, cause: "exit 1", now: Self.t0 + 2) == [.aliveChanged(false), .failed])
        let result = health.resultsJSON(instanceId: "web.instance-1")
        #expect(result.count == 1)
        #expect(result.first?["alive"] == .bool(false))
        #expect(result.first?["lastFailureCause"] == .string("exit 1"))
        #expect(result.first?["firstSuccess"] == .string(Timestamp.format(Self.t0)))
        #expect(result.first?["instanceId"] == .string("web.instance-1"))
        #expect(TaskHealth(checkCount: 0).recordMesosIsIgnored)
    }

    @Test func readinessOnceReachedStays() {
        var health = TaskHealth(checkCount: 0)
        #expect(health.isHealthy(needsReadiness: false) && !health.isHealthy(needsReadiness: true))
        health.recordReadiness(ReadinessOutcome(ready: false, lastResponse: .object(["status": .number(503)])))
        #expect(!health.isReady)
        #expect(health.readinessJSON(name: "r", taskId: "t")["lastResponse"]?["status"] == .number(503))
        health.recordReadiness(ReadinessOutcome(ready: true))
        health.recordReadiness(ReadinessOutcome(ready: false))
        #expect(health.isReady && health.isHealthy(needsReadiness: true))
        #expect(health.readinessJSON(name: "r", taskId: "t")["ready"] == .bool(true))
    }

    @Test func deploymentsWaitForPassingChecks() {
        var app = try! AppDefinition.create(from: json(#"{"id":"/a","cmd":"sleep 100","instances":1}"#))
        app = app.stamped(at: Self.t0, previous: nil)
        let v = app.versionInfo!.lastConfigChangeAt
        let failing = LiveTask(
            id: "a", configVersion: v, isRunning: true, isKilling: false, stagedAt: Self.t0, passesChecks: false)
        #expect(!InstanceReconcile.next(app: app, tasks: [failing], now: Self.t0).isComplete)
        var passing = failing
        passing.passesChecks = true
        #expect(InstanceReconcile.next(app: app, tasks: [passing], now: Self.t0).isComplete)
    }

    @Test func mesosRunChecksBecomeTheTasksHealthCheckOnItsHostPort() throws {
        var http = MarathonCore.HealthCheck(protocol: .mesosHTTP)
        http.portIndex = 1
        http.path = "/health"
        http.maxConsecutiveFailures = 0
        let mesos = try #require(AppTask.mesosHealthCheck(http, ports: [31000, 31001]))
        #expect(mesos.type == .http && mesos.http?.port == 31001 && mesos.http?.path == "/health")
        #expect(mesos.consecutiveFailures == Int(Int32.max))
        var command = MarathonCore.HealthCheck(protocol: .command)
        command.command = "test -f ready"
        #expect(AppTask.mesosHealthCheck(command, ports: [])?.command?.value == "test -f ready")
        var tcp = MarathonCore.HealthCheck(protocol: .mesosTCP)
        tcp.port = 8080
        #expect(AppTask.mesosHealthCheck(tcp, ports: [])?.tcp?.port == 8080)
        #expect(AppTask.mesosHealthCheck(MarathonCore.HealthCheck(protocol: .mesosTCP), ports: []) == nil)
        #expect(AppTask.mesosHealthCheck(MarathonCore.HealthCheck(protocol: .http), ports: [1]) == nil)
    }
}

extension TaskHealth {
    /// A task whose app has no health check ignores `healthy` on its statuses.
    fileprivate var recordMesosIsIgnored: Bool {
        var copy = self
        return copy.recordMesos(healthy: false, cause: nil, now: Date()).isEmpty && copy == self
    }
}
