import KubeTypes
import Testing

@testable import KubeletCore

@Suite("Status rules and helpers")
struct StatusRulesTests {
    @Test(
        "Go's duration format, as upstream's messages embed it",
        arguments: [
            (10_000, "10s"), (80_000, "1m20s"), (300_000, "5m0s"), (3_600_000, "1h0m0s"), (1561, "1.561s"),
            (350, "350ms"), (1500, "1.5s"), (62_500, "1m2.5s"), (0, "0s"),
        ] as [(Int64, String)])
    func goDuration(milliseconds: Int64, text: String) {
        #expect(GoDuration.string(milliseconds: milliseconds) == text)
    }

    @Test("back-off doubles from 10 s to a 300 s cap and expires after twice the cap")
    func backoffPolicy() {
        let policy = BackoffPolicy()
        var entry: BackoffEntry?
        var delays: [Int64] = []
        for step in 0..<8 {
            entry = policy.next(entry, eventTime: Int64(step), now: Int64(step))
            delays.append(entry?.seconds ?? 0)
        }
        #expect(delays == [10, 20, 40, 80, 160, 300, 300, 300])
        let last = BackoffEntry(seconds: 300, lastUpdate: 1000)
        #expect(policy.isInBackoff(last, since: 1200, now: 1400))
        #expect(!policy.isInBackoff(last, since: 1200, now: 1500))
        // An exit more than 600 s after the last restart decision is not backed off at all.
        #expect(!policy.isInBackoff(last, since: 1601, now: 1602))
        #expect(policy.next(last, eventTime: 1601, now: 1602) == BackoffEntry(seconds: 10, lastUpdate: 1602))
    }

    @Test(
        "QoS classes follow upstream's rules",
        arguments: [
            ([:], "BestEffort"),
            (["limits": ["cpu": "1", "memory": "1Gi"]], "Guaranteed"),
            (["limits": ["cpu": "1", "memory": "1Gi"], "requests": ["cpu": "1", "memory": "1Gi"]], "Guaranteed"),
            (["limits": ["cpu": "1", "memory": "1Gi"], "requests": ["cpu": "500m"]], "Burstable"),
            (["requests": ["memory": "64Mi"]], "Burstable"),
            (["limits": ["cpu": "1"]], "Burstable"),
        ] as [(JSON, String)])
    func qosClass(resources: JSON, expected: String) {
        let pod = Fixture.pod(containers: [Fixture.container("app", extra: ["resources": resources])])
        let lifecycle = PodLifecycle(pod: pod, now: Fixture.start)
        #expect(lifecycle.status(now: Fixture.start)["qosClass"] == .string(expected))
    }

    @Test("readiness gates keep the pod unready until their conditions are True")
    func readinessGates() {
        var pod = Fixture.pod(
            containers: [Fixture.container("app")], extraSpec: ["readinessGates": [["conditionType": "example.com/lb"]]]
        )
        var shell = SimulatedShell(pod: pod)
        shell.advance(by: 1)
        #expect(shell.condition("ContainersReady")?["status"] == "True")
        #expect(shell.condition("Ready")?["reason"] == "ReadinessGatesNotReady")
        #expect(
            shell.condition("Ready")?["message"]
                == "corresponding condition of pod readiness gate \"example.com/lb\" does not exist.")

        let gate: JSON = [
            "type": "example.com/lb", "status": "True", "lastTransitionTime": .string(Timestamp.format(Fixture.start)),
        ]
        pod[path: ["status", "conditions"]] = [gate]
        shell.deliver(.podUpdated(pod: pod, at: shell.now + 5))
        #expect(shell.condition("Ready")?["status"] == "True")
        // Conditions other controllers own come first, untouched.
        #expect(shell.status["conditions"]?.arrayValue?.first == gate)
    }

    @Test("condition transition times move only when the status changes")
    func transitionTimes() {
        var shell = SimulatedShell(
            pod: Fixture.pod(
                containers: [Fixture.container("app", extra: ["readinessProbe": Fixture.probe(period: 10)])]))
        shell.probeResult = { _, _, time in
            let offset = time - Fixture.start
            return (offset < 20 || offset >= 50, "503")
        }
        shell.advance(by: 70)
        let ready = shell.condition("Ready")
        #expect(ready?["status"] == "True")
        // True at 0, False after the third failure at 40 (20, 30, 40), True again at 40 + 10.
        #expect(ready?["lastTransitionTime"] == .string(Timestamp.format(Fixture.start + 50)))
        #expect(
            shell.condition("PodReadyToStartContainers")?["lastTransitionTime"]
                == .string(Timestamp.format(Fixture.start)))
    }

    @Test("the same inputs give the same outputs: the core is a value")
    func deterministic() {
        func run() -> ([PodAction], JSON) {
            var shell = SimulatedShell(pod: Fixture.pod(containers: [Fixture.container("app")]))
            shell.exitAfterStart["app"] = (3, 1)
            shell.advance(by: 200)
            return (shell.actions.map(\.action), shell.status)
        }
        let first = run()
        let second = run()
        #expect(first.0 == second.0)
        #expect(first.1 == second.1)
    }

    @Test("no second pull or start is asked for while one is outstanding")
    func noDuplicateWork() {
        var lifecycle = PodLifecycle(pod: Fixture.pod(containers: [Fixture.container("app")]), now: Fixture.start)
        _ = lifecycle.handle(.tick(now: Fixture.start))
        let first = lifecycle.handle(.podSandboxReady(podIPs: ["10.1.0.2"], at: Fixture.start))
        #expect(first == [.pullImage(container: "app", image: "nginx:1.27", pullPolicy: "IfNotPresent")])
        #expect(lifecycle.handle(.tick(now: Fixture.start + 30)) == [])
        _ = lifecycle.handle(
            .imageReady(container: "app", imageID: "sha256:1", imageName: nil, pull: nil, at: Fixture.start + 31))
        #expect(lifecycle.handle(.tick(now: Fixture.start + 60)) == [])
    }

    @Test("a container lost without an exit record reads as ContainerStatusUnknown in lastState")
    func terminatedJSON() {
        var shell = SimulatedShell(pod: Fixture.pod(restartPolicy: "Never", containers: [Fixture.container("app")]))
        shell.advance(by: 3)
        shell.deliver(
            .containerExited(
                container: "app", runtimeID: "app-1",
                exit: ContainerExit(exitCode: 1, message: "panic: boom"), at: shell.now))
        let terminated = shell.containerStatus("app")?[path: ["state", "terminated"]]
        #expect(
            terminated == [
                "exitCode": 1, "reason": "Error", "message": "panic: boom",
                "startedAt": .string(Timestamp.format(Fixture.start)),
                "finishedAt": .string(Timestamp.format(Fixture.start + 3)), "containerID": "mesokube://app-1",
            ])
        #expect(shell.containerStatus("app")?["ready"] == false)
    }
}
