import KubeTypes

/// Which list of the pod spec a container comes from, which decides how it is started and restarted.
public enum ContainerKind: String, Sendable, Hashable {
    /// `spec.initContainers` without a restart policy: runs to successful completion, one at a time.
    case initContainer
    /// `spec.initContainers` with `restartPolicy: Always`: started in init order, then kept running
    /// beside the app containers, and stopped after them.
    case sidecar
    /// `spec.containers`: started together once the pod is initialized.
    case regular
}

/// The three container probes; the startup probe gates the other two.
public enum ProbeKind: String, Sendable, Hashable, CaseIterable {
    case startup
    case liveness
    case readiness

    /// The word upstream puts in front of "probe failed" in Unhealthy events.
    public var eventName: String {
        switch self {
        case .startup: "Startup"
        case .liveness: "Liveness"
        case .readiness: "Readiness"
        }
    }
}

/// How a pull the shell attempted went wrong; each maps to upstream's waiting reason.
public enum ImagePullFailure: Sendable, Hashable {
    /// The registry or the network failed: `ErrImagePull`, then `ImagePullBackOff` while backing off.
    case pullFailed
    /// `imagePullPolicy: Never` and the image is not on the node: `ErrImageNeverPull`.
    case notPresentWithNeverPolicy
    /// The reference does not parse: `InvalidImageName`.
    case invalidImageName
}

/// Figures of a pull that actually went to a registry, for the Pulled event's text.
public struct ImagePullStats: Sendable, Hashable {
    public var durationMilliseconds: Int64
    /// Time including waiting for a pull slot; equals `durationMilliseconds` when not queued.
    public var totalMilliseconds: Int64
    public var sizeBytes: Int64

    public init(durationMilliseconds: Int64, totalMilliseconds: Int64? = nil, sizeBytes: Int64) {
        self.durationMilliseconds = durationMilliseconds
        self.totalMilliseconds = totalMilliseconds ?? durationMilliseconds
        self.sizeBytes = sizeBytes
    }
}

/// How a container process ended, as the runtime reports it.
public struct ContainerExit: Sendable, Hashable {
    public var exitCode: Int64
    public var oomKilled: Bool
    /// The signal that ended the process, when the runtime knows it.
    public var signal: Int64?
    /// The termination message (from `terminationMessagePath` or the log tail).
    public var message: String?

    public init(exitCode: Int64, oomKilled: Bool = false, signal: Int64? = nil, message: String? = nil) {
        self.exitCode = exitCode
        self.oomKilled = oomKilled
        self.signal = signal
        self.message = message
    }

    /// Upstream's runtime reasons: OOMKilled wins, then Completed for 0 and Error for the rest.
    var reason: String {
        if oomKilled { return "OOMKilled" }
        return exitCode == 0 ? "Completed" : "Error"
    }
}

/// Everything the shell tells the core. Each input carries the time it happened (epoch seconds);
/// the core never reads a clock. Inputs naming a `runtimeID` that is not the container's current
/// instance are stale (a previous incarnation) and are ignored.
public enum PodInput: Sendable, Hashable {
    /// Time passed; send at least at every `wake(at:)` the core asked for.
    case tick(now: Int64)
    /// The pod sandbox (network namespace, volumes) is up; `podIPs` may be empty for host-network pods.
    case podSandboxReady(podIPs: [String], at: Int64)
    /// Setting the sandbox up failed; the core retries after the pod worker's back-off period.
    case podSandboxFailed(message: String, at: Int64)
    /// The shell began a real registry pull (not sent when the image was already present).
    case imagePulling(container: String, at: Int64)
    /// The image is usable. `pull` is nil when it was already present on the node.
    /// `imageName` is the runtime's normalised name (`docker.io/library/nginx:1.27`), if it has one.
    case imageReady(container: String, imageID: String, imageName: String?, pull: ImagePullStats?, at: Int64)
    case imagePullFailed(container: String, failure: ImagePullFailure, message: String, at: Int64)
    /// The container was created and its process started.
    case containerStarted(container: String, runtimeID: String, at: Int64)
    /// Creating or starting failed before a process ran; `reason` is upstream's waiting reason
    /// (`CreateContainerConfigError`, `CreateContainerError`, `RunContainerError`).
    case containerStartFailed(container: String, reason: String, message: String, at: Int64)
    case containerExited(container: String, runtimeID: String, exit: ContainerExit, at: Int64)
    /// `error` is nil when the hook succeeded.
    case postStartHookFinished(container: String, runtimeID: String, error: String?, at: Int64)
    case preStopHookFinished(container: String, runtimeID: String, error: String?, at: Int64)
    /// One probe run; `message` is the probe's output (shown in Unhealthy events on failure).
    case probeResult(
        container: String, runtimeID: String, probe: ProbeKind, success: Bool, message: String, at: Int64)
    /// The API server set `deletionTimestamp` with this grace period.
    case deletionRequested(gracePeriodSeconds: Int64, at: Int64)
    /// The node is going away (the executor was told to shut down): every container stops within
    /// this grace period and the pod ends Failed, as upstream's graceful node shutdown leaves it.
    /// The pod object stays (its controller replaces it).
    case nodeShutdown(gracePeriodSeconds: Int64, at: Int64)
    /// A newer version of the pod object: container images (the only mutable container field),
    /// `activeDeadlineSeconds`, a deletion timestamp, and conditions other controllers own.
    case podUpdated(pod: JSON, at: Int64)

    var time: Int64 {
        switch self {
        case .tick(let now): now
        case .podSandboxReady(_, let at), .podSandboxFailed(_, let at), .imagePulling(_, let at),
            .imageReady(_, _, _, _, let at), .imagePullFailed(_, _, _, let at), .containerStarted(_, _, let at),
            .containerStartFailed(_, _, _, let at), .containerExited(_, _, _, let at),
            .postStartHookFinished(_, _, _, let at), .preStopHookFinished(_, _, _, let at),
            .probeResult(_, _, _, _, _, let at), .deletionRequested(_, let at), .nodeShutdown(_, let at),
            .podUpdated(_, let at):
            at
        }
    }
}
