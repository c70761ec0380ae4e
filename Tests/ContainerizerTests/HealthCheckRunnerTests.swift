import Foundation
import MesosModel
import Synchronization
import Testing

@testable import Containerizer

/// What a runner reported, in order.
final class RunnerEvents<Event: Sendable>: Sendable {
    private let events = Mutex<[Event]>([])

    func append(_ event: Event) { events.withLock { $0.append(event) } }
    var all: [Event] { events.withLock { $0 } }

    /// Polls until `condition` holds. The bound only turns a hang into a failure.
    func wait(for what: String, _ condition: ([Event]) -> Bool) async throws {
        for _ in 0..<3000 {
            if condition(all) { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TimedOut(description: "never saw \(what); events: \(all)")
    }
}

enum HealthEvent: Sendable, Equatable {
    case healthy(Bool)
    case kill(String)
}

@Suite struct HealthCheckRunnerTests {
    @Test func httpHealthFlipsToUnhealthyThenRequestsAKill() async throws {
        let server = try await SwitchableHealthServer()
        let events = RunnerEvents<HealthEvent>()
        let check = HealthCheck(
            type: .http, delaySeconds: 0, intervalSeconds: 0.05, timeoutSeconds: 10, consecutiveFailures: 3,
            gracePeriodSeconds: 0, http: HTTPCheckDefinition(port: server.port, path: "/ping"))
        let probe = try #require(CheckProbe(check, context: ProbeContext(sandbox: "/tmp", environment: [:])))
        let runner = HealthCheckRunner(
            policy: HealthCheckPolicy(check), probe: probe,
            onStatus: { events.append(.healthy($0)) }, onKill: { events.append(.kill($0)) })
        do {
            await runner.start()
            try await events.wait(for: "healthy") { $0.contains(.healthy(true)) }
            server.answer(500)
            try await events.wait(for: "a kill") { $0.contains { if case .kill = $0 { true } else { false } } }
        } catch {
            await runner.stop()
            await server.shutdown()
            throw error
        }
        await runner.stop()
        await server.shutdown()
        #expect(
            events.all == [
                .healthy(true), .healthy(false),
                .kill("Task was killed since health check failed 3 times in a row"),
            ])
    }

    @Test func stopEndsChecksWithoutFurtherCallbacks() async throws {
        let sandbox = try TemporaryDirectory("healthcheck")
        defer { sandbox.remove() }
        let events = RunnerEvents<HealthEvent>()
        let check = HealthCheck(
            type: .command, delaySeconds: 0, intervalSeconds: 0.02, timeoutSeconds: 30, gracePeriodSeconds: 0,
            command: .init(value: "echo x >> runs"))
        let context = ProbeContext(sandbox: sandbox.path, environment: ["PATH": ProcessLauncher.defaultSearchPath])
        let runner = HealthCheckRunner(
            policy: HealthCheckPolicy(check), probe: try #require(CheckProbe(check, context: context)),
            onStatus: { events.append(.healthy($0)) }, onKill: { events.append(.kill($0)) })
        await runner.start()
        try await waitUntil(sandbox.path + "/runs", contains: "x\nx\nx\n")
        await runner.stop()
        let runsAtStop = contents(of: sandbox.path + "/runs")
        // Any further probe would append; give it several intervals' worth of chances.
        try await Task.sleep(for: .milliseconds(200))
        #expect(contents(of: sandbox.path + "/runs") == runsAtStop)
        #expect(events.all == [.healthy(true)])
    }

    @Test func generalCheckReportsEachChangedExitCode() async throws {
        let sandbox = try TemporaryDirectory("healthcheck")
        defer { sandbox.remove() }
        try sandbox.write("code", "0")
        let events = RunnerEvents<CheckStatusInfo>()
        let check = CheckInfo(
            type: .command, delaySeconds: 0, intervalSeconds: 0.02, timeoutSeconds: 30,
            command: .init(value: "exit $(cat code)"))
        let context = ProbeContext(sandbox: sandbox.path, environment: ["PATH": ProcessLauncher.defaultSearchPath])
        let runner = CheckRunner(
            check: check, probe: try #require(CheckProbe(check, context: context)),
            onStatus: { events.append($0) })
        let exitCode = { (code: Int) in CheckStatusInfo(type: .command, command: .init(exitCode: code)) }
        do {
            await runner.start()
            try await events.wait(for: "exit 0") { $0.contains(exitCode(0)) }
            try sandbox.write("code", "7")
            try await events.wait(for: "exit 7") { $0.contains(exitCode(7)) }
        } catch {
            await runner.stop()
            throw error
        }
        await runner.stop()
        // Repeated equal results are not reported again, and a failing check never stops it.
        #expect(events.all == [exitCode(0), exitCode(7)])
    }
}
