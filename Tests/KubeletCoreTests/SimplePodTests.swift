import KubeTypes
import Testing

@testable import KubeletCore

@Suite("A pod coming up")
struct SimplePodTests {
    static func readinessPod() -> JSON {
        Fixture.pod(containers: [
            Fixture.container(
                "app",
                extra: [
                    "readinessProbe": Fixture.probe(period: 5, initialDelay: 3),
                    "resources": ["limits": ["cpu": "500m", "memory": "128Mi"]],
                    "volumeMounts": [["name": "config", "mountPath": "/etc/app", "readOnly": true]],
                ])
        ])
    }

    @Test("the first sync asks for the sandbox only, and waits for it")
    func firstSync() {
        var lifecycle = PodLifecycle(pod: Self.readinessPod(), now: Fixture.start)
        let actions = lifecycle.handle(.tick(now: Fixture.start))
        #expect(actions == [.createPodSandbox])
        #expect(lifecycle.handle(.tick(now: Fixture.start + 1)) == [])
        let status = lifecycle.status(now: Fixture.start + 1)
        #expect(status["phase"] == "Pending")
        let waiting = status[path: ["containerStatuses"]]?.arrayValue?.first?[path: ["state", "waiting", "reason"]]
        #expect(waiting == "ContainerCreating")
        let ready = status["conditions"]?.arrayValue?.first { $0["type"] == "PodReadyToStartContainers" }
        #expect(ready?["status"] == "False")
    }

    @Test("sandbox, image and start follow one another, then readiness makes the pod Ready")
    func reachesRunningAndReady() {
        var shell = SimulatedShell(pod: Self.readinessPod())
        shell.advance(by: 0)
        let work = shell.actions.map(\.action).filter { if case .recordEvent = $0 { false } else { true } }
        #expect(
            work.prefix(3).elementsEqual([
                .createPodSandbox, .pullImage(container: "app", image: "nginx:1.27", pullPolicy: "IfNotPresent"),
                .startContainer(container: "app", kind: .regular, image: "nginx:1.27", restartCount: 0),
            ]))
        #expect(shell.events.map(\.reason) == ["Pulled", "Created", "Started"])
        #expect(
            shell.events[0].message
                == "Container image \"nginx:1.27\" already present on machine and can be accessed by the pod")
        #expect(shell.events[1].message == "Container created")
        #expect(shell.events[1].fieldPath == "spec.containers{app}")

        // Running but not ready until the readiness probe passes at start + 3.
        #expect(shell.status["phase"] == "Running")
        #expect(shell.containerStatus("app")?["ready"] == false)
        #expect(shell.containerStatus("app")?["started"] == true)
        #expect(shell.condition("ContainersReady")?["message"] == "containers with unready status: [app]")
        #expect(shell.condition("Ready")?["reason"] == "ContainersNotReady")

        shell.advance(by: 3)
        #expect(shell.condition("Ready")?["status"] == "True")
        #expect(shell.condition("Ready")?["lastTransitionTime"] == .string(Timestamp.format(Fixture.start + 3)))
        #expect(shell.containerStatus("app")?["ready"] == true)
        let probeTimes = shell.times { if case .runProbe = $0 { return true } else { return false } }
        #expect(probeTimes == [Fixture.start + 3])

        // Later probes every period; the transition time stays put while the status holds.
        shell.advance(by: 20)
        #expect(
            shell.times { if case .runProbe = $0 { true } else { false } }
                == [3, 8, 13, 18, 23].map { Fixture.start + $0 })
        #expect(shell.condition("Ready")?["lastTransitionTime"] == .string(Timestamp.format(Fixture.start + 3)))
    }

    @Test("status JSON carries upstream's fields")
    func statusFields() {
        var shell = SimulatedShell(pod: Self.readinessPod())
        shell.advance(by: 10)
        let status = shell.status
        #expect(status["observedGeneration"] == 1)
        #expect(status["hostIP"] == "10.0.0.7")
        #expect(status["hostIPs"] == [["ip": "10.0.0.7"]])
        #expect(status["podIP"] == "10.244.1.5")
        #expect(status["podIPs"] == [["ip": "10.244.1.5"]])
        #expect(status["startTime"] == .string(Timestamp.format(Fixture.start)))
        #expect(status["qosClass"] == "Guaranteed")
        let types = status["conditions"]?.arrayValue?.compactMap { $0["type"]?.stringValue }
        #expect(types == ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"])
        // The scheduler's transition time survives.
        #expect(shell.condition("PodScheduled")?["lastTransitionTime"] == .string(Timestamp.format(Fixture.start - 5)))
        #expect(shell.condition("Initialized")?["lastProbeTime"] == .null)

        let app = shell.containerStatus("app")
        #expect(app?["containerID"] == "mesokube://app-1")
        #expect(app?["image"] == "docker.io/library/nginx:1.27")
        #expect(app?["imageID"] == "docker.io/library/nginx:1.27@sha256:abc")
        #expect(app?["restartCount"] == 0)
        #expect(app?["lastState"] == .emptyObject)
        #expect(app?[path: ["state", "running", "startedAt"]] == .string(Timestamp.format(Fixture.start)))
        #expect(app?[path: ["resources", "limits", "cpu"]] == "500m")
        #expect(
            app?["volumeMounts"]
                == [["name": "config", "mountPath": "/etc/app", "readOnly": true, "recursiveReadOnly": "Disabled"]])
    }

    @Test("a pod without probes is ready as soon as its containers run")
    func noProbes() {
        var shell = SimulatedShell(
            pod: Fixture.pod(containers: [Fixture.container("a"), Fixture.container("b", image: "redis:7")]))
        shell.advance(by: 1)
        #expect(shell.condition("Ready")?["status"] == "True")
        #expect(shell.startTimes("a") == [Fixture.start])
        #expect(shell.startTimes("b") == [Fixture.start])
        #expect(shell.status["qosClass"] == "BestEffort")
        let names = shell.status["containerStatuses"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(names == ["a", "b"])
    }

    @Test("a real pull is reported with upstream's Pulling and Pulled texts")
    func pullEvents() {
        var lifecycle = PodLifecycle(pod: Fixture.pod(containers: [Fixture.container("app")]), now: Fixture.start)
        _ = lifecycle.handle(.tick(now: Fixture.start))
        _ = lifecycle.handle(.podSandboxReady(podIPs: ["10.1.0.2"], at: Fixture.start))
        let pulling = lifecycle.handle(.imagePulling(container: "app", at: Fixture.start))
        let pulled = lifecycle.handle(
            .imageReady(
                container: "app", imageID: "sha256:1", imageName: nil,
                pull: ImagePullStats(durationMilliseconds: 1561, sizeBytes: 59_774_010), at: Fixture.start + 2))
        #expect(
            pulling == [
                .recordEvent(
                    KubeletEvent(
                        type: .normal, reason: "Pulling", message: "Pulling image \"nginx:1.27\"",
                        fieldPath: "spec.containers{app}", at: Fixture.start))
            ])
        guard case .recordEvent(let event) = pulled.first else {
            Issue.record("no Pulled event")
            return
        }
        #expect(
            event.message
                == "Successfully pulled image \"nginx:1.27\" in 1.561s (1.561s including waiting). "
                + "Image size: 59774010 bytes.")
        #expect(
            pulled.contains(.startContainer(container: "app", kind: .regular, image: "nginx:1.27", restartCount: 0)))
    }

    @Test("a host-network pod reports the node's addresses as its own")
    func hostNetwork() {
        let pod = Fixture.pod(containers: [Fixture.container("app")], extraSpec: ["hostNetwork": true])
        var lifecycle = PodLifecycle(pod: pod, now: Fixture.start, config: KubeletCoreConfig(hostIPs: ["10.0.0.7"]))
        _ = lifecycle.handle(.tick(now: Fixture.start))
        _ = lifecycle.handle(.podSandboxReady(podIPs: [], at: Fixture.start))
        #expect(lifecycle.status(now: Fixture.start)["podIP"] == "10.0.0.7")
    }
}
