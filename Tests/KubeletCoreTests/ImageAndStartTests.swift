import KubeTypes
import Testing

@testable import KubeletCore

@Suite("Images, start failures and spec updates")
struct ImageAndStartTests {
    static let notFound = "rpc error: code = NotFound desc = failed to pull and unpack image: not found"

    static func pullTimes(_ shell: SimulatedShell) -> [Int64] {
        shell.times { if case .pullImage = $0 { true } else { false } }.map { $0 - Fixture.start }
    }

    @Test("a failing pull shows ErrImagePull, then ImagePullBackOff between retries that back off")
    func pullBackoff() {
        var shell = SimulatedShell(pod: Fixture.pod(containers: [Fixture.container("app")]))
        shell.failingImages["nginx:1.27"] = Self.notFound
        shell.advance(by: 0)
        let app = shell.containerStatus("app")
        #expect(app?[path: ["state", "waiting", "reason"]] == "ErrImagePull")
        #expect(app?[path: ["state", "waiting", "message"]] == .string(Self.notFound))
        #expect(
            shell.events.map { "\($0.type.rawValue) \($0.reason): \($0.message)" } == [
                "Normal Pulling: Pulling image \"nginx:1.27\"",
                "Warning Failed: Failed to pull image \"nginx:1.27\": \(Self.notFound)",
                "Warning Failed: Error: ErrImagePull",
            ])
        #expect(shell.status["phase"] == "Pending")

        // The pod worker retries 10 s later; the second failure doubles the back-off to 20 s.
        shell.advance(by: 20)
        let waiting = shell.containerStatus("app")?[path: ["state", "waiting"]]
        #expect(waiting?["reason"] == "ImagePullBackOff")
        #expect(waiting?["message"] == "Back-off pulling image \"nginx:1.27\"")
        #expect(shell.events("BackOff").last?.type == .normal)
        #expect(shell.events("BackOff").last?.message == "Back-off pulling image \"nginx:1.27\"")
        #expect(shell.events("Failed").last?.message == "Error: ImagePullBackOff")

        shell.advance(to: Fixture.start + 700)
        #expect(Self.pullTimes(shell) == [0, 10, 30, 70, 150, 310, 610])

        // Once the registry answers, the container starts at the next retry.
        shell.failingImages = [:]
        shell.advance(to: Fixture.start + 910)
        #expect(shell.startTimes("app") == [Fixture.start + 910])
        #expect(shell.status["phase"] == "Running")
    }

    @Test("imagePullPolicy Never without the image gives ErrImageNeverPull")
    func neverPull() {
        var lifecycle = PodLifecycle(pod: Fixture.pod(containers: [Fixture.container("app")]), now: Fixture.start)
        _ = lifecycle.handle(.podSandboxReady(podIPs: ["10.1.0.2"], at: Fixture.start))
        let actions = lifecycle.handle(
            .imagePullFailed(container: "app", failure: .notPresentWithNeverPolicy, message: "", at: Fixture.start))
        let message = "Container image \"nginx:1.27\" is not present with pull policy of Never"
        #expect(
            actions.prefix(2).elementsEqual([
                .recordEvent(
                    KubeletEvent(
                        type: .warning, reason: "ErrImageNeverPull", message: message,
                        fieldPath: "spec.containers{app}", at: Fixture.start)),
                .recordEvent(
                    KubeletEvent(
                        type: .warning, reason: "Failed", message: "Error: ErrImageNeverPull",
                        fieldPath: "spec.containers{app}", at: Fixture.start)),
            ]))
        #expect(actions.last == .wake(at: Fixture.start + 10))
        let waiting = lifecycle.status(now: Fixture.start)["containerStatuses"]?.arrayValue?.first?[
            path: ["state", "waiting"]]
        #expect(waiting == ["reason": "ErrImageNeverPull", "message": .string(message)])
    }

    @Test("a start failure is shown as the waiting reason and retried after 10 s")
    func startFailure() {
        var shell = SimulatedShell(pod: Fixture.pod(containers: [Fixture.container("app")]))
        shell.manualStarts = ["app"]
        shell.advance(by: 0)
        shell.deliver(
            .containerStartFailed(
                container: "app", reason: "CreateContainerConfigError", message: "configmap \"settings\" not found",
                at: shell.now))
        #expect(
            shell.containerStatus("app")?[path: ["state", "waiting"]]
                == ["reason": "CreateContainerConfigError", "message": "configmap \"settings\" not found"])
        #expect(shell.events("Failed").last?.message == "Error: configmap \"settings\" not found")
        shell.manualStarts = []
        shell.advance(by: 10)
        #expect(shell.startTimes("app") == [Fixture.start, Fixture.start + 10])
        #expect(shell.containerStatus("app")?[path: ["state", "running"]] != nil)
    }

    @Test("a new image restarts the running container with it, whatever the restart policy")
    func imageUpdate() {
        var shell = SimulatedShell(pod: Fixture.pod(restartPolicy: "Never", containers: [Fixture.container("app")]))
        shell.advance(by: 10)
        let updated = Fixture.pod(restartPolicy: "Never", containers: [Fixture.container("app", image: "nginx:1.28")])
        shell.deliver(.podUpdated(pod: updated, at: shell.now))
        #expect(shell.events("Killing").map(\.message) == ["Container app definition changed, will be restarted"])
        #expect(
            shell.actions.contains {
                $0.action
                    == .killContainer(
                        container: "app", runtimeID: "app-1", gracePeriodSeconds: 30, reason: .definitionChanged)
            })
        shell.advance(by: 1)
        #expect(
            shell.actions.contains {
                $0.action == .pullImage(container: "app", image: "nginx:1.28", pullPolicy: "IfNotPresent")
            })
        let app = shell.containerStatus("app")
        #expect(app?["image"] == "docker.io/library/nginx:1.28")
        #expect(app?["restartCount"] == 1)
        #expect(app?[path: ["lastState", "terminated", "exitCode"]] == 143)
        #expect(shell.status["phase"] == "Running")
    }

    @Test("a failing postStart hook kills the container and keeps PostStartHookError as the reason")
    func postStartFailure() {
        let pod = Fixture.pod(containers: [
            Fixture.container("app", extra: ["lifecycle": ["postStart": ["exec": ["command": ["false"]]]]])
        ])
        var lifecycle = PodLifecycle(pod: pod, now: Fixture.start)
        _ = lifecycle.handle(.podSandboxReady(podIPs: ["10.1.0.2"], at: Fixture.start))
        _ = lifecycle.handle(
            .imageReady(container: "app", imageID: "sha256:1", imageName: nil, pull: nil, at: Fixture.start))
        let started = lifecycle.handle(.containerStarted(container: "app", runtimeID: "c1", at: Fixture.start))
        #expect(
            started.contains(
                .runPostStartHook(container: "app", runtimeID: "c1", handler: ["exec": ["command": ["false"]]])))
        // Until the hook finishes, the container is not reported running.
        let before = lifecycle.status(now: Fixture.start)["containerStatuses"]?.arrayValue?.first
        #expect(before?[path: ["state", "waiting", "reason"]] == "ContainerCreating")
        let failed = lifecycle.handle(
            .postStartHookFinished(container: "app", runtimeID: "c1", error: "exit status 1", at: Fixture.start + 1))
        let messages = failed.compactMap { action -> String? in
            if case .recordEvent(let event) = action { return "\(event.reason): \(event.message)" }
            return nil
        }
        #expect(messages == ["FailedPostStartHook: PostStartHook failed", "Killing: FailedPostStartHook"])
        #expect(
            failed.contains(
                .killContainer(container: "app", runtimeID: "c1", gracePeriodSeconds: 30, reason: .failedPostStartHook))
        )
        // Once it has exited the hook's output is the waiting message, until a restart succeeds.
        let exited = lifecycle.handle(
            .containerExited(
                container: "app", runtimeID: "c1", exit: ContainerExit(exitCode: 137), at: Fixture.start + 2))
        #expect(exited.contains(.pullImage(container: "app", image: "nginx:1.27", pullPolicy: "IfNotPresent")))
        let waiting = lifecycle.status(now: Fixture.start + 2)["containerStatuses"]?.arrayValue?.first?[
            path: ["state", "waiting"]]
        #expect(waiting == ["reason": "PostStartHookError", "message": "exit status 1"])
    }

    @Test("a failed sandbox is reported and retried after the pod worker's back-off period")
    func sandboxFailure() {
        var lifecycle = PodLifecycle(pod: Fixture.pod(containers: [Fixture.container("app")]), now: Fixture.start)
        _ = lifecycle.handle(.tick(now: Fixture.start))
        let failed = lifecycle.handle(.podSandboxFailed(message: "no IP addresses available", at: Fixture.start))
        #expect(
            failed == [
                .recordEvent(
                    KubeletEvent(
                        type: .warning, reason: "FailedCreatePodSandBox",
                        message: "Failed to create pod sandbox: no IP addresses available", fieldPath: nil,
                        at: Fixture.start)),
                .wake(at: Fixture.start + 10),
            ])
        #expect(lifecycle.handle(.tick(now: Fixture.start + 10)) == [.createPodSandbox])
    }
}
