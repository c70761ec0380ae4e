import Containerizer
import Foundation
import KubeClient
import KubeTypes
import KubeletCore
import Logging

/// What a pod worker tells its executor about the pod's task.
enum PodWorkerReport: Sendable, Equatable {
    /// Every container that should run has started (the task is TASK_RUNNING).
    case running
    /// Nothing runs any more: `phase` Succeeded or Failed, or `deleted` when the pod was deleted.
    case stopped(phase: String, deleted: Bool, message: String?)
}

/// Shared by every pod worker of a kubelet.
struct PodWorkerContext: Sendable {
    let settings: KubeletSettings
    let client: KubeClient
    let runtime: ContainerRuntime
    let network: PodNetwork?
    let events: EventRecorder
    let logger: Logger
    /// Every Service of the cluster, for the containers' service environment variables.
    let services: Informer
}

/// The shell around one pod's `PodLifecycle`: it feeds the core what happened, carries out what
/// the core decides (sandbox, images, containers, probes, hooks, events), and writes the status
/// the core computes to the API server whenever it changes.
actor PodWorker {
    let context: PodWorkerContext
    let report: @Sendable (PodWorkerReport) async -> Void
    var pod: JSON
    var lifecycle: PodLifecycle
    /// Running container instances by runtime id.
    var containers: [String: RunningContainer] = [:]
    /// Log files of every instance of each container, oldest first (for `logs --previous`).
    var logHistory: [String: [String]] = [:]
    var volumes: PodVolumes
    var attachment: PodNetworkAttachment?
    var hostPorts: [HostPortProxy] = []
    var wakeTask: Task<Void, Never>?
    var lastStatus: JSON?
    var statusDirty = false
    var writingStatus = false
    var reportedRunning = false
    var finished = false
    /// The pod object is gone from the API server (deleted with grace 0 by someone).
    var removed = false
    /// Set by `shutDown`: the node is going away.
    var nodeShuttingDown = false
    var starts = 0
    /// When the worker began, and how far into its start each step was: logged once
    /// the Running status is written (where a pod's start goes, as upstream's pod start SLI).
    let began = ContinuousClock.now
    var startSteps: [(step: String, at: Duration)] = []
    var startLogged = false

    init(pod: JSON, context: PodWorkerContext, report: @escaping @Sendable (PodWorkerReport) async -> Void) {
        self.pod = pod
        self.context = context
        self.report = report
        let now = Self.now()
        let config = KubeletCoreConfig(hostIPs: [context.settings.hostIP])
        lifecycle = PodLifecycle(pod: pod, now: now, config: config)
        volumes = PodVolumes(podDirectory: Self.podDirectory(root: context.settings.root, uid: pod.uid))
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    static func podDirectory(root: String, uid: String) -> String { root + "/pods/" + uid }

    var podDirectory: String { volumes.podDirectory }
    var uid: String { pod.uid }
    var usesHostProcesses: Bool { pod[path: ["spec", "runtimeClassName"]]?.stringValue == "process" }

    func start() { feed(.tick(now: Self.now())) }

    /// A newer version of the pod from the API server's watch.
    func updated(_ pod: JSON) {
        guard pod.uid == uid, !finished else { return }
        self.pod = pod
        feed(.podUpdated(pod: pod, at: Self.now()))
    }

    /// The pod object disappeared without this worker deleting it: stop everything now.
    func vanished() {
        guard !finished else { return }
        removed = true
        feed(.deletionRequested(gracePeriodSeconds: 0, at: Self.now()))
    }

    /// The framework killed the task: stop the pod as a deletion would.
    func kill(gracePeriodSeconds: Int64?) {
        guard !finished else { return }
        let grace = gracePeriodSeconds ?? pod[path: ["spec", "terminationGracePeriodSeconds"]]?.intValue ?? 30
        feed(.deletionRequested(gracePeriodSeconds: grace, at: Self.now()))
    }

    /// The executor is shutting down: stop the pod within `gracePeriodSeconds` and leave its object in place, Failed. Status writes are tried once from now
    /// on: the API server may be going away too, and the sandbox must still be torn down.
    func shutDown(gracePeriodSeconds: Int64) {
        guard !finished else { return }
        nodeShuttingDown = true
        feed(.nodeShutdown(gracePeriodSeconds: gracePeriodSeconds, at: Self.now()))
    }

    // MARK: - The core loop

    func feed(_ input: PodInput) {
        guard !finished else { return }
        let actions = lifecycle.handle(input)
        for action in actions { perform(action) }
        noteStatus()
        if !reportedRunning, lifecycle.phase == "Running" {
            reportedRunning = true
            let report = self.report
            Task { await report(.running) }
        }
    }

    func perform(_ action: PodAction) {
        switch action {
        case .createPodSandbox:
            Task { await createSandbox() }
        case .pullImage(let container, let image, let policy):
            Task { await pullImage(container: container, image: image, policy: policy) }
        case .startContainer(let container, _, _, let restartCount):
            Task { await startContainer(container, restartCount: restartCount) }
        case .runPostStartHook(let container, let runtimeID, let handler):
            Task {
                let error = await runHook(handler, runtimeID: runtimeID, deadline: .seconds(30))
                feed(.postStartHookFinished(container: container, runtimeID: runtimeID, error: error, at: Self.now()))
            }
        case .runPreStopHook(let container, let runtimeID, let handler, let grace):
            Task {
                let error = await runHook(handler, runtimeID: runtimeID, deadline: .seconds(max(1, grace)))
                feed(.preStopHookFinished(container: container, runtimeID: runtimeID, error: error, at: Self.now()))
            }
        case .runProbe(let request):
            Task { await probe(request) }
        case .killContainer(_, let runtimeID, let grace, _):
            if let running = containers[runtimeID] {
                let runtime = context.runtime
                Task { await runtime.stop(running, gracePeriod: .seconds(max(0, grace))) }
            }
        case .recordEvent(let event):
            Task { await record(event) }
        case .podStopped(let deleted):
            Task { await stopped(deleted: deleted) }
        case .wake(let at):
            scheduleWake(at: at)
        }
    }

    func scheduleWake(at time: Int64) {
        wakeTask?.cancel()
        let delay = max(0, Double(time) - Date().timeIntervalSince1970)
        wakeTask = Task {
            try? await Task.sleep(for: .milliseconds(Int64(delay * 1000) + 5))
            guard !Task.isCancelled else { return }
            self.feed(.tick(now: Self.now()))
        }
    }

    // MARK: - Status

    func noteStatus() {
        let status = lifecycle.status(now: Self.now())
        guard status != lastStatus else { return }
        statusDirty = true
        guard !writingStatus else { return }
        writingStatus = true
        Task { await writeStatus() }
    }

    /// Writes the latest status until no newer one is waiting. A merge patch replaces the lists
    /// (conditions, containerStatuses) whole; keys the new status dropped are sent as null.
    func writeStatus() async {
        while statusDirty, !removed {
            statusDirty = false
            let status = lifecycle.status(now: Self.now())
            var patch = status
            for key in (lastStatus?.objectValue ?? [:]).keys where status[key] == nil { patch[key] = .null }
            do {
                _ = try await context.client.patch(
                    .pods, namespace: pod.namespace, name: pod.name,
                    ["metadata": ["uid": .string(uid)], "status": patch], type: .merge, subresource: "status")
                lastStatus = status
                if !startLogged, status["phase"]?.stringValue == "Running" { logStart() }
            } catch let error as KubeAPIError where error.isNotFound {
                removed = true
            } catch {
                if nodeShuttingDown {
                    context.logger.info(
                        "pod status not written", metadata: ["pod": "\(pod.name)", "error": "\(error)"])
                    break
                }
                context.logger.info(
                    "pod status not written; retrying", metadata: ["pod": "\(pod.name)", "error": "\(error)"])
                statusDirty = true
                try? await Task.sleep(for: .seconds(1))
            }
        }
        writingStatus = false
    }

    /// Notes how far into the pod's start `step` was reached (a pod whose containers keep failing
    /// to start notes only its first attempts).
    func startStep(_ step: String) {
        guard !startLogged, startSteps.count < 32 else { return }
        startSteps.append((step, began.duration(to: .now)))
    }

    private func logStart() {
        startStep("running status written")
        startLogged = true
        let steps = startSteps.map { "\($0.step) +\($0.at.wholeMilliseconds) ms" }.joined(separator: ", ")
        context.logger.info("pod started", metadata: ["pod": "\(pod.namespace)/\(pod.name)", "steps": "\(steps)"])
    }

    // MARK: - Events

    func record(_ event: KubeletEvent) async {
        await context.events.record(
            event.type, reason: event.reason, message: event.message,
            about: .pod(pod, fieldPath: event.fieldPath), at: Date(timeIntervalSince1970: Double(event.at)))
    }

    // MARK: - The end

    /// Every container has stopped for good: release the sandbox, delete the pod object when it
    /// was being deleted, and tell the executor.
    func stopped(deleted: Bool) async {
        guard !finished else { return }
        // The last status (Succeeded, Failed, or terminated containers) goes out first.
        while writingStatus { try? await Task.sleep(for: .milliseconds(20)) }
        if statusDirty {
            writingStatus = true
            await writeStatus()
        }
        finished = true
        wakeTask?.cancel()
        await releaseSandbox()
        if deleted, !removed {
            let options: JSON = [
                "apiVersion": "v1", "kind": "DeleteOptions", "gracePeriodSeconds": 0,
                "preconditions": ["uid": .string(uid)],
            ]
            _ = try? await context.client.delete(.pods, namespace: pod.namespace, name: pod.name, options: options)
        }
        let status = lifecycle.status(now: Self.now())
        await report(
            .stopped(
                phase: status["phase"]?.stringValue ?? "Failed", deleted: deleted,
                message: status["message"]?.stringValue))
    }
}

extension Duration {
    /// The duration in whole milliseconds, for logs and the pod status's figures.
    var wholeMilliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
