import KubeTypes
import Testing

@testable import KubeletCore

@Suite("Init containers and sidecars")
struct InitContainerTests {
    static func pod(restartPolicy: String = "Always", sidecar: Bool = false) -> JSON {
        var initContainers = [Fixture.container("migrate", image: "busybox:1.36"), Fixture.container("seed")]
        if sidecar {
            initContainers.insert(
                Fixture.container("proxy", image: "envoy:1.30", extra: ["restartPolicy": "Always"]), at: 0)
        }
        return Fixture.pod(
            restartPolicy: restartPolicy, containers: [Fixture.container("main")], initContainers: initContainers)
    }

    @Test("init containers run one at a time, in order, each to completion, before the app")
    func inOrder() {
        var shell = SimulatedShell(pod: Self.pod())
        shell.exitAfterStart["migrate"] = (2, 0)
        shell.exitAfterStart["seed"] = (3, 0)
        shell.advance(by: 1)
        #expect(shell.status["phase"] == "Pending")
        #expect(shell.containerStatus("migrate")?[path: ["state", "running"]] != nil)
        #expect(shell.containerStatus("seed")?[path: ["state", "waiting", "reason"]] == "PodInitializing")
        #expect(shell.containerStatus("main")?[path: ["state", "waiting", "reason"]] == "PodInitializing")
        #expect(shell.condition("Initialized")?["message"] == "containers with incomplete status: [migrate seed]")
        #expect(shell.condition("Initialized")?["reason"] == "ContainersNotInitialized")

        shell.advance(by: 10)
        #expect(shell.startTimes("migrate") == [Fixture.start])
        #expect(shell.startTimes("seed") == [Fixture.start + 2])
        #expect(shell.startTimes("main") == [Fixture.start + 5])
        #expect(shell.status["phase"] == "Running")
        #expect(shell.condition("Initialized")?["status"] == "True")
        #expect(
            shell.condition("Initialized")?["lastTransitionTime"] == .string(Timestamp.format(Fixture.start + 5)))
        let migrate = shell.containerStatus("migrate")
        #expect(migrate?[path: ["state", "terminated", "reason"]] == "Completed")
        #expect(migrate?["ready"] == true)
        #expect(migrate?["started"] == false)
        let order = shell.status["initContainerStatuses"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(order == ["migrate", "seed"])
    }

    @Test("with restartPolicy Never a failing init container fails the pod; the app never starts")
    func failingInitNever() {
        var shell = SimulatedShell(pod: Self.pod(restartPolicy: "Never"))
        shell.exitAfterStart["migrate"] = (2, 1)
        shell.advance(by: 60)
        #expect(shell.startTimes("migrate").count == 1)
        #expect(shell.startTimes("seed").isEmpty)
        #expect(shell.startTimes("main").isEmpty)
        #expect(shell.status["phase"] == "Failed")
        #expect(shell.actions.contains { $0.action == .podStopped(deleted: false) })
        #expect(shell.containerStatus("migrate")?[path: ["state", "terminated", "exitCode"]] == 1)
        #expect(shell.containerStatus("main")?[path: ["state", "waiting", "reason"]] == "PodInitializing")
        #expect(shell.condition("Initialized")?["message"] == "containers with incomplete status: [migrate seed]")
        #expect(shell.condition("Ready")?["reason"] == "PodFailed")
    }

    @Test("with restartPolicy Always a failing init container is retried with back-off")
    func failingInitAlways() {
        var shell = SimulatedShell(pod: Self.pod(restartPolicy: "Always"))
        shell.exitAfterStart["migrate"] = (1, 1)
        shell.advance(by: 40)
        let starts = shell.startTimes("migrate").map { $0 - Fixture.start }
        #expect(starts == [0, 1, 12, 33])
        #expect(shell.startTimes("seed").isEmpty)
        #expect(shell.status["phase"] == "Pending")
        shell.advance(by: 1)
        let migrate = shell.containerStatus("migrate")
        #expect(migrate?[path: ["state", "waiting", "reason"]] == "CrashLoopBackOff")
        #expect(migrate?[path: ["lastState", "terminated", "exitCode"]] == 1)
        #expect(migrate?["restartCount"] == 3)
    }

    @Test("a sidecar starts in init order, stays running beside the app, and is always restarted")
    func sidecar() {
        var shell = SimulatedShell(pod: Self.pod(sidecar: true))
        shell.exitAfterStart["migrate"] = (2, 0)
        shell.exitAfterStart["seed"] = (2, 0)
        shell.advance(by: 10)
        #expect(shell.startTimes("proxy") == [Fixture.start])
        #expect(shell.startTimes("migrate") == [Fixture.start])
        #expect(shell.startTimes("main") == [Fixture.start + 4])
        #expect(shell.condition("Ready")?["status"] == "True")
        #expect(shell.containerStatus("proxy")?["ready"] == true)
        #expect(shell.containerStatus("proxy")?["started"] == true)

        // The sidecar exits 0: it is restarted anyway (at once the first time).
        shell.deliver(
            .containerExited(
                container: "proxy", runtimeID: shell.runtimeID("proxy"), exit: ContainerExit(exitCode: 0),
                at: shell.now))
        shell.advance(by: 1)
        #expect(shell.startTimes("proxy").count == 2)
        #expect(shell.status["phase"] == "Running")
    }

    @Test("a sidecar with a startup probe holds back the next init container until it has started")
    func sidecarStartupGates() {
        let pod = Fixture.pod(
            restartPolicy: "Never", containers: [Fixture.container("main")],
            initContainers: [
                Fixture.container(
                    "proxy", extra: ["restartPolicy": "Always", "startupProbe": Fixture.probe(period: 5)])
            ])
        var shell = SimulatedShell(pod: pod)
        shell.probeResult = { _, _, time in (time >= Fixture.start + 10, "connection refused") }
        shell.exitAfterStart["main"] = (20, 0)
        shell.advance(by: 9)
        #expect(shell.startTimes("main").isEmpty)
        #expect(shell.status["phase"] == "Pending")
        shell.advance(by: 1)
        #expect(shell.startTimes("main") == [Fixture.start + 10])

        // Once the only app container is done, the sidecar is stopped and the pod Succeeded.
        shell.advance(by: 40)
        #expect(
            shell.events("Killing").map(\.message) == ["Stopping container proxy"])
        #expect(shell.status["phase"] == "Succeeded")
        #expect(shell.lifecycle.isStopped)
    }
}
