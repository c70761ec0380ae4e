import KubeTypes

/// A finished container instance, as `state.terminated` / `lastState.terminated` shows it.
struct TerminatedState: Sendable, Hashable {
    var exitCode: Int64
    var signal: Int64?
    var reason: String
    var message: String?
    var startedAt: Int64?
    var finishedAt: Int64?
    var runtimeID: String?
}

/// Why a container is not running, shown as `state.waiting` (upstream's reason cache).
struct WaitingState: Sendable, Hashable {
    var reason: String
    var message: String?
}

/// A probe worker's state for one container instance (upstream `prober/worker.go`).
struct ProbeState: Sendable, Hashable {
    var spec: ProbeSpec
    /// When the next run is due; nil while the probe is gated off.
    var nextDue: Int64?
    var inFlight = false
    /// The latest raw result and how many times in a row it came.
    var lastResult: Bool?
    var resultRun = 0
    /// After a liveness or startup failure kills the container, probing stops until a new instance.
    var onHold = false
}

/// A stop the core has begun: Killing event sent, preStop possibly running, signal possibly sent.
struct StopState: Sendable, Hashable {
    enum Step: Sendable, Hashable {
        /// The preStop hook runs until it reports or `deadline` passes.
        case preStop(deadline: Int64)
        /// Waiting to send the stop signal (sidecars wait for the containers after them).
        case awaitingSignal
        /// `killContainer` issued; waiting for the exit.
        case signalled
    }

    var reason: KillReason
    var requestedAt: Int64
    var gracePeriodSeconds: Int64
    var step: Step
}

/// One process incarnation of a container.
struct ContainerInstance: Sendable, Hashable {
    var runtimeID: String
    var startedAt: Int64
    /// The spec's image reference this instance runs, to notice a later change of the spec.
    var specImage: String
    /// The runtime's name for the image, shown in status.
    var image: String
    var imageID: String
    var postStartPending: Bool
    /// `started`: the startup probe passed, or there is none.
    var startupPassed: Bool
    var ready: Bool
    var probes: [ProbeKind: ProbeState]
    /// A kill the probes or the spec asked for, carried out at the next sync.
    var pendingKill: KillReason?
    var stop: StopState?
    /// Set once the process has exited.
    var exit: TerminatedState?

    var isRunning: Bool { exit == nil }
}

/// What the core is waiting on the shell for, for one container.
enum ContainerOperation: Sendable, Hashable {
    case idle
    case pullingImage(image: String)
    /// `specImage` is the spec's reference that was pulled; `imageName` the runtime's name for it.
    case starting(specImage: String, imageName: String, imageID: String)
}

/// Everything the core knows about one container across its restarts.
struct ContainerRecord: Sendable, Hashable {
    var spec: ContainerSpec
    var restartCount = 0
    /// The latest instance, running or exited.
    var current: ContainerInstance?
    /// The instance before `current`, for `lastState`.
    var previousTermination: TerminatedState?
    /// The last failure to (re)start it; cleared when an instance starts.
    var waiting: WaitingState?
    var operation = ContainerOperation.idle
    /// Crash-loop back-off; keyed upstream by the container's spec hash, so a spec change resets it.
    var crashBackoff: BackoffEntry?
    /// The image changed: restart once whatever the restart policy, without back-off.
    var restartForNewSpec = false
    /// No start attempt before this time (back-off expiry or the pod worker's retry after an error).
    var retryAt: Int64?
    var lastBackoffEventAt: Int64?

    init(spec: ContainerSpec) {
        self.spec = spec
    }

    var name: String { spec.name }
    var isRunning: Bool { current?.isRunning ?? false }
    var runningInstance: ContainerInstance? { current.flatMap { $0.isRunning ? $0 : nil } }
    /// The exit of the latest instance, when it is not running.
    var lastExit: TerminatedState? { current?.exit }
    var hasStartedBefore: Bool { current != nil }
    var isStarting: Bool {
        if case .starting = operation { return true }
        return false
    }
}
