import KubeTypes

/// One write the Job controller wants made, in order. The shell stops at the first failure and
/// requeues, so a tracking finalizer is never removed before the status counting its pod is stored.
public enum JobAction: Sendable, Hashable {
    /// Strategic-merge-patch the pod with `patch` (adds the Job as controller).
    case adoptPod(ObjectReference, patch: JSON)
    /// Strategic-merge-patch the pod with `patch` (removes the Job's owner reference).
    case releasePod(ObjectReference, patch: JSON)
    /// Delete these pods (in parallel); NotFound is success.
    case deletePods([ObjectReference])
    /// Create `count` copies of `pod` (it has `generateName`) in the batches
    /// `ReplicaSetReconciler.slowStartBatches(count)` gives, stopping after a batch with a failure.
    case createPods(count: Int, pod: JSON)
    /// PUT the Job (carrying its cached resourceVersion) to its `/status` subresource.
    case updateStatus(JSON)
    /// Strategic-merge-patch each pod with `JobReconciler.removeFinalizerPatch`: the status
    /// written before counts them, so nothing is lost when they go away.
    case removeTrackingFinalizers([ObjectReference])
    /// Record this event on the Job once the writes before it succeeded.
    case recordEvent(ControllerEvent)
    /// DELETE the finished Job whose ttlSecondsAfterFinished ran out, in the foreground as
    /// upstream's TTL-after-finished controller does, only if it still has this uid.
    case deleteJob(ObjectReference)
}

/// The decisions of one Job sync.
public struct JobReconciliation: Sendable {
    public var actions: [JobAction]
    /// The Job with the status this sync computed.
    public var job: JSON
    /// Seconds after which to sync again (active deadline, pod failure backoff, TTL); nil when
    /// nothing waits on the clock.
    public var requeueAfter: Int64?
    /// Pods created and deleted by this plan, for the shell's expectations.
    public var expectedCreations: Int
    public var expectedDeletions: [ObjectReference]
}

/// Tunables of the Job controller that upstream keeps as constants.
public struct JobOptions: Sendable, Hashable {
    /// Upstream `DefaultJobPodFailureBackOff` and `MaxJobPodFailureBackOff`, in seconds: after
    /// n failures in a row a replacement pod waits base × 2^(n-1), at most the maximum.
    public var podFailureBackoff: Int64
    public var maxPodFailureBackoff: Int64

    public init(podFailureBackoff: Int64 = 10, maxPodFailureBackoff: Int64 = 360) {
        self.podFailureBackoff = podFailureBackoff
        self.maxPodFailureBackoff = maxPodFailureBackoff
    }
}

/// The Job controller's decisions (upstream `pkg/controller/job` for NonIndexed Jobs, and the
/// TTL-after-finished controller): run pods until enough succeed, give up after too many failures
/// or past the active deadline, and count finished pods exactly once through the tracking
/// finalizer and `status.uncountedTerminatedPods`.
public enum JobReconciler {
    public static let trackingFinalizer = "batch.kubernetes.io/job-tracking"
    /// Upstream `MaxPodCreateDeletePerSync`.
    public static let maxPodCreateDeletePerSync = 500

    public static func reconcile(
        job: JSON, pods: [JSON], now: Int64, expectationsSatisfied: Bool = true, options: JobOptions = JobOptions()
    ) -> JobReconciliation {
        var sync = JobSync(
            job: job, pods: pods, now: now, expectationsSatisfied: expectationsSatisfied, options: options)
        sync.run()
        return sync.result()
    }

    /// Complete or Failed: nothing more runs.
    public static func isFinished(_ job: JSON) -> Bool {
        let conditions = job[path: ["status", "conditions"]]?.arrayValue ?? []
        return conditions.contains {
            ["Complete", "Failed"].contains($0["type"]?.stringValue ?? "") && $0["status"]?.stringValue == "True"
        }
    }

    /// True when the pod still holds the finalizer that keeps it until its Job counted it.
    public static func hasTrackingFinalizer(_ pod: JSON) -> Bool {
        (pod[path: ["metadata", "finalizers"]]?.arrayValue ?? []).contains(.string(trackingFinalizer))
    }

    /// Upstream's patch removing the tracking finalizer and nothing else.
    public static let removeFinalizerPatch: JSON = [
        "metadata": ["$deleteFromPrimitiveList/finalizers": [.string(trackingFinalizer)]]
    ]

    /// The pod upstream makes from the template: its labels, annotations and finalizers plus the
    /// tracking finalizer, `generateName: <job>-`, and the Job as controlling owner.
    public static func podFromTemplate(of job: JSON) -> JSON {
        let template = job[path: ["spec", "template"]] ?? .emptyObject
        var metadata: JSON = [
            "generateName": .string(ReplicaSetReconciler.podNamePrefix(job.name)),
            "namespace": .string(job.namespace),
            "ownerReferences": [OwnerKind.job.controllerReference(to: job)],
        ]
        for field in ["labels", "annotations"] {
            if let value = template[path: ["metadata", field]], value != .null { metadata[field] = value }
        }
        var finalizers = template[path: ["metadata", "finalizers"]]?.arrayValue ?? []
        if !finalizers.contains(.string(trackingFinalizer)) { finalizers.append(.string(trackingFinalizer)) }
        metadata["finalizers"] = .array(finalizers)
        return ["apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": template["spec"] ?? .emptyObject]
    }
}

/// Upstream's reasons and messages for Job conditions and events.
public enum JobConditionReason {
    public static let backoffLimitExceeded = "BackoffLimitExceeded"
    public static let deadlineExceeded = "DeadlineExceeded"
    public static let completionsReached = "CompletionsReached"
    static let backoffLimitMessage = "Job has reached the specified backoff limit"
    static let deadlineMessage = "Job was active longer than specified deadline"
    static let completionsMessage = "Reached expected number of succeeded pods"
}

/// The parts of a Job spec the controller reads, with the API server's defaults.
struct JobSpecView {
    let parallelism: Int
    let completions: Int?
    let backoffLimit: Int
    let activeDeadlineSeconds: Int64?
    let ttlSecondsAfterFinished: Int64?
    let suspended: Bool
    let restartPolicy: String
    let indexed: Bool

    init(_ job: JSON) {
        let spec = job["spec"] ?? .emptyObject
        parallelism = Int(spec["parallelism"]?.intValue ?? 1)
        completions = spec["completions"]?.intValue.map(Int.init)
        backoffLimit = Int(spec["backoffLimit"]?.intValue ?? 6)
        activeDeadlineSeconds = spec["activeDeadlineSeconds"]?.intValue
        ttlSecondsAfterFinished = spec["ttlSecondsAfterFinished"]?.intValue
        suspended = spec["suspend"]?.boolValue ?? false
        restartPolicy = spec[path: ["template", "spec", "restartPolicy"]]?.stringValue ?? ""
        indexed = spec["completionMode"]?.stringValue == "Indexed"
    }
}
