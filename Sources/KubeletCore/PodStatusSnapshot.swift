import KubeTypes

/// One container's status as upstream's `convertToAPIContainerStatuses` and the probe manager
/// would report it, before it becomes JSON.
struct ContainerView: Sendable, Hashable {
    enum State: Sendable, Hashable {
        case waiting(WaitingState)
        case running(startedAt: Int64)
        case terminated(TerminatedState)
    }

    var spec: ContainerSpec
    var state: State
    var lastTerminated: TerminatedState?
    var ready = false
    var started = false
    var restartCount: Int
    var image: String
    var imageID = ""
    var containerID: String?

    var isRunning: Bool {
        if case .running = state { return true }
        return false
    }

    /// Upstream's "has a regular container started": running, finished, or waiting after a run.
    var hasRun: Bool {
        switch state {
        case .running, .terminated: true
        case .waiting: lastTerminated != nil
        }
    }
}

/// A pod condition before its transition time is attached.
struct PodConditionValue: Sendable, Hashable {
    var type: String
    var status: String
    var reason: String?
    var message: String?
}

/// Everything `status(now:)` renders, derived from the lifecycle's state alone.
struct PodStatusSnapshot: Sendable, Hashable {
    var phase: String
    var reason: String?
    var message: String?
    var views: [ContainerView]
    var conditions: [PodConditionValue]
}

func isTerminalPhase(_ phase: String) -> Bool { phase == "Succeeded" || phase == "Failed" }

extension PodLifecycle {
    func snapshot() -> PodStatusSnapshot {
        var views = records.map(view)
        var phase = PodPhaseRules.phase(
            views: views, restartPolicy: pod.restartPolicy, podIsTerminal: stopped,
            podHasInitialized: records.contains { $0.spec.kind == .regular && $0.hasStartedBefore })
        // Upstream kills and restarts a container whose image changed within one sync, so its
        // status never shows the gap; here the gap is real and must not look like the end of the pod.
        if isTerminalPhase(phase), !stopped, records.contains(where: { $0.restartForNewSpec && !$0.isRunning }) {
            phase = "Running"
        }
        if stopped {
            views = PodPhaseRules.finalize(views, initialized: initialized)
            // Upstream's TerminatePod: a stopped pod is never left Pending or Running.
            if !isTerminalPhase(phase) { phase = "Failed" }
        }
        var reason: String?
        var message: String?
        if deadlineExceeded {
            phase = "Failed"
            reason = "DeadlineExceeded"
            message = PodLifecycle.deadlineMessage
        }
        if nodeShuttingDown, phase != "Succeeded" {
            phase = "Failed"
            reason = PodLifecycle.nodeShutdownReason
            message = PodLifecycle.nodeShutdownMessage
        }
        var conditions = PodConditionRules.conditions(
            views: views, phase: phase, sandboxReady: sandbox == .ready && !stopped,
            readinessGates: pod.readinessGates, foreignConditions: pod.foreignConditions)
        if nodeShuttingDown, !pod.foreignConditions.contains(where: { $0["type"]?.stringValue == "DisruptionTarget" }) {
            conditions.append(
                PodConditionValue(
                    type: "DisruptionTarget", status: "True", reason: "TerminationByKubelet",
                    message: PodLifecycle.nodeShutdownMessage))
        }
        return PodStatusSnapshot(
            phase: phase, reason: reason, message: message, views: views, conditions: conditions)
    }

    func view(_ record: ContainerRecord) -> ContainerView {
        let defaultWaiting = WaitingState(
            reason: pod.hasInitContainers ? "PodInitializing" : "ContainerCreating", message: nil)
        var view = ContainerView(
            spec: record.spec, state: .waiting(defaultWaiting), lastTerminated: record.previousTermination,
            restartCount: record.restartCount, image: record.spec.image)
        if let instance = record.current {
            view.image = instance.image
            view.imageID = instance.imageID
            view.containerID = "\(config.runtimeName)://\(instance.runtimeID)"
            if let exit = instance.exit {
                view.state = .terminated(exit)
            } else if !instance.postStartPending {
                view.state = .running(startedAt: instance.startedAt)
                view.started = instance.startupPassed
                let probed = record.spec.probes[.readiness] != nil
                view.ready = record.spec.kind != .initContainer && view.started && (probed ? instance.ready : true)
            }
        }
        // Upstream's reason cache: why the last (re)start failed, while a restart is still due.
        if let waiting = record.waiting, !record.isRunning, wouldRestart(record) {
            if case .terminated(let exit) = view.state { view.lastTerminated = exit }
            view.state = .waiting(waiting)
        }
        if record.spec.kind == .initContainer, case .terminated(let exit) = view.state, exit.exitCode == 0 {
            view.ready = true
        }
        return view
    }

    /// Upstream's `ShouldContainerBeRestarted` as the status conversion uses it: only a deletion,
    /// not a terminal phase, rules restarts out.
    func wouldRestart(_ record: ContainerRecord) -> Bool {
        guard deletion == nil else { return false }
        guard let exit = record.lastExit else { return true }
        if record.spec.kind == .initContainer && exit.exitCode == 0 { return false }
        if record.restartForNewSpec || record.spec.kind == .sidecar { return true }
        switch pod.restartPolicy {
        case "Never": return false
        case "OnFailure": return exit.exitCode != 0
        default: return true
        }
    }

    /// Records when each kubelet condition last changed status (upstream's status manager keeps
    /// `lastTransitionTime` while the status stays the same).
    mutating func markConditionTransitions() {
        for condition in snapshot().conditions {
            if let mark = conditionMarks[condition.type], mark.status == condition.status { continue }
            conditionMarks[condition.type] = ConditionMark(status: condition.status, since: now)
        }
    }
}

/// Upstream's `getPhase` and the container fix-ups of the status manager's `TerminatePod`.
enum PodPhaseRules {
    static func phase(
        views: [ContainerView], restartPolicy: String, podIsTerminal: Bool, podHasInitialized: Bool
    )
        -> String
    {
        var pendingInitialization = 0
        var failedInitialization = 0
        var running = 0
        var waiting = 0
        var stopped = 0
        var succeeded = 0
        for view in views {
            switch (view.spec.kind, view.state) {
            case (.initContainer, .running):
                pendingInitialization += 1
            case (.initContainer, .terminated(let exit)):
                if exit.exitCode != 0 { failedInitialization += 1 }
            case (.initContainer, .waiting):
                if let last = view.lastTerminated {
                    if last.exitCode != 0 { failedInitialization += 1 }
                } else {
                    pendingInitialization += 1
                }
            case (.sidecar, .running):
                if !view.started { pendingInitialization += 1 }
                running += 1
            case (.sidecar, .terminated):
                break
            case (.sidecar, .waiting):
                if view.lastTerminated == nil {
                    pendingInitialization += 1
                    waiting += 1
                }
            case (.regular, .running):
                running += 1
            case (.regular, .terminated(let exit)):
                stopped += 1
                if exit.exitCode == 0 { succeeded += 1 }
            case (.regular, .waiting):
                if view.lastTerminated != nil { stopped += 1 } else { waiting += 1 }
            }
        }
        if failedInitialization > 0 && restartPolicy == "Never" { return "Failed" }
        if (pendingInitialization > 0 && !podHasInitialized) || waiting > 0 { return "Pending" }
        if running > 0 { return "Running" }
        guard stopped > 0 else { return "Pending" }
        if podIsTerminal { return stopped == succeeded ? "Succeeded" : "Failed" }
        if restartPolicy == "Always" { return "Running" }
        if stopped == succeeded { return "Succeeded" }
        return restartPolicy == "Never" ? "Failed" : "Running"
    }

    /// A stopped pod reports every container as terminated: once initialized, app containers that
    /// never ran are marked ContainerStatusUnknown, and so are init containers up to the last one
    /// that shows any sign of having started.
    static func finalize(_ views: [ContainerView], initialized: Bool) -> [ContainerView] {
        var views = views
        let lastStartedInit = views.lastIndex { view in
            guard view.spec.kind != .regular else { return false }
            if case .waiting = view.state { return view.lastTerminated != nil }
            return true
        }
        for index in views.indices {
            if case .terminated = views[index].state { continue }
            let isInit = views[index].spec.kind != .regular
            let mark = isInit ? (lastStartedInit.map { index <= $0 } ?? false) : initialized
            guard mark else { continue }
            views[index].state = .terminated(PodLifecycle.unknownTermination)
            views[index].ready = false
            views[index].started = false
        }
        return views
    }
}
