import KubeTypes

/// The strategies: upstream `rolling.go`, `recreate.go` and the scaling half of `sync.go`.
extension DeploymentSync {
    // MARK: Rolling update

    /// Upstream `rolloutRolling`: scale the new ReplicaSet up if surge allows; otherwise scale old
    /// ones down if availability allows; once complete, trim the history.
    mutating func rolloutRolling() {
        let (newName, oldNames) = replicaSetsAndSyncRevision(createIfMissing: true)
        guard !halted, let newName else { return }
        let allNames = oldNames + [newName]
        if reconcileNewReplicaSet(newName, all: allNames) {
            syncRolloutStatus(all: allNames, newRS: newName)
            return
        }
        if reconcileOldReplicaSets(oldNames.filter(isActive), newRS: newName, all: allNames) {
            syncRolloutStatus(all: allNames, newRS: newName)
            return
        }
        if isComplete(status) { cleanupOldReplicaSets(oldNames) }
        syncRolloutStatus(all: allNames, newRS: newName)
    }

    func isActive(_ name: String) -> Bool { (replicaSet(named: name)?.specReplicas ?? 0) > 0 }

    func replicaSets(_ names: [String]) -> [JSON] { names.compactMap { replicaSet(named: $0) } }

    /// Upstream `reconcileNewReplicaSet`: true when the new ReplicaSet was scaled.
    mutating func reconcileNewReplicaSet(_ newName: String, all: [String]) -> Bool {
        guard let newRS = replicaSet(named: newName) else { return false }
        if newRS.specReplicas == spec.replicas { return false }
        if newRS.specReplicas > spec.replicas { return scaleReplicaSet(newName, to: spec.replicas) }
        return scaleReplicaSet(newName, to: newReplicaSetReplicas(all: replicaSets(all), newRS: newRS))
    }

    /// Upstream `reconcileOldReplicaSets`: old pods may go as long as the pods that stay keep
    /// `replicas - maxUnavailable` available, counting the new ReplicaSet's unavailable pods as
    /// lost. Unhealthy old pods go first: removing them costs no availability.
    mutating func reconcileOldReplicaSets(_ activeOld: [String], newRS newName: String, all: [String]) -> Bool {
        let oldCount = replicaSets(activeOld).map(\.specReplicas).reduce(0, +)
        guard oldCount > 0, let newRS = replicaSet(named: newName) else { return false }
        let allCount = replicaSets(all).map(\.specReplicas).reduce(0, +)
        let minAvailable = spec.replicas - spec.maxUnavailable
        let newUnavailable = newRS.specReplicas - newRS.statusCount("availableReplicas")
        let maxScaledDown = allCount - minAvailable - newUnavailable
        guard maxScaledDown > 0 else { return false }
        guard let cleaned = cleanupUnhealthyReplicas(activeOld, maxCleanup: maxScaledDown) else { return false }
        let scaled = scaleDownOldReplicaSetsForRollingUpdate(activeOld, all: activeOld + [newName])
        return cleaned + scaled > 0
    }

    /// Upstream `cleanupUnhealthyReplicas`: oldest first, drop replicas that are not available.
    /// nil when a ReplicaSet reports more available pods than it wants, which upstream treats as
    /// an error that ends the scale-down for this sync.
    mutating func cleanupUnhealthyReplicas(_ oldNames: [String], maxCleanup: Int) -> Int? {
        var total = 0
        for replicaSet in replicaSets(oldNames).sorted(by: ReplicaSetOrder.byCreation) {
            if total >= maxCleanup { break }
            let replicas = replicaSet.specReplicas
            let available = replicaSet.statusCount("availableReplicas")
            if replicas == 0 || replicas == available { continue }
            let count = min(maxCleanup - total, replicas - available)
            guard count >= 0 else { return nil }
            scaleReplicaSet(replicaSet.name, to: replicas - count)
            total += count
        }
        return total
    }

    /// Upstream `scaleDownOldReplicaSetsForRollingUpdate`: remove available old pods beyond the
    /// availability floor, oldest ReplicaSets first.
    mutating func scaleDownOldReplicaSetsForRollingUpdate(_ oldNames: [String], all: [String]) -> Int {
        let minAvailable = spec.replicas - spec.maxUnavailable
        let available = replicaSets(all).map { $0.statusCount("availableReplicas") }.reduce(0, +)
        guard available > minAvailable else { return 0 }
        let toScaleDown = available - minAvailable
        var total = 0
        for replicaSet in replicaSets(oldNames).sorted(by: ReplicaSetOrder.byCreation) {
            if total >= toScaleDown { break }
            if replicaSet.specReplicas == 0 { continue }
            let count = min(replicaSet.specReplicas, toScaleDown - total)
            scaleReplicaSet(replicaSet.name, to: replicaSet.specReplicas - count)
            total += count
        }
        return total
    }

    // MARK: Recreate

    /// Upstream `rolloutRecreate`: scale every old ReplicaSet to zero, wait until none of their
    /// pods is left (terminating ones included), then create or scale the new one to full size.
    mutating func rolloutRecreate(selector: LabelSelector) {
        var (newName, oldNames) = replicaSetsAndSyncRevision(createIfMissing: false)
        if halted { return }
        var allNames = oldNames + [newName].compactMap { $0 }
        if scaleDownOldReplicaSetsForRecreate(oldNames.filter(isActive)) {
            syncRolloutStatus(all: allNames, newRS: newName)
            return
        }
        if oldPodsRunning(newRS: newName, oldRSs: oldNames, podMap: podsByReplicaSet(selector: selector)) {
            syncRolloutStatus(all: allNames, newRS: newName)
            return
        }
        if newName == nil {
            (newName, oldNames) = replicaSetsAndSyncRevision(createIfMissing: true)
            if halted { return }
            allNames = oldNames + [newName].compactMap { $0 }
        }
        guard let newName else { return }
        scaleReplicaSet(newName, to: spec.replicas)
        if isComplete(status) { cleanupOldReplicaSets(oldNames) }
        syncRolloutStatus(all: allNames, newRS: newName)
    }

    mutating func scaleDownOldReplicaSetsForRecreate(_ oldNames: [String]) -> Bool {
        var scaled = false
        for name in oldNames where (replicaSet(named: name)?.specReplicas ?? 0) != 0 {
            if scaleReplicaSet(name, to: 0) { scaled = true }
        }
        return scaled
    }

    /// Upstream `oldPodsRunning`: any old ReplicaSet still counts pods, or any pod of an old
    /// ReplicaSet has not finished (Unknown counts as running).
    func oldPodsRunning(newRS: String?, oldRSs: [String], podMap: [String: [JSON]]) -> Bool {
        if replicaSets(oldRSs).map({ $0.statusCount("replicas") }).reduce(0, +) > 0 { return true }
        for (name, pods) in podMap where name != newRS {
            if pods.contains(where: { !PodState.isTerminal($0) }) { return true }
        }
        return false
    }

    // MARK: Scaling events

    /// Upstream `isScalingEvent`: an active ReplicaSet was sized for a different replica count.
    mutating func isScalingEvent() -> Bool {
        let (newName, oldNames) = replicaSetsAndSyncRevision(createIfMissing: false)
        if halted { return false }
        let active = replicaSets(oldNames + [newName].compactMap { $0 }).filter { $0.specReplicas > 0 }
        return active.contains { replicaSet in
            guard let desired = replicaSet.intAnnotation(DeploymentAnnotations.desiredReplicas) else { return false }
            return desired != spec.replicas
        }
    }

    /// Upstream `sync`: resize without rolling out (a paused Deployment, or a scaling event).
    mutating func syncScaling() {
        let (newName, oldNames) = replicaSetsAndSyncRevision(createIfMissing: false)
        if halted { return }
        scale(newRS: newName, oldRSs: oldNames)
        if halted { return }
        if spec.paused { cleanupOldReplicaSets(oldNames) }
        syncDeploymentStatus(all: oldNames + [newName].compactMap { $0 }, newRS: newName)
    }

    /// Upstream `scale`: one active ReplicaSet takes the whole count; a saturated new ReplicaSet
    /// retires the old ones; otherwise a rolling Deployment spreads the change over its active
    /// ReplicaSets in proportion to their size, so a mid-rollout resize keeps the rollout's shape.
    mutating func scale(newRS newName: String?, oldRSs oldNames: [String]) {
        if let only = activeOrLatest(newRS: newName, oldRSs: oldNames) {
            if replicaSet(named: only)?.specReplicas != spec.replicas { scaleReplicaSet(only, to: spec.replicas) }
            return
        }
        if let newName, let newRS = replicaSet(named: newName), isSaturated(newRS) {
            for name in oldNames where isActive(name) { scaleReplicaSet(name, to: 0) }
            return
        }
        guard spec.isRollingUpdate else { return }
        var active = replicaSets(oldNames + [newName].compactMap { $0 }).filter { $0.specReplicas > 0 }
        let current = active.map(\.specReplicas).reduce(0, +)
        let allowed = spec.replicas > 0 ? spec.maxReplicas : 0
        let toAdd = allowed - current
        if toAdd > 0 { active.sort(by: ReplicaSetOrder.bySizeNewer) }
        if toAdd < 0 { active.sort(by: ReplicaSetOrder.bySizeOlder) }
        var added = 0
        var sizes: [Int] = []
        for replicaSet in active {
            let share =
                toAdd == 0
                ? 0
                : Proportions.share(
                    of: replicaSet, spec: spec, statusReplicas: originalStatus.replicas, toAdd: toAdd, added: added)
            sizes.append(replicaSet.specReplicas + share)
            added += share
        }
        for (index, replicaSet) in active.enumerated() {
            var size = sizes[index]
            // The largest ReplicaSet absorbs the rounding leftovers.
            if index == 0 && toAdd != 0 { size = max(size + toAdd - added, 0) }
            scaleReplicaSet(replicaSet.name, to: size, always: true)
        }
    }

    /// Upstream `FindActiveOrLatest`: the only active ReplicaSet, or the newest when none is.
    func activeOrLatest(newRS newName: String?, oldRSs oldNames: [String]) -> String? {
        let old = replicaSets(oldNames).sorted { ReplicaSetOrder.byCreation($1, $0) }
        if newName == nil && old.isEmpty { return nil }
        let active = (old + replicaSets([newName].compactMap { $0 })).filter { $0.specReplicas > 0 }
        switch active.count {
        case 0: return newName ?? old.first?.name
        case 1: return active[0].name
        default: return nil
        }
    }

    /// Upstream `IsSaturated`: sized for, annotated with and fully available at the desired count.
    func isSaturated(_ replicaSet: JSON) -> Bool {
        guard let desired = replicaSet.intAnnotation(DeploymentAnnotations.desiredReplicas) else { return false }
        return replicaSet.specReplicas == spec.replicas && desired == spec.replicas
            && replicaSet.statusCount("availableReplicas") == spec.replicas
    }

    // MARK: Writes of replica counts

    /// Upstream `scaleReplicaSetAndRecordEvent` (only when the size changes) and, with `always`,
    /// `scaleReplicaSet` (also refreshes stale desired/max-replicas annotations). Returns true
    /// when the size changed.
    @discardableResult
    mutating func scaleReplicaSet(_ name: String, to newScale: Int, always: Bool = false) -> Bool {
        guard var copy = replicaSet(named: name) else { return false }
        let oldScale = copy.specReplicas
        if oldScale == newScale && !always { return false }
        let annotationsStale = ReplicaSetAnnotations.replicasNeedUpdate(
            copy, desired: spec.replicas, max: spec.maxReplicas)
        guard oldScale != newScale || annotationsStale else { return false }
        copy[path: ["spec", "replicas"]] = .int(Int64(newScale))
        ReplicaSetAnnotations.setReplicas(&copy, desired: spec.replicas, max: spec.maxReplicas)
        write(copy)
        guard oldScale != newScale else { return false }
        let direction = oldScale < newScale ? "up" : "down"
        event(.normal, "ScalingReplicaSet", "Scaled \(direction) replica set \(name) from \(oldScale) to \(newScale)")
        return true
    }

    // MARK: History

    /// Upstream `cleanupDeployment`: beyond revisionHistoryLimit, delete the oldest revisions that
    /// are empty, settled and not already going away.
    mutating func cleanupOldReplicaSets(_ oldNames: [String]) {
        guard let limit = spec.revisionHistoryLimit else { return }
        let cleanable = replicaSets(oldNames).filter { !$0.isBeingDeleted }
        let excess = cleanable.count - limit
        guard excess > 0 else { return }
        for replicaSet in cleanable.sorted(by: ReplicaSetOrder.byRevision).prefix(excess) {
            let settled = replicaSet.generation <= (replicaSet[path: ["status", "observedGeneration"]]?.intValue ?? 0)
            guard replicaSet.statusCount("replicas") == 0, replicaSet.specReplicas == 0, settled else { continue }
            actions.append(.deleteReplicaSet(ObjectReference(replicaSet)))
        }
    }
}
