import KubeTypes

/// Stopping containers: upstream's `killContainer` (Killing event, preStop hook within the grace
/// period, then the stop signal with what is left, never under 2 s) and `SyncTerminatingPod`
/// (stop everything, app containers before sidecars, sidecars in reverse order).
extension PodLifecycle {
    /// Carries out the kills probes, a failed postStart hook or a new image asked for.
    mutating func killContainersAsked() {
        for index in records.indices {
            guard let instance = records[index].runningInstance, instance.stop == nil,
                let reason = instance.pendingKill
            else { continue }
            beginStop(
                index, reason: reason, message: killMessage(index, reason),
                gracePeriodSeconds: killGracePeriod(index, reason))
        }
    }

    /// Upstream's texts for the Killing event of a single container.
    func killMessage(_ index: Int, _ reason: KillReason) -> String {
        let name = records[index].name
        if records[index].spec.kind == .sidecar {
            switch reason {
            case .livenessProbe: return "Init container \(name) failed liveness probe"
            case .startupProbe: return "Init container \(name) failed startup probe"
            case .definitionChanged: return "Init container \(name) definition changed"
            case .failedPostStartHook: return "FailedPostStartHook"
            case .podTermination: return "Stopping container \(name)"
            }
        }
        let restarts = pod.restartPolicy != "Never"
        switch reason {
        case .livenessProbe:
            return "Container \(name) failed liveness probe" + (restarts ? ", will be restarted" : "")
        case .startupProbe:
            return "Container \(name) failed startup probe" + (restarts ? ", will be restarted" : "")
        case .definitionChanged:
            // The spec changed: restarted whatever the restart policy.
            return "Container \(name) definition changed, will be restarted"
        case .failedPostStartHook:
            return "FailedPostStartHook"
        case .podTermination:
            return "Stopping container \(name)"
        }
    }

    /// Upstream's `setTerminationGracePeriod`: the deletion's grace period wins, then the probe's
    /// own `terminationGracePeriodSeconds` for probe kills, then the pod's.
    func killGracePeriod(_ index: Int, _ reason: KillReason) -> Int64 {
        if let deletion { return remaining(of: deletion) }
        let probes = records[index].spec.probes
        switch reason {
        case .livenessProbe:
            if let grace = probes[.liveness]?.terminationGracePeriodSeconds { return grace }
        case .startupProbe:
            if let grace = probes[.startup]?.terminationGracePeriodSeconds { return grace }
        default:
            break
        }
        return pod.terminationGracePeriodSeconds
    }

    func remaining(of termination: Termination) -> Int64 {
        max(0, termination.gracePeriodSeconds - (now - termination.startedAt))
    }

    /// Sends the Killing event and starts the preStop hook; the signal follows in `advanceStops`.
    mutating func beginStop(_ index: Int, reason: KillReason, message: String, gracePeriodSeconds: Int64) {
        guard var instance = records[index].runningInstance, instance.stop == nil else { return }
        record(.normal, "Killing", message, container: index)
        var stop = StopState(
            reason: reason, requestedAt: now, gracePeriodSeconds: gracePeriodSeconds, step: .awaitingSignal)
        if let hook = records[index].spec.preStop, gracePeriodSeconds > 0 {
            stop.step = .preStop(deadline: now + gracePeriodSeconds)
            pendingActions.append(
                .runPreStopHook(
                    container: records[index].name, runtimeID: instance.runtimeID, handler: hook,
                    gracePeriodSeconds: gracePeriodSeconds))
        }
        instance.stop = stop
        instance.pendingKill = nil
        // Liveness and startup probing stops for a container being killed; readiness goes on.
        for kind in [ProbeKind.liveness, .startup] where instance.probes[kind] != nil {
            instance.probes[kind]?.onHold = true
            instance.probes[kind]?.nextDue = nil
        }
        records[index].current = instance
    }

    /// Termination: every running container gets a stop with what is left of the grace period.
    mutating func stopAllContainers() {
        guard let termination else { return }
        for index in records.indices {
            guard let instance = records[index].runningInstance, instance.stop == nil else { continue }
            beginStop(
                index, reason: .podTermination, message: "Stopping container \(records[index].name)",
                gracePeriodSeconds: remaining(of: termination))
        }
    }

    /// Moves stops on: a preStop hook past its deadline gives up, and a container whose turn has
    /// come gets the stop signal with the grace period left after the hook (at least the minimum).
    mutating func advanceStops() {
        for index in records.indices {
            guard var instance = records[index].runningInstance, var stop = instance.stop else { continue }
            if case .preStop(let deadline) = stop.step, now >= deadline {
                stop.step = .awaitingSignal
            }
            if stop.step == .awaitingSignal, maySignal(index) {
                let left = stop.gracePeriodSeconds - (now - stop.requestedAt)
                let grace = max(left, config.minimumGracePeriodSeconds)
                pendingActions.append(
                    .killContainer(
                        container: records[index].name, runtimeID: instance.runtimeID, gracePeriodSeconds: grace,
                        reason: stop.reason))
                stop.step = .signalled
            }
            instance.stop = stop
            records[index].current = instance
        }
    }

    /// During termination a sidecar is signalled only after every app container and every later
    /// sidecar has exited (upstream's termination ordering); everything else straight away.
    func maySignal(_ index: Int) -> Bool {
        guard termination != nil, records[index].spec.kind == .sidecar else { return true }
        for other in records.indices {
            let record = records[other]
            guard record.isRunning || record.isStarting else { continue }
            if record.spec.kind == .regular { return false }
            if record.spec.kind == .sidecar && other > index { return false }
        }
        return true
    }

    mutating func preStopFinished(_ index: Int, runtimeID: String, error: String?) {
        guard var instance = records[index].runningInstance, instance.runtimeID == runtimeID,
            var stop = instance.stop, case .preStop = stop.step
        else { return }
        if error != nil {
            // Upstream keeps the hook's output out of the event so that secrets do not leak.
            record(.warning, "FailedPreStopHook", "PreStopHook failed", container: index)
        }
        stop.step = .awaitingSignal
        instance.stop = stop
        records[index].current = instance
    }

    /// Upstream's graceful node shutdown: terminate within the shutdown's grace period or the
    /// pod's own, whichever is shorter (a termination already under way keeps a shorter one); the
    /// status says why.
    mutating func shutDownForNode(gracePeriodSeconds: Int64) {
        guard !stopped else { return }
        nodeShuttingDown = true
        let grace = max(0, min(gracePeriodSeconds, pod.terminationGracePeriodSeconds))
        if let running = termination, remaining(of: running) <= grace { return }
        termination = Termination(startedAt: now, gracePeriodSeconds: grace)
    }

    static let nodeShutdownReason = "Terminated"
    static let nodeShutdownMessage = "Pod was terminated in response to imminent node shutdown."

    /// Once nothing runs or is being started, the pod is stopped for good.
    mutating func finishTerminationIfDone() {
        guard termination != nil, !stopped else { return }
        if records.contains(where: { $0.isRunning || $0.isStarting }) { return }
        stopped = true
        reportedStoppedDeleted = deletion != nil
        for index in records.indices { records[index].operation = .idle }
        pendingActions.append(.podStopped(deleted: deletion != nil))
    }
}
