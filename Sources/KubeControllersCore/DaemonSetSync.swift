import KubeTypes

/// The working state of one DaemonSet sync: the claimed pods by node and the writes decided so far.
struct DaemonSetSync {
    let daemonSet: JSON
    let nodes: [JSON]
    let now: Int64
    var backoff: FailedPodBackoff
    /// The current revision's hash, the label of up-to-date pods.
    var hash = ""
    var actions: [DaemonSetAction] = []
    /// Pods this DaemonSet controls (after this sync's adoptions), terminal ones included.
    var claimed: [JSON] = []
    var creations: [String] = []
    var deletions: [JSON] = []
    var requeueAfter: Int64?

    init(daemonSet: JSON, nodes: [JSON], now: Int64, backoff: FailedPodBackoff) {
        self.daemonSet = daemonSet
        self.nodes = nodes.sorted { $0.name < $1.name }
        self.now = now
        var backoff = backoff
        backoff.collectGarbage(now: now)
        self.backoff = backoff
    }

    var minReadySeconds: Int64 { daemonSet[path: ["spec", "minReadySeconds"]]?.intValue ?? 0 }

    var generation: Int64? { DaemonSetPods.templateGeneration(daemonSet) }

    var isRollingUpdate: Bool { daemonSet[path: ["spec", "updateStrategy", "type"]]?.stringValue == "RollingUpdate" }

    func isAvailable(_ pod: JSON) -> Bool {
        PodState.isAvailable(pod, minReadySeconds: minReadySeconds, now: now)
    }

    func isUpdated(_ pod: JSON) -> Bool { DaemonSetPods.isUpdated(pod, hash: hash, generation: generation) }

    mutating func requeue(after seconds: Int64) {
        requeueAfter = min(requeueAfter ?? seconds, seconds)
    }

    // MARK: Claiming

    /// Upstream `getDaemonPods`: keeps the pods it controls and selects, adopts selected orphans,
    /// releases the ones it no longer selects.
    mutating func claim(_ pods: [JSON]) {
        let selector = daemonSet.specSelector
        for pod in pods {
            switch ClaimDecision.decide(object: pod, owner: daemonSet, selected: selector.matches(pod.labels)) {
            case .owned:
                claimed.append(pod)
            case .adopt:
                let patch = OwnerKind.daemonSet.adoptionPatch(owner: daemonSet, object: pod)
                actions.append(.patchPod(ObjectReference(pod), patch: patch))
                claimed.append(OwnerKind.daemonSet.adopted(pod, by: daemonSet))
            case .release:
                actions.append(
                    .patchPod(ObjectReference(pod), patch: OwnerKind.releasePatch(ownerUID: daemonSet.uid, object: pod))
                )
            case .ignore:
                break
            }
        }
    }

    /// Upstream `getNodesToDaemonPods`: claimed pods by the node they are for. Terminal pods
    /// already being deleted are only kept when `includeDeletedTerminal` (the manage step waits
    /// for them to go before creating a replacement).
    func podsByNode(includeDeletedTerminal: Bool) -> [String: [JSON]] {
        var byNode: [String: [JSON]] = [:]
        for pod in claimed {
            if !includeDeletedTerminal && PodState.isTerminal(pod) && pod.isBeingDeleted { continue }
            guard let node = DaemonSetPods.targetNode(pod) else { continue }
            byNode[node, default: []].append(pod)
        }
        return byNode
    }

    // MARK: Manage

    /// Upstream `manage`: a pod for every node that should run one and has none; away with
    /// failed and surplus pods and with pods on nodes that should not run them.
    mutating func manage() {
        let byNode = podsByNode(includeDeletedTerminal: true)
        for node in nodes {
            let (run, keep) = DaemonSetPods.shouldRun(on: node, daemonSet: daemonSet)
            let pods = byNode[node.name]
            if run && pods == nil {
                creations.append(node.name)
            } else if keep, let pods {
                keepOne(of: pods, on: node.name)
            } else if !keep, let pods {
                deletions += pods.filter { !$0.isBeingDeleted }
            }
        }
        // Upstream `getUnscheduledPodsWithoutNode`: never-scheduled pods for a node that is gone.
        let names = Set(nodes.map(\.name))
        for (node, pods) in byNode.sorted(by: { $0.key < $1.key }) where !names.contains(node) {
            deletions += pods.filter { PodState.nodeName($0).isEmpty }
        }
    }

    /// Upstream `podsShouldBeOnNode` for a node that should keep running its daemon pod.
    private mutating func keepOne(of pods: [JSON], on node: String) {
        var running: [JSON] = []
        for pod in pods where !pod.isBeingDeleted {
            switch PodState.phase(pod) {
            case "Failed":
                if backoff.isInBackoff(node, now: now) {
                    requeue(after: backoff.remaining(node, now: now))
                    continue
                }
                backoff.next(node, now: now)
                let message =
                    "Found failed daemon pod \(pod.namespace)/\(pod.name) on node \(node), will try to kill it"
                actions.append(
                    .recordEvent(
                        ControllerEvent(.warning, reason: DaemonSetReconciler.failedDaemonPodReason, message: message)))
                deletions.append(pod)
            case "Succeeded":
                deletions.append(pod)
            default:
                running.append(pod)
            }
        }
        guard running.count > 1 else { return }
        running.sort(by: DaemonSetPods.oldestFirst)
        guard surge(desired: 1) > 0 else {
            deletions += running.dropFirst()
            return
        }
        // With surge, an old and a new pod may share the node while the new one is not yet
        // available and the old one is ready; every other pod goes.
        var oldestNew: JSON?
        var oldestOld: JSON?
        for pod in running {
            if pod.labels[DaemonSetPods.revisionHashLabel] == hash {
                if oldestNew == nil {
                    oldestNew = pod
                    continue
                }
            } else if oldestOld == nil {
                oldestOld = pod
                continue
            }
            deletions.append(pod)
        }
        if let oldestNew, let oldestOld, !PodState.isReady(oldestOld) || isAvailable(oldestNew) {
            deletions.append(oldestOld)
        }
    }

    // MARK: Rolling update

    /// Upstream `UnavailableCount`/`SurgeCount` of the RollingUpdate strategy, rounding up.
    func maxUnavailable(desired: Int) -> Int {
        guard isRollingUpdate else { return 0 }
        let value = daemonSet[path: ["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"]]
        return IntOrPercent.scaledValue(value, total: desired, roundUp: true)
    }

    func surge(desired: Int) -> Int {
        guard isRollingUpdate else { return 0 }
        let value = daemonSet[path: ["spec", "updateStrategy", "rollingUpdate", "maxSurge"]]
        return IntOrPercent.scaledValue(value, total: desired, roundUp: true)
    }

    /// Upstream `findUpdatedPodsOnNode`: the node's one new and one old pod; nil when it has more
    /// of either (the manage step sorts that node out first).
    func updatedAndOld(_ pods: [JSON]) -> (new: JSON?, old: JSON?)? {
        var new: JSON?
        var old: JSON?
        for pod in pods where !pod.isBeingDeleted {
            if isUpdated(pod) {
                if new != nil { return nil }
                new = pod
            } else {
                if old != nil { return nil }
                old = pod
            }
        }
        return (new, old)
    }

    /// Upstream `rollingUpdate`: without surge, deletes old pods while fewer than maxUnavailable
    /// nodes lack an available pod (the next manage step creates their replacements); with surge,
    /// creates new pods beside old ones up to maxSurge and deletes an old pod once its node's new
    /// one is available. Old pods that are not available anyway are replaced at once.
    mutating func rollingUpdate() {
        var byNode = podsByNode(includeDeletedTerminal: false)
        var desired = 0
        for node in nodes where DaemonSetPods.shouldRun(on: node, daemonSet: daemonSet).run {
            desired += 1
            if byNode[node.name] == nil { byNode[node.name] = [] }
        }
        let maxSurge = surge(desired: desired)
        var maxUnavailable = maxUnavailable(desired: desired)
        // An impossible strategy (both zero) falls back to one unavailable node, as upstream.
        if desired > 0 && maxSurge == 0 && maxUnavailable == 0 { maxUnavailable = 1 }
        let sorted = byNode.sorted { $0.key < $1.key }
        if maxSurge == 0 {
            deletions += replacementsWithoutSurge(sorted, maxUnavailable: maxUnavailable)
        } else {
            surgeReplacements(sorted, maxSurge: maxSurge)
        }
    }

    private func replacementsWithoutSurge(_ byNode: [(key: String, value: [JSON])], maxUnavailable: Int) -> [JSON] {
        var unavailable = 0
        var replacements: [JSON] = []
        var candidates: [JSON] = []
        for (_, pods) in byNode {
            guard let pair = updatedAndOld(pods) else {
                unavailable += 1
                continue
            }
            let (new, old) = pair
            if let old, new == nil {
                if !isAvailable(old) {
                    replacements.append(old)
                } else if unavailable < maxUnavailable {
                    candidates.append(old)
                }
            } else if new == nil || old != nil || !isAvailable(new!) {
                // No pod, two pods (the manage step decides), or a new pod not yet available.
                unavailable += 1
            }
        }
        let room = min(max(maxUnavailable - unavailable, 0), candidates.count)
        return replacements + candidates.prefix(room)
    }

    private mutating func surgeReplacements(_ byNode: [(key: String, value: [JSON])], maxSurge: Int) {
        var surging = 0
        var allowed: [String] = []
        var candidates: [String] = []
        for (node, pods) in byNode {
            guard let pair = updatedAndOld(pods) else {
                surging += 1
                continue
            }
            let (new, old) = pair
            guard let old else { continue }
            if let new {
                if isAvailable(new) { deletions.append(old) } else { surging += 1 }
            } else if !isAvailable(old) {
                allowed.append(node)
            } else if surging < maxSurge {
                candidates.append(node)
            }
        }
        let room = min(max(maxSurge - surging, 0), candidates.count)
        creations += allowed + candidates.prefix(room)
    }

    // MARK: Writes and status

    /// Upstream `syncNodes`: at most a burst of creates and deletes.
    mutating func writePods() {
        creations = Array(creations.prefix(DaemonSetReconciler.burstReplicas))
        var seen = Set<String>()
        deletions = Array(deletions.filter { seen.insert($0.uid).inserted }.prefix(DaemonSetReconciler.burstReplicas))
        if !deletions.isEmpty { actions.append(.deletePods(deletions.map(ObjectReference.init))) }
        if !creations.isEmpty {
            actions.append(.createPods(creations.map { DaemonSetPods.pod(for: daemonSet, node: $0, hash: hash) }))
        }
    }

    /// Upstream `updateDaemonSetStatus`: counts over the nodes, from the oldest daemon pod of each.
    mutating func status(observeGeneration: Bool) -> JSON {
        let byNode = podsByNode(includeDeletedTerminal: false)
        var counts = (desired: 0, current: 0, misscheduled: 0, ready: 0, updated: 0, available: 0)
        for node in nodes {
            let pods = (byNode[node.name] ?? []).sorted(by: DaemonSetPods.oldestFirst)
            guard DaemonSetPods.shouldRun(on: node, daemonSet: daemonSet).run else {
                if !pods.isEmpty { counts.misscheduled += 1 }
                continue
            }
            counts.desired += 1
            guard let pod = pods.first else { continue }
            counts.current += 1
            if PodState.isReady(pod) {
                counts.ready += 1
                if isAvailable(pod) {
                    counts.available += 1
                } else if let wait = PodState.secondsUntilAvailable(pod, minReadySeconds: minReadySeconds, now: now) {
                    requeue(after: wait)
                }
            }
            if isUpdated(pod) { counts.updated += 1 }
        }
        var status = daemonSet["status"]?.objectValue ?? [:]
        status["desiredNumberScheduled"] = .int(Int64(counts.desired))
        status["currentNumberScheduled"] = .int(Int64(counts.current))
        status["numberMisscheduled"] = .int(Int64(counts.misscheduled))
        status["numberReady"] = .int(Int64(counts.ready))
        // Go's omitempty: zero counts of the optional fields are left out.
        let optional = [
            ("updatedNumberScheduled", counts.updated), ("numberAvailable", counts.available),
            ("numberUnavailable", counts.desired - counts.available),
        ]
        for (field, count) in optional {
            if count == 0 { status.removeValue(forKey: field) } else { status[field] = .int(Int64(count)) }
        }
        if observeGeneration && daemonSet.generation > 0 { status["observedGeneration"] = .int(daemonSet.generation) }
        var result = daemonSet
        result["status"] = .object(status)
        return result
    }

    /// Upstream `storeDaemonSetStatus` skips the write when every count is current and the
    /// generation observed.
    func statusNeedsUpdate(_ updated: JSON) -> Bool {
        let fields = [
            "desiredNumberScheduled", "currentNumberScheduled", "numberMisscheduled", "numberReady",
            "updatedNumberScheduled", "numberAvailable", "numberUnavailable",
        ]
        if fields.contains(where: { daemonSet.statusCount($0) != updated.statusCount($0) }) { return true }
        let observed = daemonSet[path: ["status", "observedGeneration"]]?.intValue ?? 0
        return observed < daemonSet.generation && updated[path: ["status", "observedGeneration"]]?.intValue != observed
    }

    func result(status: JSON?) -> DaemonSetReconciliation {
        var actions = self.actions
        if let status, statusNeedsUpdate(status) { actions.append(.updateStatus(status)) }
        return DaemonSetReconciliation(
            actions: actions, daemonSet: status ?? daemonSet, requeueAfter: requeueAfter,
            expectedCreations: creations.count, expectedDeletions: deletions.map(ObjectReference.init),
            backoff: backoff)
    }
}
