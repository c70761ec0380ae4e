import MesosModel
import Testing

@testable import Containerizer

/// Simulated time: every `now` is an explicit offset, so nothing here waits or reads a clock.
@Suite struct HealthCheckPolicyTests {
    private func policy(
        delay: Int = 15, interval: Int = 10, grace: Int = 10, failures: Int = 3
    ) -> HealthCheckPolicy {
        HealthCheckPolicy(
            delay: .seconds(delay), interval: .seconds(interval), gracePeriod: .seconds(grace),
            consecutiveFailureLimit: failures)
    }

    @Test func firstCheckAfterDelayThenEveryIntervalAfterTheResult() {
        var policy = policy(delay: 15, interval: 10)
        #expect(policy.started(now: .seconds(100)).nextCheckAt == .seconds(115))
        // The next check is scheduled from when the result arrived (a slow probe delays it).
        #expect(policy.result(success: true, now: .seconds(117)).nextCheckAt == .seconds(127))
    }

    @Test func definitionTimingIsUsed() {
        let check = HealthCheck(
            type: .tcp, delaySeconds: 1, intervalSeconds: 2, gracePeriodSeconds: 3, tcp: .init(port: 1))
        var policy = HealthCheckPolicy(check)
        #expect(policy.consecutiveFailureLimit == 3)
        #expect(policy.started(now: .zero).nextCheckAt == .seconds(1))
        #expect(policy.gracePeriod == .seconds(3))
    }

    @Test func failuresInsideTheGracePeriodAreIgnored() {
        var policy = policy(delay: 0, interval: 1, grace: 10, failures: 1)
        _ = policy.started(now: .zero)
        for second in 1...10 {
            let outcome = policy.result(success: false, now: .seconds(second))
            #expect(outcome.decisions.isEmpty, "second \(second) is inside the grace period")
            #expect(outcome.nextCheckAt == .seconds(second + 1))
        }
        #expect(policy.consecutiveFailures == 0)
        let after = policy.result(success: false, now: .seconds(11))
        #expect(
            after.decisions == [
                .reportHealthy(false),
                .kill(message: "Task was killed since health check failed 1 times in a row"),
            ])
        #expect(after.nextCheckAt == nil)
    }

    @Test func firstSuccessEndsTheGracePeriod() {
        var policy = policy(delay: 0, interval: 1, grace: 100, failures: 2)
        _ = policy.started(now: .zero)
        #expect(policy.result(success: true, now: .seconds(1)).decisions == [.reportHealthy(true)])
        #expect(policy.result(success: false, now: .seconds(2)).decisions == [.reportHealthy(false)])
        let second = policy.result(success: false, now: .seconds(3))
        #expect(second.decisions.last == .kill(message: "Task was killed since health check failed 2 times in a row"))
        #expect(policy.killed)
    }

    @Test func zeroGracePeriodCountsEveryFailure() {
        var policy = policy(delay: 0, interval: 1, grace: 0, failures: 3)
        _ = policy.started(now: .zero)
        #expect(policy.result(success: false, now: .zero).decisions == [.reportHealthy(false)])
        #expect(policy.consecutiveFailures == 1)
    }

    @Test func reportsOnlyTheFirstResultAndFlips() {
        var policy = policy(delay: 0, interval: 1, grace: 0, failures: 10)
        _ = policy.started(now: .zero)
        let sequence = [true, true, false, false, true, true, false]
        var reports: [HealthCheckPolicy.Decision] = []
        for (index, success) in sequence.enumerated() {
            reports += policy.result(success: success, now: .seconds(index)).decisions
        }
        #expect(
            reports == [.reportHealthy(true), .reportHealthy(false), .reportHealthy(true), .reportHealthy(false)])
    }

    @Test func aSuccessResetsTheFailureCount() {
        var policy = policy(delay: 0, interval: 1, grace: 0, failures: 3)
        _ = policy.started(now: .zero)
        _ = policy.result(success: false, now: .seconds(1))
        _ = policy.result(success: false, now: .seconds(2))
        _ = policy.result(success: true, now: .seconds(3))
        _ = policy.result(success: false, now: .seconds(4))
        let outcome = policy.result(success: false, now: .seconds(5))
        #expect(!outcome.decisions.contains { if case .kill = $0 { true } else { false } })
        #expect(policy.consecutiveFailures == 2)
        let third = policy.result(success: false, now: .seconds(6))
        #expect(third.decisions == [.kill(message: "Task was killed since health check failed 3 times in a row")])
    }

    @Test func resultsAfterAKillAreIgnored() {
        var policy = policy(delay: 0, interval: 1, grace: 0, failures: 1)
        _ = policy.started(now: .zero)
        _ = policy.result(success: false, now: .seconds(1))
        let late = policy.result(success: true, now: .seconds(2))
        #expect(late.decisions.isEmpty)
        #expect(late.nextCheckAt == nil)
        #expect(policy.reportedHealthy == false)
    }

    @Test func checkPolicyReportsChangesAndNeverStops() {
        var policy = CheckPolicy(delay: .seconds(2), interval: .seconds(5))
        #expect(policy.started(now: .seconds(1)) == .seconds(3))
        let exit0 = ProbeResult.command(.exited(0)).checkStatus(.command)
        let exit1 = ProbeResult.command(.exited(1)).checkStatus(.command)
        let results = [exit0, exit0, exit1, exit1, .empty(.command), exit0]
        var reported: [CheckStatusInfo] = []
        for (index, status) in results.enumerated() {
            let outcome = policy.result(status, now: .seconds(index * 10))
            #expect(outcome.nextCheckAt == .seconds(index * 10 + 5))
            if let report = outcome.report { reported.append(report) }
        }
        #expect(reported == [exit0, exit1, .empty(.command), exit0])
    }
}
