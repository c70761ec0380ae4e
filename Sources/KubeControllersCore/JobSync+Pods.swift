import KubeTypes

/// How many pods a Job runs (upstream `manageJob`), suspension, and the status it reports.
extension JobSync {
    /// Upstream `manageJob` for NonIndexed Jobs: run `parallelism` pods, never more than the
    /// completions still missing, none while suspended; after a failure, a replacement waits out
    /// the pod failure backoff.
    mutating func manage(active: [JSON]) {
        syncSuspension()
        guard expectationsSatisfied else { return }
        let want = wantActive(active: active.count)
        let excess = active.count - want
        if excess > 0 {
            let order = PodDeletionOrder(relatedPods: [], now: now)
            let victims = order.victims(among: active, count: min(excess, JobReconciler.maxPodCreateDeletePerSync))
                .map(ObjectReference.init)
            actions.append(.deletePods(victims))
            deleted += victims
        }
        guard active.count < want else { return }
        let wait = backoffRemaining()
        if wait > 0 {
            requeue(after: wait)
            return
        }
        created = min(want - active.count, JobReconciler.maxPodCreateDeletePerSync)
        actions.append(.createPods(count: created, pod: JobReconciler.podFromTemplate(of: job)))
    }

    func wantActive(active: Int) -> Int {
        if spec.suspended { return 0 }
        guard let completions = spec.completions else {
            // A work queue: once one pod succeeded, what runs may finish but nothing new starts.
            return totalSucceeded > 0 ? active : spec.parallelism
        }
        return max(0, min(completions - totalSucceeded, spec.parallelism))
    }

    /// Upstream: suspending sets Suspended=True; resuming sets it False and restarts the clock of
    /// activeDeadlineSeconds.
    mutating func syncSuspension() {
        if spec.suspended {
            if setCondition("Suspended", status: "True", reason: "JobSuspended", message: "Job suspended") {
                event(.normal, "Suspended", "Job suspended")
            }
        } else if setCondition("Suspended", status: "False", reason: "JobResumed", message: "Job resumed") {
            startTime = now
            event(.normal, "Resumed", "Job resumed")
        }
    }

    /// Upstream `ensureJobConditionStatus`: a condition already at `status` stays as it is; a
    /// False condition that never existed is not added. Returns whether anything changed.
    mutating func setCondition(_ type: String, status: String, reason: String, message: String) -> Bool {
        if let index = conditions.firstIndex(where: { $0["type"]?.stringValue == type }) {
            guard conditions[index]["status"]?.stringValue != status else { return false }
            let stamp = JSON.string(Timestamp.format(now))
            conditions[index]["status"] = .string(status)
            conditions[index]["reason"] = .string(reason)
            conditions[index]["message"] = .string(message)
            conditions[index]["lastProbeTime"] = stamp
            conditions[index]["lastTransitionTime"] = stamp
            return true
        }
        guard status == "True" else { return false }
        conditions.append(condition(type, reason: reason, message: message))
        return true
    }

    /// Seconds a replacement pod still has to wait: base × 2^(n-1) after the last of n failures
    /// since the last success (upstream's backoff record, rebuilt from the pods).
    func backoffRemaining() -> Int64 {
        guard options.podFailureBackoff > 0 else { return 0 }
        let lastSuccess = owned.filter { PodState.phase($0) == "Succeeded" }.map(finishTime).max()
        let failures = owned.filter { PodState.phase($0) == "Failed" }.map(finishTime).filter {
            lastSuccess == nil || $0 > lastSuccess!
        }
        guard let lastFailure = failures.max() else { return 0 }
        let exponent = min(failures.count - 1, 30)
        let delay = min(options.podFailureBackoff << exponent, options.maxPodFailureBackoff)
        return lastFailure + delay - now
    }

    /// When a pod finished: its last container's finishedAt as the kubelet reports it, else its
    /// creation (a pod that never ran), else now.
    func finishTime(_ pod: JSON) -> Int64 {
        var latest: Int64?
        for field in ["initContainerStatuses", "containerStatuses"] {
            for status in pod[path: ["status", field]]?.arrayValue ?? [] {
                if let finished = status[path: ["state", "terminated", "finishedAt"]]?.stringValue.flatMap(
                    Timestamp.parse)
                {
                    latest = max(latest ?? finished, finished)
                }
            }
        }
        return latest ?? pod.creationTime ?? now
    }

    // MARK: Status

    /// Writes the status when it changed. Counts follow upstream's JobStatus: zero counters are
    /// left out (omitempty) but `ready` and `terminating` are always there, and so is
    /// `uncountedTerminatedPods`, empty or not.
    mutating func writeStatus(active: [JSON]) {
        let status = status(active: active)
        computedStatus = status
        guard status != (job["status"] ?? .emptyObject) else { return }
        var updated = job
        updated["status"] = status
        actions.append(.updateStatus(updated))
    }

    func status(active: [JSON]) -> JSON {
        var status = job["status"]?.objectValue ?? [:]
        let remaining = active.filter { pod in !deleted.contains(ObjectReference(pod)) }
        let counts: [(String, Int)] = [
            ("active", remaining.count + created), ("succeeded", Int(succeeded)), ("failed", Int(failed)),
        ]
        for (field, count) in counts { status[field] = count > 0 ? .int(Int64(count)) : nil }
        status["ready"] = .int(Int64(remaining.filter(PodState.isReady).count))
        status["terminating"] = .int(Int64(owned.filter(PodState.isTerminating).count))
        var uncounted: [String: JSON] = [:]
        if !uncountedSucceeded.isEmpty { uncounted["succeeded"] = .array(uncountedSucceeded.map(JSON.string)) }
        if !uncountedFailed.isEmpty { uncounted["failed"] = .array(uncountedFailed.map(JSON.string)) }
        status["uncountedTerminatedPods"] = .object(uncounted)
        status["startTime"] = startTime.map { .string(Timestamp.format($0)) }
        status["conditions"] = conditions.isEmpty ? nil : .array(conditions)
        status["completionTime"] = completionTime.map(JSON.string)
        return .object(status)
    }
}
