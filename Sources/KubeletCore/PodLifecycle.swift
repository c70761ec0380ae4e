import KubeTypes

/// Node-wide settings of the kubelet core; the defaults are upstream's.
public struct KubeletCoreConfig: Sendable, Hashable {
    /// The scheme of container IDs in status (`<runtimeName>://<runtime id>`).
    public var runtimeName: String
    /// The node's addresses, for `status.hostIP(s)` (and the pod IPs of host-network pods).
    public var hostIPs: [String]
    /// Crash-loop and image-pull back-off (upstream: 10 s doubling to 300 s for both).
    public var backoff: BackoffPolicy
    /// How soon the pod worker re-syncs a pod whose last sync failed (upstream's `backOffPeriod`).
    public var syncRetrySeconds: Int64
    /// The least time a container gets between the stop signal and SIGKILL.
    public var minimumGracePeriodSeconds: Int64

    public init(
        runtimeName: String = "mesokube", hostIPs: [String] = [], backoff: BackoffPolicy = BackoffPolicy(),
        syncRetrySeconds: Int64 = 10, minimumGracePeriodSeconds: Int64 = 2
    ) {
        self.runtimeName = runtimeName
        self.hostIPs = hostIPs
        self.backoff = backoff
        self.syncRetrySeconds = syncRetrySeconds
        self.minimumGracePeriodSeconds = minimumGracePeriodSeconds
    }
}

/// The kubelet's pod worker for one pod, as a pure state machine: every decision upstream's
/// `SyncPod`, `SyncTerminatingPod`, probe workers and image manager make, with the clock, the
/// runtime and the API server left to the shell.
///
/// Use: create it when the pod is bound to this node, then feed every observation through
/// `handle(_:)` (starting with `.tick(now:)`), carry out the returned actions, and write
/// `status(now:)` to the API server whenever it changes. Each `handle` runs one sync: it applies the
/// input, then decides, level-triggered, what should happen next given everything known.
public struct PodLifecycle: Sendable, Hashable {
    struct Termination: Sendable, Hashable {
        var startedAt: Int64
        var gracePeriodSeconds: Int64
    }

    enum Sandbox: Sendable, Hashable {
        case absent
        case requested
        case failed(retryAt: Int64)
        case ready
    }

    struct ConditionMark: Sendable, Hashable {
        var status: String
        var since: Int64
    }

    let config: KubeletCoreConfig
    var pod: PodModel
    var records: [ContainerRecord]
    /// The latest time any input carried.
    var now: Int64
    let startTime: Int64
    var sandbox = Sandbox.absent
    var podIPs: [String] = []
    /// Image-pull back-off, keyed by image as upstream keys it per pod.
    var imageBackoff: [String: BackoffEntry] = [:]
    /// Latched once every init container has done its part (upstream: a regular container started).
    var initialized = false
    var deletion: Termination?
    var termination: Termination?
    var deadlineExceeded = false
    /// Latched by `nodeShutdown`: the pod is stopping because its node is.
    var nodeShuttingDown = false
    /// Every container has stopped after termination; nothing will run again.
    var stopped = false
    var reportedStoppedDeleted = false
    var conditionMarks: [String: ConditionMark] = [:]
    /// Actions collected during one `handle` call.
    var pendingActions: [PodAction] = []

    public init(pod: JSON, now: Int64, config: KubeletCoreConfig = KubeletCoreConfig()) {
        self.config = config
        self.pod = PodModel(pod)
        self.records = self.pod.containers.map { ContainerRecord(spec: $0) }
        self.now = now
        let recordedStart = pod[path: ["status", "startTime"]]?.stringValue.flatMap(Timestamp.parse)
        self.startTime = recordedStart ?? now
        for condition in self.pod.knownConditions {
            guard let type = condition["type"]?.stringValue, let status = condition["status"]?.stringValue,
                let since = condition["lastTransitionTime"]?.stringValue.flatMap(Timestamp.parse)
            else { continue }
            conditionMarks[type] = ConditionMark(status: status, since: since)
        }
        if let deletion = PodModel.deletion(of: pod) {
            self.deletion = Termination(startedAt: now, gracePeriodSeconds: deletion.grace)
        }
    }

    /// Applies one input, runs a sync, and returns what the shell should do now, ending with a
    /// `wake(at:)` when a later tick is needed.
    public mutating func handle(_ input: PodInput) -> [PodAction] {
        now = max(now, input.time)
        pendingActions = []
        apply(input)
        sync()
        markConditionTransitions()
        if let wake = nextWake { pendingActions.append(.wake(at: wake)) }
        let actions = pendingActions
        pendingActions = []
        return actions
    }

    /// True once every container has stopped for good (after deletion or a terminal phase).
    public var isStopped: Bool { stopped }

    /// True once the pod has been asked to stop: deleted, finished, or past its active deadline.
    public var isTerminating: Bool { termination != nil }

    /// The pod phase the next status will carry.
    public var phase: String { snapshot().phase }

    /// When the core next needs a tick (the same time the last `wake` action named), if ever.
    public var nextWakeTime: Int64? { nextWake }

    // MARK: - Inputs

    mutating func apply(_ input: PodInput) {
        switch input {
        case .tick:
            break
        case .podSandboxReady(let ips, _):
            sandbox = .ready
            podIPs = ips
        case .podSandboxFailed(let message, _):
            sandbox = .failed(retryAt: now + config.syncRetrySeconds)
            record(.warning, "FailedCreatePodSandBox", "Failed to create pod sandbox: \(message)", fieldPath: nil)
        case .imagePulling(let name, _):
            withRecord(name) { lifecycle, index in lifecycle.imagePullBegan(index) }
        case .imageReady(let name, let imageID, let imageName, let pull, _):
            withRecord(name) { lifecycle, index in
                lifecycle.imageBecameReady(index, imageID: imageID, imageName: imageName, pull: pull)
            }
        case .imagePullFailed(let name, let failure, let message, _):
            withRecord(name) { lifecycle, index in lifecycle.imagePullFailed(index, failure, message: message) }
        case .containerStarted(let name, let runtimeID, _):
            withRecord(name) { lifecycle, index in lifecycle.containerStarted(index, runtimeID: runtimeID) }
        case .containerStartFailed(let name, let reason, let message, _):
            withRecord(name) { lifecycle, index in
                lifecycle.containerStartFailed(index, reason: reason, message: message)
            }
        case .containerExited(let name, let runtimeID, let exit, _):
            withRecord(name) { lifecycle, index in lifecycle.containerExited(index, runtimeID: runtimeID, exit: exit) }
        case .postStartHookFinished(let name, let runtimeID, let error, _):
            withRecord(name) { lifecycle, index in
                lifecycle.postStartFinished(index, runtimeID: runtimeID, error: error)
            }
        case .preStopHookFinished(let name, let runtimeID, let error, _):
            withRecord(name) { lifecycle, index in lifecycle.preStopFinished(index, runtimeID: runtimeID, error: error)
            }
        case .probeResult(let name, let runtimeID, let probe, let success, let message, _):
            withRecord(name) { lifecycle, index in
                lifecycle.probeFinished(index, runtimeID: runtimeID, kind: probe, success: success, output: message)
            }
        case .deletionRequested(let grace, _):
            requestDeletion(gracePeriodSeconds: grace)
        case .nodeShutdown(let grace, _):
            shutDownForNode(gracePeriodSeconds: grace)
        case .podUpdated(let object, _):
            podUpdated(object)
        }
    }

    mutating func withRecord(_ name: String, _ body: (inout PodLifecycle, Int) -> Void) {
        guard let index = records.firstIndex(where: { $0.name == name }) else { return }
        body(&self, index)
    }

    mutating func record(_ type: KubeletEvent.EventType, _ reason: String, _ message: String, fieldPath: String?) {
        pendingActions.append(
            .recordEvent(KubeletEvent(type: type, reason: reason, message: message, fieldPath: fieldPath, at: now)))
    }

    mutating func record(_ type: KubeletEvent.EventType, _ reason: String, _ message: String, container index: Int) {
        record(type, reason, message, fieldPath: records[index].spec.fieldPath)
    }

    mutating func requestDeletion(gracePeriodSeconds: Int64) {
        let grace = max(0, gracePeriodSeconds)
        if let existing = deletion, existing.gracePeriodSeconds - (now - existing.startedAt) <= grace { return }
        deletion = Termination(startedAt: now, gracePeriodSeconds: grace)
        // A shorter grace period shortens a termination already under way, as upstream allows.
        if let running = termination, running.gracePeriodSeconds - (now - running.startedAt) > grace {
            termination = Termination(startedAt: now, gracePeriodSeconds: grace)
        }
        if stopped && !reportedStoppedDeleted {
            reportedStoppedDeleted = true
            pendingActions.append(.podStopped(deleted: true))
        }
    }

    /// Only images (and pod-level fields such as the active deadline) may change on a pod. A running
    /// app or sidecar container whose image changed is killed and started again with the new one,
    /// as upstream does when a container's spec hash changes.
    mutating func podUpdated(_ object: JSON) {
        let updated = PodModel(object)
        for spec in updated.containers {
            guard let index = records.firstIndex(where: { $0.name == spec.name }),
                records[index].spec.image != spec.image
            else { continue }
            records[index].spec.image = spec.image
            records[index].spec.pullPolicy = spec.pullPolicy
            // The back-off key includes the spec hash: a new image starts a fresh back-off.
            records[index].crashBackoff = nil
            records[index].retryAt = nil
            if records[index].spec.kind != .initContainer, records[index].isRunning {
                requestRestartForNewSpec(index)
            }
        }
        pod.activeDeadlineSeconds = updated.activeDeadlineSeconds
        pod.generation = updated.generation ?? pod.generation
        pod.foreignConditions = updated.foreignConditions
        if let deletion = PodModel.deletion(of: object) {
            requestDeletion(gracePeriodSeconds: deletion.grace)
        }
    }

    mutating func requestRestartForNewSpec(_ index: Int) {
        guard var instance = records[index].current, instance.isRunning, instance.stop == nil else { return }
        instance.pendingKill = .definitionChanged
        records[index].current = instance
        records[index].restartForNewSpec = true
    }

    // MARK: - Timers

    /// The earliest future time a sync has something to do, if any.
    var nextWake: Int64? {
        guard !stopped else { return nil }
        var candidates: [Int64] = []
        if case .failed(let retryAt) = sandbox { candidates.append(retryAt) }
        if let deadline = activeDeadline, !deadlineExceeded { candidates.append(deadline) }
        for record in records {
            if let retryAt = record.retryAt, record.operation == .idle, !record.isRunning, termination == nil {
                candidates.append(retryAt)
            }
            guard let instance = record.runningInstance else { continue }
            if case .preStop(let deadline) = instance.stop?.step { candidates.append(deadline) }
            for probe in instance.probes.values where !probe.inFlight {
                if let due = probe.nextDue { candidates.append(due) }
            }
        }
        return candidates.filter { $0 > now }.min()
    }

    var activeDeadline: Int64? {
        pod.activeDeadlineSeconds.map { startTime + $0 }
    }
}
