import KubeTypes

/// The sync itself (upstream `SyncPod` and `computePodActions`): which containers to start, kill or
/// leave alone, given everything observed so far.
extension PodLifecycle {
    mutating func sync() {
        guard !stopped else { return }
        checkActiveDeadline()
        if termination == nil, let deletion {
            termination = deletion
        }
        if termination == nil {
            syncRunningPod()
        }
        if termination != nil {
            stopAllContainers()
        }
        advanceStops()
        runDueProbes()
        finishTerminationIfDone()
    }

    mutating func syncRunningPod() {
        guard ensureSandbox() else { return }
        killContainersAsked()
        if syncInitContainers() {
            syncRegularContainers()
        }
        // A terminal phase, or every app container done for good while sidecars still run
        // (upstream's KillPod when nothing is left to keep): stop what remains.
        if isTerminalPhase(snapshot().phase) || (initialized && allRegularContainersDone) {
            termination = Termination(startedAt: now, gracePeriodSeconds: pod.terminationGracePeriodSeconds)
        }
    }

    /// The pod passed `activeDeadlineSeconds`: upstream's active deadline handler evicts it with
    /// phase Failed and reason DeadlineExceeded, and the pod worker kills every container.
    mutating func checkActiveDeadline() {
        guard !deadlineExceeded, let deadline = activeDeadline, now >= deadline else { return }
        deadlineExceeded = true
        record(.normal, "DeadlineExceeded", PodLifecycle.deadlineMessage, fieldPath: nil)
        if termination == nil {
            termination = Termination(startedAt: now, gracePeriodSeconds: pod.terminationGracePeriodSeconds)
        }
    }

    static let deadlineMessage = "Pod was active on the node longer than the specified deadline"

    /// Asks for the sandbox once (and again after a failure); true once it is ready.
    mutating func ensureSandbox() -> Bool {
        switch sandbox {
        case .ready:
            return true
        case .requested:
            return false
        case .failed(let retryAt) where now < retryAt:
            return false
        case .absent, .failed:
            sandbox = .requested
            pendingActions.append(.createPodSandbox)
            return false
        }
    }

    // MARK: - Which containers to start

    /// Init containers strictly in order: each plain one must exit 0 before the next starts; a
    /// sidecar must be running and started. Returns true once initialization is complete.
    mutating func syncInitContainers() -> Bool {
        if initialized {
            for index in records.indices where records[index].spec.kind == .sidecar {
                if !records[index].isRunning, records[index].operation == .idle, !allRegularContainersDone {
                    attemptStart(index)
                }
            }
            return true
        }
        for index in records.indices where records[index].spec.kind != .regular {
            let record = records[index]
            if let instance = record.runningInstance {
                if record.spec.kind == .sidecar, instance.startupPassed, !instance.postStartPending { continue }
                return false
            }
            guard record.operation == .idle else { return false }
            if record.spec.kind == .initContainer, let exit = record.lastExit {
                if exit.exitCode == 0 { continue }
                // A failed init container fails the pod under restartPolicy Never (see getPhase).
                if pod.restartPolicy == "Never" { return false }
            }
            attemptStart(index)
            return false
        }
        initialized = true
        return true
    }

    mutating func syncRegularContainers() {
        for index in records.indices where records[index].spec.kind == .regular {
            let record = records[index]
            if record.isRunning || record.operation != .idle { continue }
            if shouldRestart(record) { attemptStart(index) }
        }
    }

    /// Upstream's `ShouldContainerBeRestarted`, plus the one-off restart after an image change.
    func shouldRestart(_ record: ContainerRecord) -> Bool {
        guard termination == nil else { return false }
        guard let exit = record.lastExit else { return !record.isRunning }
        if record.restartForNewSpec || record.spec.kind == .sidecar { return true }
        switch pod.restartPolicy {
        case "Never": return false
        case "OnFailure": return exit.exitCode != 0
        default: return record.spec.kind == .regular || exit.exitCode != 0
        }
    }

    /// No app container runs, is being started, or will be restarted.
    var allRegularContainersDone: Bool {
        records.allSatisfy { record in
            record.spec.kind != .regular
                || (!record.isRunning && record.operation == .idle && record.lastExit != nil && !shouldRestart(record))
        }
    }

    /// One start attempt: crash-loop back-off first (upstream `doBackOff`), then the image.
    mutating func attemptStart(_ index: Int) {
        if let retryAt = records[index].retryAt, now < retryAt { return }
        records[index].retryAt = nil
        if let exit = records[index].lastExit {
            let finishedAt = exit.finishedAt ?? now
            let entry = records[index].crashBackoff
            if config.backoff.isInBackoff(entry, since: finishedAt, now: now), let entry {
                let name = records[index].name
                let delay = GoDuration.string(seconds: entry.seconds)
                records[index].waiting = WaitingState(
                    reason: "CrashLoopBackOff",
                    message: "back-off \(delay) restarting failed container=\(name) pod=\(pod.reference)")
                records[index].retryAt = min(now + config.syncRetrySeconds, finishedAt + entry.seconds)
                record(
                    .warning, "BackOff", "Back-off restarting failed container \(name) in pod \(pod.reference)",
                    container: index)
                return
            }
            records[index].crashBackoff = config.backoff.next(entry, eventTime: finishedAt, now: now)
        }
        ensureImage(index)
    }

    /// Upstream's image manager: honour the per-image pull back-off, otherwise ask for the image.
    mutating func ensureImage(_ index: Int) {
        let spec = records[index].spec
        if let entry = imageBackoff[spec.image], config.backoff.isInBackoffSinceUpdate(entry, now: now) {
            let message = "Back-off pulling image \"\(spec.image)\""
            records[index].waiting = WaitingState(reason: "ImagePullBackOff", message: message)
            records[index].retryAt = min(now + config.syncRetrySeconds, entry.lastUpdate + entry.seconds)
            record(.normal, "BackOff", message, container: index)
            record(.warning, "Failed", "Error: ImagePullBackOff", container: index)
            return
        }
        records[index].operation = .pullingImage(image: spec.image)
        pendingActions.append(.pullImage(container: spec.name, image: spec.image, pullPolicy: spec.pullPolicy))
    }

    // MARK: - Image and start results

    mutating func imagePullBegan(_ index: Int) {
        guard case .pullingImage(let image) = records[index].operation else { return }
        record(.normal, "Pulling", "Pulling image \"\(image)\"", container: index)
    }

    mutating func imageBecameReady(_ index: Int, imageID: String, imageName: String?, pull: ImagePullStats?) {
        guard case .pullingImage(let image) = records[index].operation else { return }
        if let pull {
            let took = GoDuration.string(milliseconds: pull.durationMilliseconds)
            let total = GoDuration.string(milliseconds: pull.totalMilliseconds)
            record(
                .normal, "Pulled",
                "Successfully pulled image \"\(image)\" in \(took) (\(total) including waiting). "
                    + "Image size: \(pull.sizeBytes) bytes.", container: index)
        } else {
            record(
                .normal, "Pulled",
                "Container image \"\(image)\" already present on machine and can be accessed by the pod",
                container: index)
        }
        // A pod told to stop while the pull ran starts nothing new.
        guard termination == nil, deletion == nil, !deadlineExceeded else {
            records[index].operation = .idle
            return
        }
        let record = records[index]
        records[index].operation = .starting(specImage: image, imageName: imageName ?? image, imageID: imageID)
        pendingActions.append(
            .startContainer(
                container: record.name, kind: record.spec.kind, image: image,
                restartCount: record.restartCount + (record.hasStartedBefore ? 1 : 0)))
    }

    mutating func imagePullFailed(_ index: Int, _ failure: ImagePullFailure, message: String) {
        guard case .pullingImage(let image) = records[index].operation else { return }
        records[index].operation = .idle
        records[index].retryAt = now + config.syncRetrySeconds
        let reason: String
        let waitingMessage: String
        switch failure {
        case .pullFailed:
            reason = "ErrImagePull"
            waitingMessage = message
            record(.warning, "Failed", "Failed to pull image \"\(image)\": \(message)", container: index)
            imageBackoff[image] = config.backoff.next(imageBackoff[image], eventTime: now, now: now)
        case .notPresentWithNeverPolicy:
            reason = "ErrImageNeverPull"
            waitingMessage = "Container image \"\(image)\" is not present with pull policy of Never"
            record(.warning, "ErrImageNeverPull", waitingMessage, container: index)
        case .invalidImageName:
            reason = "InvalidImageName"
            waitingMessage = message
            record(.warning, "InspectFailed", message, container: index)
        }
        records[index].waiting = WaitingState(reason: reason, message: waitingMessage)
        record(.warning, "Failed", "Error: \(reason)", container: index)
    }

    mutating func containerStartFailed(_ index: Int, reason: String, message: String) {
        guard records[index].isStarting else { return }
        records[index].operation = .idle
        records[index].waiting = WaitingState(reason: reason, message: message)
        records[index].retryAt = now + config.syncRetrySeconds
        record(.warning, "Failed", "Error: \(message)", container: index)
    }

    mutating func containerStarted(_ index: Int, runtimeID: String) {
        guard case .starting(let specImage, let image, let imageID) = records[index].operation else { return }
        var record = records[index]
        if let previous = record.current {
            record.previousTermination = previous.exit ?? PodLifecycle.unknownTermination
            record.restartCount += 1
        }
        let spec = record.spec
        var instance = ContainerInstance(
            runtimeID: runtimeID, startedAt: now, specImage: specImage, image: image, imageID: imageID,
            postStartPending: spec.postStart != nil, startupPassed: spec.probes[.startup] == nil,
            ready: false, probes: spec.probes.mapValues { ProbeState(spec: $0) }, pendingKill: nil, stop: nil,
            exit: nil)
        // Started from an image the spec no longer names: replace it straight away.
        record.restartForNewSpec = false
        if specImage != spec.image && spec.kind != .initContainer {
            instance.pendingKill = .definitionChanged
            record.restartForNewSpec = true
        }
        record.current = instance
        record.operation = .idle
        record.waiting = nil
        record.retryAt = nil
        records[index] = record
        self.record(.normal, "Created", "Container created", container: index)
        self.record(.normal, "Started", "Container started", container: index)
        if let hook = spec.postStart {
            pendingActions.append(.runPostStartHook(container: spec.name, runtimeID: runtimeID, handler: hook))
        }
    }

    /// A container whose status could not be found any more (upstream's ContainerStatusUnknown).
    static let unknownTermination = TerminatedState(
        exitCode: 137, signal: nil, reason: "ContainerStatusUnknown",
        message: "The container could not be located when the pod was terminated", startedAt: nil,
        finishedAt: nil, runtimeID: nil)

    mutating func containerExited(_ index: Int, runtimeID: String, exit: ContainerExit) {
        // An exit reported before the start was: the start happened, then the exit.
        if records[index].isStarting, records[index].current?.runtimeID != runtimeID {
            containerStarted(index, runtimeID: runtimeID)
        }
        guard var instance = records[index].current, instance.runtimeID == runtimeID, instance.isRunning else {
            return
        }
        instance.exit = TerminatedState(
            exitCode: exit.exitCode, signal: exit.signal, reason: exit.reason, message: exit.message,
            startedAt: instance.startedAt, finishedAt: now, runtimeID: runtimeID)
        instance.ready = false
        instance.stop = nil
        instance.pendingKill = nil
        instance.postStartPending = false
        for kind in instance.probes.keys {
            instance.probes[kind]?.inFlight = false
            instance.probes[kind]?.nextDue = nil
        }
        records[index].current = instance
    }

    mutating func postStartFinished(_ index: Int, runtimeID: String, error: String?) {
        guard var instance = records[index].runningInstance, instance.runtimeID == runtimeID,
            instance.postStartPending
        else { return }
        instance.postStartPending = false
        if let error {
            // Upstream kills the container and remembers PostStartHookError as the waiting reason; the
            // event leaves the hook's output out so that secrets do not leak.
            record(.warning, "FailedPostStartHook", "PostStartHook failed", container: index)
            instance.pendingKill = .failedPostStartHook
            records[index].waiting = WaitingState(reason: "PostStartHookError", message: error)
        }
        records[index].current = instance
    }
}
