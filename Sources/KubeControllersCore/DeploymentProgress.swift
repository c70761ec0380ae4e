import KubeTypes

/// Status and conditions: upstream `progress.go` and the status half of `sync.go`. These are what
/// `kubectl rollout status` reads: observedGeneration, updated/available replicas and the
/// Progressing condition's reason.
extension DeploymentSync {
    /// Upstream `DeploymentComplete`: every desired replica updated and available, no old ones
    /// left, and the current generation observed.
    func isComplete(_ candidate: DeploymentStatusModel) -> Bool {
        candidate.updatedReplicas == spec.replicas && candidate.replicas == spec.replicas
            && candidate.availableReplicas == spec.replicas && candidate.observedGeneration >= deployment.generation
    }

    /// Upstream `DeploymentProgressing`: more updated, ready or available pods, or fewer old ones,
    /// than the status the sync started from.
    func isProgressing(_ candidate: DeploymentStatusModel) -> Bool {
        let oldBefore = status.replicas - status.updatedReplicas
        let oldAfter = candidate.replicas - candidate.updatedReplicas
        return candidate.updatedReplicas > status.updatedReplicas || oldAfter < oldBefore
            || candidate.readyReplicas > status.readyReplicas || candidate.availableReplicas > status.availableReplicas
    }

    /// Upstream `DeploymentTimedOut`: no progress recorded for longer than the deadline, unless
    /// the last rollout completed.
    func hasTimedOut(_ candidate: DeploymentStatusModel) -> Bool {
        guard let deadline = spec.progressDeadlineSeconds, let condition = candidate.condition("Progressing") else {
            return false
        }
        switch condition["reason"]?.stringValue {
        case DeploymentConditionReason.newReplicaSetAvailable: return false
        case DeploymentConditionReason.progressDeadlineExceeded: return true
        default:
            guard let since = condition["lastUpdateTime"]?.stringValue.flatMap(Timestamp.parse) else { return false }
            return since + deadline < now
        }
    }

    /// Upstream `checkPausedConditions`: pausing and resuming reset the Progressing condition to
    /// Unknown, so time spent paused never counts against the deadline.
    mutating func checkPausedConditions() {
        guard spec.progressDeadlineSeconds != nil else { return }
        let reason = status.condition("Progressing")?["reason"]?.stringValue
        if reason == DeploymentConditionReason.progressDeadlineExceeded { return }
        let pausedRecorded = reason == DeploymentConditionReason.deploymentPaused
        if spec.paused && !pausedRecorded {
            status.setCondition(
                type: "Progressing", status: "Unknown", reason: DeploymentConditionReason.deploymentPaused,
                message: "Deployment is paused", now: now)
        } else if !spec.paused && pausedRecorded {
            status.setCondition(
                type: "Progressing", status: "Unknown", reason: DeploymentConditionReason.deploymentResumed,
                message: "Deployment is resumed", now: now)
        }
    }

    /// Upstream `calculateStatus`: the counters summed over the ReplicaSets' own statuses, and the
    /// Available condition (at least `replicas - maxUnavailable` available).
    func calculateStatus(all names: [String], newRS: String?) -> DeploymentStatusModel {
        let all = replicaSets(names)
        let available = all.map { $0.statusCount("availableReplicas") }.reduce(0, +)
        let wanted = all.map(\.specReplicas).reduce(0, +)
        var result = DeploymentStatusModel()
        result.observedGeneration = deployment.generation
        result.replicas = all.map { $0.statusCount("replicas") }.reduce(0, +)
        result.updatedReplicas = newRS.flatMap { replicaSet(named: $0) }?.statusCount("replicas") ?? 0
        result.readyReplicas = all.map { $0.statusCount("readyReplicas") }.reduce(0, +)
        result.availableReplicas = available
        result.unavailableReplicas = max(wanted - available, 0)
        result.terminatingReplicas = Self.terminatingReplicas(all)
        result.collisionCount = status.collisionCount
        result.conditions = status.conditions
        if available >= spec.replicas - spec.maxUnavailable {
            result.setCondition(
                type: "Available", status: "True", reason: DeploymentConditionReason.minimumReplicasAvailable,
                message: "Deployment has minimum availability.", now: now)
        } else {
            result.setCondition(
                type: "Available", status: "False", reason: DeploymentConditionReason.minimumReplicasUnavailable,
                message: "Deployment does not have minimum availability.", now: now)
        }
        return result
    }

    /// Upstream `GetTerminatingReplicaCountForReplicaSets`: a ReplicaSet never synced counts 0;
    /// one synced without the field makes the total unknown.
    static func terminatingReplicas(_ replicaSets: [JSON]) -> Int? {
        var total = 0
        for replicaSet in replicaSets {
            let value = replicaSet[path: ["status", "terminatingReplicas"]]?.intValue
            let observed = replicaSet[path: ["status", "observedGeneration"]]?.intValue ?? 0
            if value == nil && observed == 0 { continue }
            guard let value else { return nil }
            total += Int(value)
        }
        return total
    }

    /// Upstream `syncDeploymentStatus`, used when only scaling.
    mutating func syncDeploymentStatus(all names: [String], newRS: String?) {
        status = calculateStatus(all: names, newRS: newRS)
    }

    /// Upstream `syncRolloutStatus`: the counters plus the Progressing condition (complete,
    /// progressing with a fresh lastUpdateTime, or timed out) and ReplicaFailure from the
    /// ReplicaSets.
    mutating func syncRolloutStatus(all names: [String], newRS: String?) {
        var candidate = calculateStatus(all: names, newRS: newRS)
        guard spec.progressDeadlineSeconds != nil else {
            candidate.removeCondition("Progressing")
            finishRolloutStatus(candidate, all: names, newRS: newRS)
            return
        }
        let current = status.condition("Progressing")
        let finished =
            candidate.replicas == candidate.updatedReplicas
            && current?["reason"]?.stringValue == DeploymentConditionReason.newReplicaSetAvailable
        if !finished {
            let subject =
                newRS.map { "ReplicaSet \(GoFormat.quoted($0))" } ?? "Deployment \(GoFormat.quoted(original.name))"
            if isComplete(candidate) {
                candidate.setCondition(
                    type: "Progressing", status: "True", reason: DeploymentConditionReason.newReplicaSetAvailable,
                    message: "\(subject) has successfully progressed.", now: now)
            } else if isProgressing(candidate) {
                // Progress refreshes lastUpdateTime even with an unchanged reason, which the generic
                // condition setter would skip; lastTransitionTime survives while it stays True.
                let time = JSON.string(Timestamp.format(now))
                var condition: JSON = [
                    "type": "Progressing", "status": "True", "lastUpdateTime": time, "lastTransitionTime": time,
                    "reason": .string(DeploymentConditionReason.replicaSetUpdated),
                    "message": .string("\(subject) is progressing."),
                ]
                if let current, current["status"]?.stringValue == "True" {
                    condition["lastTransitionTime"] = current["lastTransitionTime"]
                }
                candidate.removeCondition("Progressing")
                Conditions.set(condition, in: &candidate.conditions)
            } else if hasTimedOut(candidate) {
                candidate.setCondition(
                    type: "Progressing", status: "False", reason: DeploymentConditionReason.progressDeadlineExceeded,
                    message: "\(subject) has timed out progressing.", now: now)
            }
        }
        finishRolloutStatus(candidate, all: names, newRS: newRS)
    }

    /// Copies a ReplicaSet's ReplicaFailure (the new one's first) into the Deployment, and works
    /// out when the progress deadline needs another look.
    private mutating func finishRolloutStatus(_ candidate: DeploymentStatusModel, all names: [String], newRS: String?) {
        var candidate = candidate
        if let failure = replicaFailure(all: names, newRS: newRS) {
            Conditions.set(failure, in: &candidate.conditions)
        } else {
            candidate.removeCondition(ReplicaSetReconciler.replicaFailure)
        }
        status = candidate
        requeueAfter = progressCheckDelay(candidate)
    }

    func replicaFailure(all names: [String], newRS: String?) -> JSON? {
        let ordered = [newRS].compactMap { $0 } + names
        for replicaSet in replicaSets(ordered) {
            let conditions = replicaSet[path: ["status", "conditions"]]?.arrayValue ?? []
            if let failure = Conditions.find(conditions, type: ReplicaSetReconciler.replicaFailure) {
                return [
                    "type": .string(ReplicaSetReconciler.replicaFailure), "status": failure["status"] ?? "True",
                    "lastUpdateTime": failure["lastTransitionTime"] ?? .null,
                    "lastTransitionTime": failure["lastTransitionTime"] ?? .null, "reason": failure["reason"] ?? "",
                    "message": failure["message"] ?? "",
                ]
            }
        }
        return nil
    }

    /// Upstream `requeueStuckDeployment`: a rollout still in progress is looked at again when its
    /// deadline would pass (plus a second against clock skew), or at once if that is under a second.
    func progressCheckDelay(_ candidate: DeploymentStatusModel) -> Int64? {
        guard let deadline = spec.progressDeadlineSeconds, let condition = candidate.condition("Progressing") else {
            return nil
        }
        let reason = condition["reason"]?.stringValue
        if isComplete(candidate) || reason == DeploymentConditionReason.progressDeadlineExceeded
            || reason == DeploymentConditionReason.newReplicaSetAvailable
        {
            return nil
        }
        guard let since = condition["lastUpdateTime"]?.stringValue.flatMap(Timestamp.parse) else { return nil }
        let after = since + deadline - now
        return after < 1 ? 0 : after + 1
    }
}
