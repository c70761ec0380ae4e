import KubeTypes
import Testing

@testable import KubeletCore

@Suite("Graceful termination")
struct TerminationTests {
    static let preStop: JSON = ["preStop": ["exec": ["command": ["sh", "-c", "sleep 1"]]]]

    static func runningPod(preStop: Bool = true, grace: Int64 = 30) -> SimulatedShell {
        let extra: [String: JSON] = preStop ? ["lifecycle": Self.preStop] : [:]
        var shell = SimulatedShell(pod: Fixture.pod(containers: [Fixture.container("app", extra: extra)], grace: grace))
        shell.advance(by: 10)
        return shell
    }

    static func killGrace(_ shell: SimulatedShell) -> [Int64] {
        shell.actions.compactMap { entry in
            if case .killContainer(_, _, let grace, _) = entry.action { return grace }
            return nil
        }
    }

    @Test("deletion with a 2 s grace period runs preStop, then kills, then reports the pod stopped")
    func deletionWithPreStop() {
        var shell = Self.runningPod()
        shell.preStopSeconds = 1
        shell.secondsToDieAfterKill = 1
        shell.deliver(.deletionRequested(gracePeriodSeconds: 2, at: shell.now))
        #expect(shell.lifecycle.isTerminating)
        #expect(shell.events("Killing").map(\.message) == ["Stopping container app"])
        let hook = Self.preStop["preStop"] ?? .null
        #expect(
            shell.actions.contains {
                $0.action == .runPreStopHook(container: "app", runtimeID: "app-1", handler: hook, gracePeriodSeconds: 2)
            })
        // preStop takes a second; the stop signal gets what is left, but never under 2 s.
        shell.advance(by: 1)
        #expect(
            shell.times { if case .killContainer = $0 { true } else { false } } == [Fixture.start + 11])
        #expect(Self.killGrace(shell) == [2])
        #expect(!shell.lifecycle.isStopped)
        shell.advance(by: 1)
        #expect(shell.lifecycle.isStopped)
        #expect(shell.actions.contains { $0.action == .podStopped(deleted: true) && $0.at == Fixture.start + 12 })
        #expect(shell.status["phase"] == "Failed")
        #expect(shell.containerStatus("app")?[path: ["state", "terminated", "exitCode"]] == 143)
        #expect(shell.condition("Ready")?["reason"] == "PodFailed")
        #expect(shell.startTimes("app").count == 1)
    }

    @Test("containers that exit 0 on SIGTERM leave the deleted pod Succeeded")
    func deletionSucceeded() {
        var shell = Self.runningPod(preStop: false)
        shell.exitCodeOnKill = 0
        shell.deliver(.deletionRequested(gracePeriodSeconds: 30, at: shell.now))
        shell.advance(by: 1)
        #expect(Self.killGrace(shell) == [30])
        #expect(shell.status["phase"] == "Succeeded")
    }

    @Test("a preStop hook that overruns the grace period is abandoned at the deadline")
    func preStopOverrun() {
        var shell = Self.runningPod()
        shell.preStopSeconds = 100
        shell.secondsToDieAfterKill = 100
        shell.deliver(.deletionRequested(gracePeriodSeconds: 5, at: shell.now))
        shell.advance(by: 4)
        #expect(Self.killGrace(shell).isEmpty)
        shell.advance(by: 1)
        // Nothing of the grace period is left: the minimum shutdown window of 2 s applies.
        #expect(Self.killGrace(shell) == [2])
        shell.advance(by: 2)
        #expect(shell.lifecycle.isStopped)
        #expect(shell.containerStatus("app")?[path: ["state", "terminated", "exitCode"]] == 137)
    }

    @Test("a pod deleted before anything ran stops at once and is marked Failed")
    func deletionBeforeStart() {
        var lifecycle = PodLifecycle(pod: Fixture.pod(containers: [Fixture.container("app")]), now: Fixture.start)
        _ = lifecycle.handle(.tick(now: Fixture.start))
        let actions = lifecycle.handle(.deletionRequested(gracePeriodSeconds: 30, at: Fixture.start + 1))
        #expect(actions == [.podStopped(deleted: true)])
        #expect(lifecycle.phase == "Failed")
        // A late sandbox or image answer starts nothing.
        #expect(lifecycle.handle(.podSandboxReady(podIPs: [], at: Fixture.start + 2)) == [])
    }

    @Test("a container still starting when the pod is deleted is stopped as soon as it runs")
    func deletionWhileStarting() {
        var shell = SimulatedShell(pod: Fixture.pod(containers: [Fixture.container("app")]))
        shell.manualStarts = ["app"]
        shell.advance(by: 1)
        shell.deliver(.deletionRequested(gracePeriodSeconds: 10, at: shell.now))
        #expect(!shell.lifecycle.isStopped)
        shell.deliver(.containerStarted(container: "app", runtimeID: "late", at: shell.now))
        #expect(shell.events("Killing").map(\.message) == ["Stopping container app"])
        shell.advance(by: 1)
        #expect(shell.lifecycle.isStopped)
    }

    @Test("app containers stop before sidecars, and sidecars get what is left of the grace period")
    func sidecarOrdering() {
        let pod = Fixture.pod(
            containers: [Fixture.container("main")],
            initContainers: [Fixture.container("proxy", extra: ["restartPolicy": "Always"])])
        var shell = SimulatedShell(pod: pod)
        shell.advance(by: 10)
        shell.secondsToDieAfterKill = 3
        shell.deliver(.deletionRequested(gracePeriodSeconds: 30, at: shell.now))
        #expect(
            shell.events("Killing").map(\.message).sorted() == ["Stopping container main", "Stopping container proxy"])
        let kills = shell.actions.compactMap { entry -> (Int64, String, Int64)? in
            if case .killContainer(let name, _, let grace, _) = entry.action {
                return (entry.at - Fixture.start, name, grace)
            }
            return nil
        }
        #expect(kills.map(\.1) == ["main"])
        shell.advance(by: 10)
        let after = shell.actions.compactMap { entry -> String? in
            if case .killContainer(let name, _, let grace, _) = entry.action {
                return "\(entry.at - Fixture.start):\(name):\(grace)"
            }
            return nil
        }
        #expect(after == ["10:main:30", "13:proxy:27"])
        #expect(shell.lifecycle.isStopped)
    }

    @Test("a deletion after the pod already finished only reports it stopped again, now deleted")
    func deletionAfterCompletion() {
        var shell = SimulatedShell(pod: Fixture.pod(restartPolicy: "Never", containers: [Fixture.container("app")]))
        shell.exitAfterStart["app"] = (5, 0)
        shell.advance(by: 10)
        #expect(shell.lifecycle.isStopped)
        let actions = shell.lifecycle.handle(.deletionRequested(gracePeriodSeconds: 30, at: shell.now))
        #expect(actions == [.podStopped(deleted: true)])
        #expect(shell.status["phase"] == "Succeeded")
    }

    @Test("a deletion timestamp arriving in a pod update starts termination")
    func deletionThroughUpdate() {
        var shell = Self.runningPod(preStop: false)
        var updated = Fixture.pod(containers: [Fixture.container("app")])
        updated[path: ["metadata", "deletionTimestamp"]] = .string(Timestamp.format(shell.now))
        updated[path: ["metadata", "deletionGracePeriodSeconds"]] = 7
        shell.deliver(.podUpdated(pod: updated, at: shell.now))
        shell.advance(by: 1)
        #expect(Self.killGrace(shell) == [7])
        #expect(shell.lifecycle.isStopped)
    }

    @Test("activeDeadlineSeconds fails the pod with DeadlineExceeded and kills its containers")
    func activeDeadline() {
        var shell = SimulatedShell(
            pod: Fixture.pod(containers: [Fixture.container("app")], extraSpec: ["activeDeadlineSeconds": 60]))
        shell.advance(by: 59)
        #expect(shell.status["phase"] == "Running")
        shell.advance(by: 1)
        #expect(
            shell.events("DeadlineExceeded").map(\.message) == [
                "Pod was active on the node longer than the specified deadline"
            ])
        #expect(shell.events("DeadlineExceeded").first?.fieldPath == nil)
        #expect(shell.status["phase"] == "Failed")
        #expect(shell.status["reason"] == "DeadlineExceeded")
        #expect(shell.lifecycle.isStopped)
        #expect(shell.actions.contains { $0.action == .podStopped(deleted: false) })
    }

    @Test("node shutdown stops containers within its grace, fails the pod with upstream's reason, keeps the object")
    func nodeShutdown() {
        var shell = Self.runningPod(preStop: false, grace: 30)
        shell.secondsToDieAfterKill = 1
        shell.deliver(.nodeShutdown(gracePeriodSeconds: 3, at: shell.now))
        #expect(Self.killGrace(shell) == [3], "the shutdown's grace, not the pod's 30 s")
        #expect(shell.status["phase"] == "Failed")
        #expect(shell.status["reason"] == "Terminated")
        #expect(shell.status["message"] == "Pod was terminated in response to imminent node shutdown.")
        #expect(shell.condition("DisruptionTarget")?["reason"] == "TerminationByKubelet")
        shell.advance(by: 1)
        #expect(shell.lifecycle.isStopped)
        #expect(shell.actions.contains { $0.action == .podStopped(deleted: false) })
        #expect(shell.status["phase"] == "Failed")
    }

    @Test("a pod already being deleted with a shorter grace keeps it when the node shuts down")
    func nodeShutdownDuringDeletion() {
        var shell = Self.runningPod(preStop: false, grace: 30)
        shell.secondsToDieAfterKill = 5
        shell.deliver(.deletionRequested(gracePeriodSeconds: 2, at: shell.now))
        shell.deliver(.nodeShutdown(gracePeriodSeconds: 10, at: shell.now))
        #expect(Self.killGrace(shell) == [2])
        shell.advance(by: 5)
        #expect(shell.actions.contains { $0.action == .podStopped(deleted: true) })
    }
}
