import KubeTypes

/// Why the core asks for a container to be stopped.
public enum KillReason: String, Sendable, Hashable {
    /// The pod is being deleted, reached a terminal phase, or ran past its active deadline.
    case podTermination
    case livenessProbe = "LivenessProbe"
    case startupProbe = "StartupProbe"
    /// The container's image changed in the pod spec; it is restarted with the new one.
    case definitionChanged
    case failedPostStartHook = "FailedPostStartHook"
}

/// An event for the pod, in upstream's words; the shell records it against the pod (with the
/// container's `fieldPath` when there is one) and may aggregate repeats as upstream's recorder does.
public struct KubeletEvent: Sendable, Hashable {
    public typealias EventType = KubeEventType

    public var type: EventType
    public var reason: String
    public var message: String
    /// `spec.containers{name}` or `spec.initContainers{name}`; nil for pod-level events.
    public var fieldPath: String?
    public var at: Int64

    public init(type: EventType, reason: String, message: String, fieldPath: String?, at: Int64) {
        self.type = type
        self.reason = reason
        self.message = message
        self.fieldPath = fieldPath
        self.at = at
    }
}

/// A probe the shell should run now and report with `PodInput.probeResult`.
public struct ProbeRequest: Sendable, Hashable {
    public var container: String
    public var runtimeID: String
    public var probe: ProbeKind
    /// The probe object from the spec (`exec`/`httpGet`/`tcpSocket`/`grpc` and its timings).
    public var handler: JSON
    /// The shell reports a failure when the probe has not answered within this time.
    public var timeoutSeconds: Int64
    /// When the probe was due; a late tick means it runs a little after this.
    public var dueAt: Int64
}

/// Everything the core asks the shell to do. Actions that start work are answered by the matching
/// `PodInput`; the core never issues a second one for the same container while one is outstanding.
public enum PodAction: Sendable, Hashable {
    /// Set up the pod sandbox (network, volumes); answer `podSandboxReady` or `podSandboxFailed`.
    case createPodSandbox
    /// Make the image available under `pullPolicy` (`Always`, `IfNotPresent`, `Never`); answer
    /// `imagePulling` when a registry pull begins, then `imageReady` or `imagePullFailed`.
    case pullImage(container: String, image: String, pullPolicy: String)
    /// Create and start the container from the current pod spec; answer `containerStarted` or
    /// `containerStartFailed`. `restartCount` is what the new instance's status will show.
    case startContainer(container: String, kind: ContainerKind, image: String, restartCount: Int)
    /// Run `lifecycle.postStart`; answer `postStartHookFinished`.
    case runPostStartHook(container: String, runtimeID: String, handler: JSON)
    case runProbe(ProbeRequest)
    /// Run `lifecycle.preStop`, giving up after `gracePeriodSeconds`; answer `preStopHookFinished`.
    case runPreStopHook(container: String, runtimeID: String, handler: JSON, gracePeriodSeconds: Int64)
    /// Send the stop signal, then SIGKILL after `gracePeriodSeconds`; answer `containerExited`.
    case killContainer(container: String, runtimeID: String, gracePeriodSeconds: Int64, reason: KillReason)
    case recordEvent(KubeletEvent)
    /// Every container has stopped and none will start again. When `deleted`, the pod was deleted
    /// and the shell now removes it with grace period 0; otherwise the pod reached a terminal phase
    /// and only its sandbox and volumes are released.
    case podStopped(deleted: Bool)
    /// Send `tick` at this time. Every `handle` result ends with at most one `wake`, and it replaces
    /// any earlier one; a result without one means no tick is needed until the next input.
    case wake(at: Int64)
}
