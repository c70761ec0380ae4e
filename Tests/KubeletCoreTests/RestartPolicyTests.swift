import KubeTypes
import Testing

@testable import KubeletCore

@Suite("Restart policies and crash-loop back-off")
struct RestartPolicyTests {
    static func crashingPod(restartPolicy: String = "Always", code: Int64 = 1) -> SimulatedShell {
        var shell = SimulatedShell(
            pod: Fixture.pod(restartPolicy: restartPolicy, containers: [Fixture.container("app")]))
        shell.exitAfterStart["app"] = (1, code)
        return shell
    }

    /// Seconds between each exit and the start that followed it.
    static func restartDelays(_ shell: SimulatedShell) -> [Int64] {
        let starts = shell.startTimes("app")
        return zip(starts.dropFirst(), starts).map { next, previous in next - (previous + 1) }
    }

    @Test("Always: restarts at once, then after 10s, 20s, 40s … capped at 5 minutes")
    func crashLoopBackoff() {
        var shell = Self.crashingPod()
        shell.advance(by: 1300)
        #expect(Self.restartDelays(shell) == [0, 10, 20, 40, 80, 160, 300, 300, 300])
        #expect(shell.status["phase"] == "Running")
    }

    @Test("between restarts the container waits in CrashLoopBackOff with upstream's message")
    func crashLoopStatus() {
        var shell = Self.crashingPod()
        // Starts at 0 and 1; the second instance exits at 2 and waits 10s.
        shell.advance(by: 5)
        let app = shell.containerStatus("app")
        #expect(app?[path: ["state", "waiting", "reason"]] == "CrashLoopBackOff")
        #expect(
            app?[path: ["state", "waiting", "message"]]
                == "back-off 10s restarting failed container=app pod=web_default(0c1d2e3f)")
        #expect(app?["restartCount"] == 1)
        #expect(app?[path: ["lastState", "terminated", "exitCode"]] == 1)
        #expect(app?[path: ["lastState", "terminated", "reason"]] == "Error")
        #expect(app?[path: ["lastState", "terminated", "containerID"]] == "mesokube://app-2")
        #expect(app?[path: ["lastState", "terminated", "finishedAt"]] == .string(Timestamp.format(Fixture.start + 2)))
        #expect(app?["ready"] == false)
        #expect(shell.condition("Ready")?["message"] == "containers with unready status: [app]")
        let backOff = shell.events("BackOff")
        #expect(backOff.first?.type == .warning)
        #expect(backOff.first?.message == "Back-off restarting failed container app in pod web_default(0c1d2e3f)")

        // Later waits say how long the current back-off is, in Go's duration format.
        shell.advance(to: Fixture.start + 100)
        #expect(
            shell.containerStatus("app")?[path: ["state", "waiting", "message"]]
                == "back-off 1m20s restarting failed container=app pod=web_default(0c1d2e3f)")
        #expect(shell.containerStatus("app")?["restartCount"] == 4)
    }

    @Test("the pod worker re-syncs every 10 s while backing off, repeating the BackOff event")
    func backOffEventsRepeat() {
        var shell = Self.crashingPod()
        shell.advance(to: Fixture.start + 33)
        // Third exit at 13 waits 20 s: syncs at 13 and 23, restart at 33.
        let times = shell.events("BackOff").map { $0.at - Fixture.start }
        #expect(times == [2, 13, 23])
    }

    @Test("a container that ran longer than 10 minutes restarts at once and its back-off starts over")
    func backoffResetsAfterLongRun() {
        var shell = Self.crashingPod()
        shell.advance(to: Fixture.start + 80)
        #expect(Self.restartDelays(shell) == [0, 10, 20, 40])
        // The sixth instance (started at 155, after an 80 s wait) runs for 11 minutes.
        shell.exitAfterStart["app"] = (660, 1)
        shell.advance(to: Fixture.start + 200)
        shell.exitAfterStart["app"] = (1, 1)
        shell.advance(to: Fixture.start + 860)
        let starts = shell.startTimes("app").map { $0 - Fixture.start }
        #expect(Array(starts.suffix(4)) == [155, 815, 826, 847])
    }

    @Test("Never: exit 0 makes the pod Succeeded and stops it without deleting it")
    func neverSucceeded() {
        var shell = Self.crashingPod(restartPolicy: "Never", code: 0)
        shell.advance(by: 60)
        #expect(shell.startTimes("app").count == 1)
        #expect(shell.status["phase"] == "Succeeded")
        #expect(shell.lifecycle.isStopped)
        #expect(shell.actions.contains { $0.action == .podStopped(deleted: false) })
        let app = shell.containerStatus("app")
        #expect(app?[path: ["state", "terminated", "reason"]] == "Completed")
        #expect(app?["started"] == false)
        #expect(shell.condition("Ready")?["reason"] == "PodCompleted")
        #expect(shell.condition("ContainersReady")?["reason"] == "PodCompleted")
        #expect(shell.condition("Initialized")?["reason"] == "PodCompleted")
        #expect(shell.condition("PodReadyToStartContainers")?["status"] == "False")
        #expect(shell.wakeAt == nil)
    }

    @Test("Never: a failure makes the pod Failed")
    func neverFailed() {
        var shell = Self.crashingPod(restartPolicy: "Never", code: 2)
        shell.advance(by: 60)
        #expect(shell.startTimes("app").count == 1)
        #expect(shell.status["phase"] == "Failed")
        #expect(shell.condition("Ready")?["reason"] == "PodFailed")
        #expect(shell.containerStatus("app")?[path: ["state", "terminated", "exitCode"]] == 2)
    }

    @Test("OnFailure: exit 0 is Succeeded, exit 1 is restarted")
    func onFailure() {
        var succeeding = Self.crashingPod(restartPolicy: "OnFailure", code: 0)
        succeeding.advance(by: 60)
        #expect(succeeding.startTimes("app").count == 1)
        #expect(succeeding.status["phase"] == "Succeeded")

        var failing = Self.crashingPod(restartPolicy: "OnFailure", code: 1)
        failing.advance(by: 60)
        #expect(Self.restartDelays(failing) == [0, 10, 20])
        #expect(failing.status["phase"] == "Running")
        failing.exitAfterStart["app"] = (1, 0)
        failing.advance(by: 200)
        #expect(failing.status["phase"] == "Succeeded")
    }

    @Test("Always never ends Succeeded: a container exiting 0 is restarted")
    func alwaysRestartsSuccess() {
        var shell = Self.crashingPod(restartPolicy: "Always", code: 0)
        shell.advance(by: 30)
        #expect(Self.restartDelays(shell) == [0, 10])
        #expect(shell.status["phase"] == "Running")
        #expect(shell.containerStatus("app")?[path: ["lastState", "terminated", "reason"]] == "Completed")
    }

    @Test("an OOM kill is reported as OOMKilled")
    func oomKilled() {
        var lifecycle = PodLifecycle(
            pod: Fixture.pod(restartPolicy: "Never", containers: [Fixture.container("app")]), now: Fixture.start)
        _ = lifecycle.handle(.podSandboxReady(podIPs: ["10.1.0.2"], at: Fixture.start))
        _ = lifecycle.handle(
            .imageReady(container: "app", imageID: "sha256:1", imageName: nil, pull: nil, at: Fixture.start))
        _ = lifecycle.handle(.containerStarted(container: "app", runtimeID: "c1", at: Fixture.start))
        _ = lifecycle.handle(
            .containerExited(
                container: "app", runtimeID: "c1", exit: ContainerExit(exitCode: 137, oomKilled: true, signal: 9),
                at: Fixture.start + 4))
        let terminated = lifecycle.status(now: Fixture.start + 4)["containerStatuses"]?.arrayValue?.first?[
            path: ["state", "terminated"]]
        #expect(terminated?["reason"] == "OOMKilled")
        #expect(terminated?["signal"] == 9)
        #expect(terminated?["startedAt"] == .string(Timestamp.format(Fixture.start)))
        #expect(lifecycle.phase == "Failed")
    }
}
