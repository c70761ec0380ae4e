import KubeTypes
import Testing

@testable import KubeletCore

@Suite("Probes")
struct ProbeTests {
    static func probeTimes(_ shell: SimulatedShell, _ kind: ProbeKind) -> [Int64] {
        shell.times { action in
            if case .runProbe(let request) = action { return request.probe == kind }
            return false
        }.map { $0 - Fixture.start }
    }

    @Test("three liveness failures kill the container with upstream's events, and it is restarted")
    func livenessRestart() {
        let pod = Fixture.pod(containers: [
            Fixture.container(
                "app", extra: ["livenessProbe": Fixture.probe(period: 10, initialDelay: 5, failureThreshold: 3)])
        ])
        var shell = SimulatedShell(pod: pod)
        let failing = (Fixture.start + 25)..<(Fixture.start + 50)
        shell.probeResult = { _, _, time in
            failing.contains(time) ? (false, "HTTP probe failed with statuscode: 500") : (true, "")
        }
        shell.advance(by: 44)
        #expect(shell.events("Unhealthy").count == 2)
        #expect(shell.events("Killing").isEmpty)

        shell.advance(by: 1)
        let unhealthy = shell.events("Unhealthy")
        #expect(unhealthy.count == 3)
        #expect(unhealthy.allSatisfy { $0.type == .warning })
        #expect(unhealthy[0].message == "Liveness probe failed: HTTP probe failed with statuscode: 500")
        let killing = shell.events("Killing")
        #expect(killing.map(\.message) == ["Container app failed liveness probe, will be restarted"])
        #expect(killing.first?.at == Fixture.start + 45)
        #expect(
            shell.actions.contains {
                $0.action
                    == .killContainer(
                        container: "app", runtimeID: "app-1", gracePeriodSeconds: 30, reason: .livenessProbe)
            })
        // Killed with 143 at 45 and, as a first restart, started again at once.
        #expect(shell.startTimes("app") == [Fixture.start, Fixture.start + 45])
        let app = shell.containerStatus("app")
        #expect(app?["restartCount"] == 1)
        #expect(app?[path: ["lastState", "terminated", "exitCode"]] == 143)
        #expect(app?[path: ["state", "running", "startedAt"]] == .string(Timestamp.format(Fixture.start + 45)))
        #expect(shell.events("Started").count == 2)
        // The new instance is probed from scratch, after its own initial delay.
        shell.advance(by: 5)
        #expect(Self.probeTimes(shell, .liveness) == [5, 15, 25, 35, 45, 50])
        #expect(shell.events("Unhealthy").count == 3)
    }

    @Test("liveness with restartPolicy Never kills without a restart")
    func livenessNever() {
        let pod = Fixture.pod(
            restartPolicy: "Never",
            containers: [
                Fixture.container("app", extra: ["livenessProbe": Fixture.probe(period: 5, failureThreshold: 1)])
            ]
        )
        var shell = SimulatedShell(pod: pod)
        shell.probeResult = { _, _, _ in (false, "timeout") }
        shell.advance(by: 10)
        #expect(shell.events("Killing").map(\.message) == ["Container app failed liveness probe"])
        #expect(shell.startTimes("app").count == 1)
        #expect(shell.status["phase"] == "Failed")
    }

    @Test("a probe's own terminationGracePeriodSeconds overrides the pod's for its kill")
    func probeGracePeriod() {
        let probe = Fixture.probe(period: 5, failureThreshold: 1, extra: ["terminationGracePeriodSeconds": 5])
        var shell = SimulatedShell(
            pod: Fixture.pod(containers: [Fixture.container("app", extra: ["livenessProbe": probe])]))
        shell.probeResult = { _, _, _ in (false, "down") }
        shell.advance(by: 0)
        #expect(
            shell.actions.contains {
                $0.action
                    == .killContainer(
                        container: "app", runtimeID: "app-1", gracePeriodSeconds: 5, reason: .livenessProbe)
            })
    }

    @Test("the startup probe gates liveness and readiness until it succeeds")
    func startupGates() {
        let pod = Fixture.pod(containers: [
            Fixture.container(
                "app",
                extra: [
                    "startupProbe": Fixture.probe(period: 5, failureThreshold: 10),
                    "livenessProbe": Fixture.probe(period: 10),
                    "readinessProbe": Fixture.probe(period: 10, initialDelay: 20),
                ])
        ])
        var shell = SimulatedShell(pod: pod)
        shell.probeResult = { _, kind, time in
            kind == .startup && time < Fixture.start + 15 ? (false, "connection refused") : (true, "")
        }
        shell.advance(by: 14)
        #expect(Self.probeTimes(shell, .startup) == [0, 5, 10])
        #expect(Self.probeTimes(shell, .liveness).isEmpty)
        #expect(Self.probeTimes(shell, .readiness).isEmpty)
        #expect(shell.containerStatus("app")?["started"] == false)
        #expect(shell.status["phase"] == "Running")

        shell.advance(by: 30)
        #expect(Self.probeTimes(shell, .startup) == [0, 5, 10, 15])
        #expect(Self.probeTimes(shell, .liveness) == [15, 25, 35])
        // Readiness keeps its initial delay, counted from the container's start.
        #expect(Self.probeTimes(shell, .readiness) == [20, 30, 40])
        #expect(shell.containerStatus("app")?["started"] == true)
        #expect(shell.condition("Ready")?["lastTransitionTime"] == .string(Timestamp.format(Fixture.start + 20)))
        #expect(shell.events("Unhealthy").map(\.message).first == "Startup probe failed: connection refused")
    }

    @Test("a startup probe that keeps failing kills the container")
    func startupFailure() {
        let pod = Fixture.pod(containers: [
            Fixture.container("app", extra: ["startupProbe": Fixture.probe(period: 5, failureThreshold: 2)])
        ])
        var shell = SimulatedShell(pod: pod)
        shell.probeResult = { _, _, _ in (false, "connection refused") }
        shell.advance(by: 6)
        #expect(shell.events("Killing").map(\.message) == ["Container app failed startup probe, will be restarted"])
        #expect(shell.events("Killing").first?.at == Fixture.start + 5)
    }

    @Test("readiness needs successThreshold successes in a row and drops on failureThreshold failures")
    func readinessThresholds() {
        let pod = Fixture.pod(containers: [
            Fixture.container(
                "app", extra: ["readinessProbe": Fixture.probe(period: 10, failureThreshold: 2, successThreshold: 2)])
        ])
        var shell = SimulatedShell(pod: pod)
        shell.probeResult = { _, _, time in
            let offset = time - Fixture.start
            return (offset < 30 || offset >= 50, "not ready")
        }
        shell.advance(by: 5)
        #expect(shell.containerStatus("app")?["ready"] == false)
        shell.advance(to: Fixture.start + 10)
        #expect(shell.containerStatus("app")?["ready"] == true)
        shell.advance(to: Fixture.start + 30)
        #expect(shell.containerStatus("app")?["ready"] == true)
        shell.advance(to: Fixture.start + 40)
        #expect(shell.containerStatus("app")?["ready"] == false)
        #expect(shell.condition("Ready")?["lastTransitionTime"] == .string(Timestamp.format(Fixture.start + 40)))
        #expect(shell.status["phase"] == "Running")
        // Readiness failures never kill.
        #expect(shell.events("Killing").isEmpty)
        #expect(
            shell.events("Unhealthy").map(\.message) == ["Readiness probe failed: not ready"] + [
                "Readiness probe failed: not ready"
            ])
    }

    @Test("a probe that overruns its period skips the ticks it missed, as upstream's ticker does")
    func slowProbe() {
        let pod = Fixture.pod(containers: [
            Fixture.container("app", extra: ["livenessProbe": Fixture.probe(period: 10)])
        ])
        var lifecycle = PodLifecycle(pod: pod, now: Fixture.start)
        _ = lifecycle.handle(.podSandboxReady(podIPs: ["10.1.0.2"], at: Fixture.start))
        _ = lifecycle.handle(
            .imageReady(container: "app", imageID: "sha256:1", imageName: nil, pull: nil, at: Fixture.start))
        let started = lifecycle.handle(.containerStarted(container: "app", runtimeID: "c1", at: Fixture.start))
        #expect(started.contains { if case .runProbe = $0 { true } else { false } })
        // While the probe is out, no second run and no wake for it.
        #expect(lifecycle.nextWakeTime == nil)
        let answered = lifecycle.handle(
            .probeResult(
                container: "app", runtimeID: "c1", probe: .liveness, success: true, message: "",
                at: Fixture.start + 25))
        #expect(answered == [.wake(at: Fixture.start + 30)])
    }

    @Test("results from an earlier instance, or for a probe not asked for, are ignored")
    func staleResults() {
        let pod = Fixture.pod(containers: [
            Fixture.container("app", extra: ["readinessProbe": Fixture.probe(period: 10)])
        ])
        var lifecycle = PodLifecycle(pod: pod, now: Fixture.start)
        _ = lifecycle.handle(.podSandboxReady(podIPs: ["10.1.0.2"], at: Fixture.start))
        _ = lifecycle.handle(
            .imageReady(container: "app", imageID: "sha256:1", imageName: nil, pull: nil, at: Fixture.start))
        _ = lifecycle.handle(.containerStarted(container: "app", runtimeID: "c1", at: Fixture.start))
        let stale = lifecycle.handle(
            .probeResult(
                container: "app", runtimeID: "c0", probe: .readiness, success: true, message: "", at: Fixture.start))
        #expect(stale.isEmpty)
        let unasked = lifecycle.handle(
            .probeResult(
                container: "app", runtimeID: "c1", probe: .liveness, success: false, message: "x", at: Fixture.start))
        #expect(unasked.isEmpty)
        _ = lifecycle.handle(
            .probeResult(
                container: "app", runtimeID: "c1", probe: .readiness, success: true, message: "", at: Fixture.start))
        #expect(lifecycle.status(now: Fixture.start)["containerStatuses"]?.arrayValue?.first?["ready"] == true)
    }
}
