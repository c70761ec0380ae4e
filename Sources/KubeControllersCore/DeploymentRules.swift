import KubeTypes

/// Annotation keys and condition vocabulary of the Deployment controller (upstream
/// `pkg/controller/deployment/util`), public so the shell and tests speak the same words.
public enum DeploymentAnnotations {
    public static let revision = "deployment.kubernetes.io/revision"
    public static let revisionHistory = "deployment.kubernetes.io/revision-history"
    public static let desiredReplicas = "deployment.kubernetes.io/desired-replicas"
    public static let maxReplicas = "deployment.kubernetes.io/max-replicas"
    public static let changeCause = "kubernetes.io/change-cause"
    public static let lastAppliedConfiguration = "kubectl.kubernetes.io/last-applied-configuration"
    public static let deprecatedRollbackTo = "deprecated.deployment.rollback.to"

    /// Annotations that stay on the Deployment and are never copied to its ReplicaSets.
    static let notCopied: Set<String> = [
        lastAppliedConfiguration, revision, revisionHistory, desiredReplicas, maxReplicas, deprecatedRollbackTo,
    ]

    /// Upstream `maxRevHistoryLengthInChars`.
    static let revisionHistoryLimitInChars = 2000
}

public enum DeploymentConditionReason {
    public static let replicaSetUpdated = "ReplicaSetUpdated"
    public static let replicaSetCreateError = "ReplicaSetCreateError"
    public static let newReplicaSetCreated = "NewReplicaSetCreated"
    public static let foundNewReplicaSet = "FoundNewReplicaSet"
    public static let newReplicaSetAvailable = "NewReplicaSetAvailable"
    public static let progressDeadlineExceeded = "ProgressDeadlineExceeded"
    public static let deploymentPaused = "DeploymentPaused"
    public static let deploymentResumed = "DeploymentResumed"
    public static let minimumReplicasAvailable = "MinimumReplicasAvailable"
    public static let minimumReplicasUnavailable = "MinimumReplicasUnavailable"
}

/// The parts of a Deployment's spec the controller decides with, read once.
struct DeploymentSpecView {
    let replicas: Int
    let isRollingUpdate: Bool
    let maxSurge: Int
    let maxUnavailable: Int
    let minReadySeconds: Int64
    /// nil means keep every old ReplicaSet.
    let revisionHistoryLimit: Int?
    /// nil means no deadline (unset, or MaxInt32 as upstream treats it).
    let progressDeadlineSeconds: Int64?
    let paused: Bool

    init(_ deployment: JSON) {
        let spec = deployment["spec"] ?? .emptyObject
        replicas = deployment.specReplicas
        let type = spec[path: ["strategy", "type"]]?.stringValue ?? ""
        isRollingUpdate = type == "RollingUpdate" || type.isEmpty
        let rolling = spec[path: ["strategy", "rollingUpdate"]]
        let (surge, unavailable) = Self.fenceposts(
            maxSurge: rolling?["maxSurge"], maxUnavailable: rolling?["maxUnavailable"], desired: replicas)
        maxSurge = isRollingUpdate ? surge : 0
        maxUnavailable = !isRollingUpdate || replicas == 0 ? 0 : min(unavailable, replicas)
        minReadySeconds = spec["minReadySeconds"]?.intValue ?? 0
        revisionHistoryLimit = spec["revisionHistoryLimit"]?.intValue.flatMap { $0 == Int64(Int32.max) ? nil : Int($0) }
        progressDeadlineSeconds = spec["progressDeadlineSeconds"]?.intValue.flatMap {
            $0 == Int64(Int32.max) ? nil : $0
        }
        paused = spec["paused"]?.boolValue ?? false
    }

    /// Upstream `ResolveFenceposts`: surge rounds up, unavailability rounds down, a missing value
    /// is 0, and when both come out 0 (rounding) one pod may be unavailable so the rollout can move.
    static func fenceposts(maxSurge: JSON?, maxUnavailable: JSON?, desired: Int) -> (surge: Int, unavailable: Int) {
        let surge = IntOrPercent.scaledValue(maxSurge, total: desired, roundUp: true)
        let unavailable = IntOrPercent.scaledValue(maxUnavailable, total: desired, roundUp: false)
        return surge == 0 && unavailable == 0 ? (0, 1) : (surge, unavailable)
    }

    /// `spec.replicas + maxSurge`, recorded in the max-replicas annotation.
    var maxReplicas: Int { replicas + maxSurge }
}

// MARK: - ReplicaSet facts

extension JSON {
    /// The revision annotation: 0 when absent, nil when it is not a number.
    var deploymentRevision: Int64? {
        guard let text = annotations[DeploymentAnnotations.revision] else { return 0 }
        return Int64(text)
    }

    func intAnnotation(_ key: String) -> Int? { annotations[key].flatMap { Int($0) } }
}

enum ReplicaSetOrder {
    /// Upstream `ReplicaSetsByCreationTimestamp`: oldest first (a missing time is oldest), ties by name.
    static func byCreation(_ first: JSON, _ second: JSON) -> Bool {
        let (timeA, timeB) = (first.creationTime ?? Int64.min, second.creationTime ?? Int64.min)
        return timeA == timeB ? first.name < second.name : timeA < timeB
    }

    /// Upstream `ReplicaSetsBySizeOlder`: largest first, older first among equals.
    static func bySizeOlder(_ first: JSON, _ second: JSON) -> Bool {
        first.specReplicas == second.specReplicas
            ? byCreation(first, second) : first.specReplicas > second.specReplicas
    }

    /// Upstream `ReplicaSetsBySizeNewer`: largest first, newer first among equals.
    static func bySizeNewer(_ first: JSON, _ second: JSON) -> Bool {
        first.specReplicas == second.specReplicas
            ? byCreation(second, first) : first.specReplicas > second.specReplicas
    }

    /// Upstream `ReplicaSetsByRevision`: lowest revision first, by creation when unparsable or equal.
    static func byRevision(_ first: JSON, _ second: JSON) -> Bool {
        guard let revisionA = first.deploymentRevision, let revisionB = second.deploymentRevision,
            revisionA != revisionB
        else { return byCreation(first, second) }
        return revisionA < revisionB
    }
}

enum ReplicaSetAnnotations {
    /// Upstream `SetReplicasAnnotations`: desired and max replicas; true when either changed.
    @discardableResult
    static func setReplicas(_ replicaSet: inout JSON, desired: Int, max: Int) -> Bool {
        var changed = false
        for (key, value) in [
            (DeploymentAnnotations.desiredReplicas, desired), (DeploymentAnnotations.maxReplicas, max),
        ]
        where replicaSet.annotations[key] != String(value) {
            replicaSet.setAnnotation(key, String(value))
            changed = true
        }
        return changed
    }

    static func replicasNeedUpdate(_ replicaSet: JSON, desired: Int, max: Int) -> Bool {
        replicaSet.annotations[DeploymentAnnotations.desiredReplicas] != String(desired)
            || replicaSet.annotations[DeploymentAnnotations.maxReplicas] != String(max)
    }

    /// Upstream `SetNewReplicaSetAnnotations`: copies the Deployment's annotations (change-cause
    /// among them), raises the revision to `newRevision` keeping the old one in revision-history
    /// (that is a rollback), and for a ReplicaSet about to be created adds the replica annotations.
    static func setNewReplicaSet(
        _ replicaSet: inout JSON, deployment: JSON, spec: DeploymentSpecView, newRevision: Int64, exists: Bool
    ) -> Bool {
        var changed = false
        let current = replicaSet.annotations
        for (key, value) in deployment.annotations.sorted(by: { $0.key < $1.key })
        where !DeploymentAnnotations.notCopied.contains(key) && current[key] != value {
            replicaSet.setAnnotation(key, value)
            changed = true
        }
        let oldText = current[DeploymentAnnotations.revision]
        let oldRevision: Int64
        if let oldText, !oldText.isEmpty {
            // Upstream gives up (reporting no change) on a revision it cannot parse.
            guard let parsed = Int64(oldText) else { return false }
            oldRevision = parsed
        } else {
            oldRevision = 0
        }
        if oldRevision < newRevision {
            replicaSet.setAnnotation(DeploymentAnnotations.revision, String(newRevision))
            changed = true
            if let oldText { appendHistory(&replicaSet, oldRevision: oldText) }
        }
        if !exists && setReplicas(&replicaSet, desired: spec.replicas, max: spec.maxReplicas) { changed = true }
        return changed
    }

    /// Keeps the revisions a re-used ReplicaSet served before, oldest dropped past 2000 characters.
    private static func appendHistory(_ replicaSet: inout JSON, oldRevision: String) {
        let history = replicaSet.annotations[DeploymentAnnotations.revisionHistory] ?? ""
        if history.isEmpty {
            replicaSet.setAnnotation(DeploymentAnnotations.revisionHistory, oldRevision)
            return
        }
        var entries = history.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var totalLength = history.count + oldRevision.count + 1
        var start = 0
        while totalLength > DeploymentAnnotations.revisionHistoryLimitInChars && start < entries.count {
            totalLength -= entries[start].count + 1
            start += 1
        }
        guard totalLength <= DeploymentAnnotations.revisionHistoryLimitInChars else { return }
        entries = Array(entries[start...]) + [oldRevision]
        replicaSet.setAnnotation(DeploymentAnnotations.revisionHistory, entries.joined(separator: ","))
    }
}

// MARK: - Proportional scaling

enum Proportions {
    /// Upstream `GetReplicaSetProportion`: this ReplicaSet's share of `toAdd` (negative when
    /// scaling down), never more than what is left after `added`.
    static func share(
        of replicaSet: JSON, spec: DeploymentSpecView, statusReplicas: Int, toAdd: Int, added: Int
    )
        -> Int
    {
        if replicaSet.specReplicas == 0 || toAdd == 0 || toAdd == added { return 0 }
        let fraction = fraction(of: replicaSet, spec: spec, statusReplicas: statusReplicas)
        let allowed = toAdd - added
        return toAdd > 0 ? min(fraction, allowed) : max(fraction, allowed)
    }

    /// Upstream `getReplicaSetFraction`: the ReplicaSet keeps its share of the old maximum
    /// (max-replicas annotation, or the Deployment's status replicas without one) in the new one.
    static func fraction(of replicaSet: JSON, spec: DeploymentSpecView, statusReplicas: Int) -> Int {
        if spec.replicas == 0 { return -replicaSet.specReplicas }
        var before = replicaSet.intAnnotation(DeploymentAnnotations.maxReplicas) ?? 0
        if before == 0 { before = statusReplicas }
        // Go would divide by zero here; no share is the safe reading of "no known size".
        guard before > 0 else { return 0 }
        let size = Double(replicaSet.specReplicas * spec.maxReplicas) / Double(before)
        return roundToInt(size) - replicaSet.specReplicas
    }

    /// Upstream `integer.RoundToInt32`: halves away from zero.
    static func roundToInt(_ value: Double) -> Int {
        value < 0 ? Int(value - 0.5) : Int(value + 0.5)
    }
}

// MARK: - Status

/// `apps/v1 DeploymentStatus` as upstream's controller computes and compares it.
struct DeploymentStatusModel: Equatable {
    var observedGeneration: Int64 = 0
    var replicas = 0
    var updatedReplicas = 0
    var readyReplicas = 0
    var availableReplicas = 0
    var unavailableReplicas = 0
    var terminatingReplicas: Int?
    var collisionCount: Int64?
    var conditions: [JSON] = []

    init() {}

    init(_ status: JSON?) {
        let status = status ?? .emptyObject
        func count(_ field: String) -> Int { Int(status[field]?.intValue ?? 0) }
        observedGeneration = status["observedGeneration"]?.intValue ?? 0
        replicas = count("replicas")
        updatedReplicas = count("updatedReplicas")
        readyReplicas = count("readyReplicas")
        availableReplicas = count("availableReplicas")
        unavailableReplicas = count("unavailableReplicas")
        terminatingReplicas = status["terminatingReplicas"]?.intValue.map { Int($0) }
        collisionCount = status["collisionCount"]?.intValue
        conditions = status["conditions"]?.arrayValue ?? []
    }

    /// Serialised as Go does it: zero counts omitted (omitempty), pointers kept when set.
    var json: JSON {
        var status = JSON.emptyObject
        let counts = [
            ("replicas", replicas), ("updatedReplicas", updatedReplicas), ("readyReplicas", readyReplicas),
            ("availableReplicas", availableReplicas), ("unavailableReplicas", unavailableReplicas),
        ]
        if observedGeneration != 0 { status["observedGeneration"] = .int(observedGeneration) }
        for (field, value) in counts where value != 0 { status[field] = .int(Int64(value)) }
        if let terminatingReplicas { status["terminatingReplicas"] = .int(Int64(terminatingReplicas)) }
        if !conditions.isEmpty { status["conditions"] = .array(conditions) }
        if let collisionCount { status["collisionCount"] = .int(collisionCount) }
        return status
    }

    func condition(_ type: String) -> JSON? { Conditions.find(conditions, type: type) }

    mutating func setCondition(type: String, status: String, reason: String, message: String, now: Int64) {
        let time = JSON.string(Timestamp.format(now))
        Conditions.set(
            [
                "type": .string(type), "status": .string(status), "lastUpdateTime": time,
                "lastTransitionTime": time, "reason": .string(reason), "message": .string(message),
            ], in: &conditions)
    }

    mutating func removeCondition(_ type: String) { Conditions.remove(type: type, from: &conditions) }
}
