import KubeTypes

/// Probe workers (upstream `prober/worker.go`): when each probe runs, how results count against
/// the thresholds, and what a result changes. A probe's first run is `initialDelaySeconds` after
/// the container started, then every `periodSeconds`. Until the startup probe has succeeded the
/// other two do not run; liveness and readiness then start at once (or at their initial delay,
/// if later). Probing waits for a postStart hook to finish, since upstream's status shows the
/// container as not yet running until then.
extension PodLifecycle {
    /// Whether a probe of this kind should currently run for this instance.
    func isProbeActive(_ kind: ProbeKind, _ instance: ContainerInstance) -> Bool {
        guard instance.isRunning, !instance.postStartPending, let probe = instance.probes[kind], !probe.onHold
        else { return false }
        switch kind {
        case .startup:
            return !instance.startupPassed && termination == nil && instance.stop == nil
        case .liveness:
            // A terminating pod's liveness and startup probes stop (upstream sets them to Success).
            return instance.startupPassed && termination == nil && instance.stop == nil
        case .readiness:
            return instance.startupPassed
        }
    }

    /// Schedules probes that just became active and asks for every probe that is due.
    mutating func runDueProbes() {
        for index in records.indices {
            guard var instance = records[index].runningInstance else { continue }
            for kind in ProbeKind.allCases {
                guard var probe = instance.probes[kind] else { continue }
                guard isProbeActive(kind, instance) else {
                    if !probe.inFlight { probe.nextDue = nil }
                    instance.probes[kind] = probe
                    continue
                }
                let due = probe.nextDue ?? max(instance.startedAt + probe.spec.initialDelaySeconds, now)
                probe.nextDue = due
                if !probe.inFlight, due <= now {
                    probe.inFlight = true
                    pendingActions.append(
                        .runProbe(
                            ProbeRequest(
                                container: records[index].name, runtimeID: instance.runtimeID, probe: kind,
                                handler: probe.spec.handler, timeoutSeconds: probe.spec.timeoutSeconds, dueAt: due)))
                }
                instance.probes[kind] = probe
            }
            records[index].current = instance
        }
    }

    /// One probe result: an Unhealthy event for every failure, and a changed outcome only once the
    /// same result has come `successThreshold` / `failureThreshold` times in a row.
    mutating func probeFinished(_ index: Int, runtimeID: String, kind: ProbeKind, success: Bool, output: String) {
        guard var instance = records[index].runningInstance, instance.runtimeID == runtimeID,
            var probe = instance.probes[kind], probe.inFlight
        else { return }
        probe.inFlight = false
        // Like upstream's ticker, keep to the period grid: a run that overran skips the ticks it missed.
        let due = probe.nextDue ?? now
        let period = probe.spec.periodSeconds
        probe.nextDue = due + (max(0, now - due) / period + 1) * period
        if !success {
            record(.warning, "Unhealthy", "\(kind.eventName) probe failed: \(output)", container: index)
        }
        defer { records[index].current = instance }
        guard isProbeActive(kind, instance) else {
            instance.probes[kind] = probe
            return
        }
        if probe.lastResult == success {
            probe.resultRun += 1
        } else {
            probe.lastResult = success
            probe.resultRun = 1
        }
        let threshold = success ? probe.spec.successThreshold : probe.spec.failureThreshold
        guard probe.resultRun >= threshold else {
            instance.probes[kind] = probe
            return
        }
        switch (kind, success) {
        case (.startup, true):
            instance.startupPassed = true
            probe.nextDue = nil
        case (.readiness, _):
            instance.ready = success
        case (.liveness, false), (.startup, false):
            // The container will be killed; stop probing it until a new instance appears.
            instance.pendingKill = kind == .liveness ? .livenessProbe : .startupProbe
            probe.onHold = true
            probe.resultRun = 0
            probe.nextDue = nil
        case (.liveness, true):
            break
        }
        instance.probes[kind] = probe
    }
}
