import KubeTypes

/// The working state of one Job sync (upstream `syncJob`). Writes become actions; their effects
/// are applied to the local status so later decisions in the same sync see them.
struct JobSync {
    let job: JSON
    let spec: JobSpecView
    let now: Int64
    let expectationsSatisfied: Bool
    let options: JobOptions
    let pods: [JSON]
    var owned: [JSON] = []
    var actions: [JobAction] = []
    var events: [ControllerEvent] = []
    var requeueAfter: Int64?
    var created = 0
    var deleted: [ObjectReference] = []

    // The status being computed.
    var startTime: Int64?
    var succeeded: Int64
    var failed: Int64
    var uncountedSucceeded: [String]
    var uncountedFailed: [String]
    var conditions: [JSON]
    var completionTime: String?
    /// What `writeStatus` computed; nil when the sync ended before the status.
    var computedStatus: JSON?

    init(job: JSON, pods: [JSON], now: Int64, expectationsSatisfied: Bool, options: JobOptions) {
        self.job = job
        self.spec = JobSpecView(job)
        self.now = now
        self.expectationsSatisfied = expectationsSatisfied
        self.options = options
        self.pods = pods.filter { $0.namespace == job.namespace }
        let status = job["status"] ?? .emptyObject
        startTime = status["startTime"]?.stringValue.flatMap(Timestamp.parse)
        succeeded = status["succeeded"]?.intValue ?? 0
        failed = status["failed"]?.intValue ?? 0
        uncountedSucceeded = Self.strings(status[path: ["uncountedTerminatedPods", "succeeded"]])
        uncountedFailed = Self.strings(status[path: ["uncountedTerminatedPods", "failed"]])
        conditions = status["conditions"]?.arrayValue ?? []
        completionTime = status["completionTime"]?.stringValue
    }

    static func strings(_ value: JSON?) -> [String] { value?.arrayValue?.compactMap(\.stringValue) ?? [] }

    var reference: ObjectReference { ObjectReference(job) }

    mutating func run() {
        if JobReconciler.isFinished(job) {
            cleanUpFinished()
            return
        }
        claimPods()
        if job.isBeingDeleted {
            // Going away: whatever is counted no longer matters, and the finalizers would keep
            // the garbage collector's deletes of the pods from finishing.
            removeFinalizers(from: owned.filter(JobReconciler.hasTrackingFinalizer))
            return
        }
        if spec.indexed {
            event(.warning, "UnsupportedCompletionMode", "completionMode Indexed is not supported by this controller")
            return
        }
        if startTime == nil && !spec.suspended { startTime = now }
        countFinishedPods()
        var finished = interimCondition()
        let active = owned.filter(PodState.isActive)
        if finished == nil { finished = failureCondition(active: active) }
        if finished == nil {
            manage(active: active)
            finished = successCondition(activeAfter: active.count + created - deleted.count)
        }
        if let finished { finish(finished, active: active) }
        let tracked = owned.filter {
            JobReconciler.hasTrackingFinalizer($0) && isUncounted($0.uid)
        }
        writeStatus(active: active)
        removeFinalizers(from: tracked)
        actions += events.map { .recordEvent($0) }
    }

    func result() -> JobReconciliation {
        var updated = job
        if let computedStatus { updated["status"] = computedStatus }
        return JobReconciliation(
            actions: actions, job: updated, requeueAfter: requeueAfter, expectedCreations: created,
            expectedDeletions: deleted)
    }

    mutating func event(_ type: ControllerEvent.EventType, _ reason: String, _ message: String) {
        events.append(ControllerEvent(type, reason: reason, message: message))
    }

    mutating func requeue(after seconds: Int64) {
        let seconds = max(1, seconds)
        requeueAfter = min(requeueAfter ?? seconds, seconds)
    }

    // MARK: Ownership

    /// Upstream `getPodsForJob`: adopt matching orphans, release what no longer matches.
    mutating func claimPods() {
        let selector = job.specSelector
        for pod in pods {
            switch ClaimDecision.decide(object: pod, owner: job, selected: selector.matches(pod.labels)) {
            case .owned:
                owned.append(pod)
            case .adopt:
                let patch = OwnerKind.job.adoptionPatch(owner: job, object: pod)
                actions.append(.adoptPod(ObjectReference(pod), patch: patch))
                owned.append(OwnerKind.job.adopted(pod, by: job))
            case .release:
                let patch = OwnerKind.releasePatch(ownerUID: job.uid, object: pod)
                actions.append(.releasePod(ObjectReference(pod), patch: patch))
            case .ignore:
                break
            }
        }
    }

    // MARK: Counting

    func isUncounted(_ uid: String) -> Bool { uncountedSucceeded.contains(uid) || uncountedFailed.contains(uid) }

    /// Upstream `trackJobStatusAndRemoveFinalizers`, split over syncs: a finished pod that still
    /// holds the finalizer is first recorded as uncounted (and its finalizer removed once that is
    /// stored); once its finalizer is gone it moves into the counters. Pods without the finalizer
    /// were counted before, or never tracked.
    mutating func countFinishedPods() {
        let tracked = Dictionary(
            owned.filter(JobReconciler.hasTrackingFinalizer).map { ($0.uid, $0) },
            uniquingKeysWith: { first, _ in first })
        let doneSucceeded = uncountedSucceeded.filter { tracked[$0] == nil }
        let doneFailed = uncountedFailed.filter { tracked[$0] == nil }
        succeeded += Int64(doneSucceeded.count)
        failed += Int64(doneFailed.count)
        uncountedSucceeded.removeAll { doneSucceeded.contains($0) }
        uncountedFailed.removeAll { doneFailed.contains($0) }
        for pod in owned where tracked[pod.uid] != nil && !isUncounted(pod.uid) {
            let phase = PodState.phase(pod)
            if phase == "Succeeded" {
                uncountedSucceeded.append(pod.uid)
            } else if phase == "Failed" || pod.isBeingDeleted {
                // A pod deleted before it finished counts as failed, as upstream's default
                // podReplacementPolicy (TerminatingOrFailed) has it.
                uncountedFailed.append(pod.uid)
            }
        }
    }

    var totalSucceeded: Int { Int(succeeded) + uncountedSucceeded.count }
    var totalFailed: Int { Int(failed) + uncountedFailed.count }

    // MARK: Finishing

    /// A SuccessCriteriaMet or FailureTarget condition an earlier sync set: the Job's fate is
    /// decided and it waits for its pods to be gone.
    func interimCondition() -> JSON? {
        conditions.first {
            ["SuccessCriteriaMet", "FailureTarget"].contains($0["type"]?.stringValue ?? "")
                && $0["status"]?.stringValue == "True"
        }
    }

    func condition(_ type: String, reason: String, message: String) -> JSON {
        let stamp = JSON.string(Timestamp.format(now))
        return [
            "type": .string(type), "status": "True", "lastProbeTime": stamp, "lastTransitionTime": stamp,
            "reason": .string(reason), "message": .string(message),
        ]
    }

    /// Upstream: too many failed pods (or container restarts under OnFailure) or past the active
    /// deadline fails the Job; otherwise a deadline still ahead asks for a sync when it passes.
    mutating func failureCondition(active: [JSON]) -> JSON? {
        if totalFailed > spec.backoffLimit || pastBackoffLimitOnFailure(active: active) {
            return condition(
                "FailureTarget", reason: JobConditionReason.backoffLimitExceeded,
                message: JobConditionReason.backoffLimitMessage)
        }
        guard let deadline = spec.activeDeadlineSeconds, let startTime, !spec.suspended else { return nil }
        if now - startTime >= deadline {
            return condition(
                "FailureTarget", reason: JobConditionReason.deadlineExceeded,
                message: JobConditionReason.deadlineMessage)
        }
        requeue(after: startTime + deadline - now)
        return nil
    }

    /// Upstream `pastBackoffLimitOnFailure`: with restartPolicy OnFailure the kubelet restarts
    /// containers in place, so their restarts stand in for failed pods.
    func pastBackoffLimitOnFailure(active: [JSON]) -> Bool {
        guard spec.restartPolicy == "OnFailure" else { return false }
        var restarts: Int64 = 0
        for pod in active where ["Running", "Pending"].contains(PodState.phase(pod)) {
            for field in ["initContainerStatuses", "containerStatuses"] {
                for status in pod[path: ["status", field]]?.arrayValue ?? [] {
                    restarts += status["restartCount"]?.intValue ?? 0
                }
            }
        }
        return spec.backoffLimit == 0 ? restarts > 0 : restarts >= Int64(spec.backoffLimit)
    }

    /// Upstream: without completions the first success finishes the Job once nothing runs;
    /// with completions, that many successes.
    func successCondition(activeAfter: Int) -> JSON? {
        guard activeAfter == 0 else { return nil }
        let complete = spec.completions.map { totalSucceeded >= $0 } ?? (totalSucceeded > 0)
        guard complete else { return nil }
        return condition(
            "SuccessCriteriaMet", reason: JobConditionReason.completionsReached,
            message: JobConditionReason.completionsMessage)
    }

    /// Records the decided fate, stops what still runs, and once every pod is gone and counted
    /// turns it into the terminal Complete or Failed condition.
    mutating func finish(_ interim: JSON, active: [JSON]) {
        if interimCondition() == nil { conditions.append(interim) }
        let doomed = active.map(ObjectReference.init).filter { victim in !deleted.contains(victim) }
        if !doomed.isEmpty {
            actions.append(.deletePods(doomed))
            deleted += doomed
        }
        let terminating = owned.contains(where: PodState.isTerminating)
        guard active.isEmpty, !terminating, uncountedSucceeded.isEmpty, uncountedFailed.isEmpty else { return }
        let success = interim["type"]?.stringValue == "SuccessCriteriaMet"
        var final = condition(
            success ? "Complete" : "Failed", reason: interim["reason"]?.stringValue ?? "",
            message: interim["message"]?.stringValue ?? "")
        final["lastProbeTime"] = .string(Timestamp.format(now))
        conditions.append(final)
        if success {
            completionTime = Timestamp.format(now)
            event(.normal, "Completed", "Job completed")
        } else {
            event(.warning, final["reason"]?.stringValue ?? "", final["message"]?.stringValue ?? "")
        }
        if let ttl = spec.ttlSecondsAfterFinished { requeue(after: ttl) }
    }

    /// A finished Job: release the pods' finalizers if any remain, and delete the Job once its
    /// ttlSecondsAfterFinished has passed.
    mutating func cleanUpFinished() {
        let mine = pods.filter { $0.controllerUID == job.uid && JobReconciler.hasTrackingFinalizer($0) }
        removeFinalizers(from: mine)
        guard let ttl = spec.ttlSecondsAfterFinished, !job.isBeingDeleted, let finishedAt = finishTime() else {
            return
        }
        if now >= finishedAt + ttl {
            actions.append(.deleteJob(reference))
        } else {
            requeue(after: finishedAt + ttl - now)
        }
    }

    /// Upstream `jobFinishTime`: the Complete or Failed condition's transition time.
    func finishTime() -> Int64? {
        let final = conditions.first {
            ["Complete", "Failed"].contains($0["type"]?.stringValue ?? "") && $0["status"]?.stringValue == "True"
        }
        return final?["lastTransitionTime"]?.stringValue.flatMap(Timestamp.parse)
    }

    mutating func removeFinalizers(from pods: [JSON]) {
        if !pods.isEmpty { actions.append(.removeTrackingFinalizers(pods.map(ObjectReference.init))) }
    }
}
