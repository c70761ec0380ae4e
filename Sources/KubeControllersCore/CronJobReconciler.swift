import Foundation
import KubeTypes

/// A write the CronJob controller wants made, in order. Results the core must see (the created
/// Job's uid, a successful delete) are folded back in with `CronJobReconciler.jobCreated` and
/// `jobDeleted`, so the status written at the end says what really happened.
public enum CronJobAction: Sendable, Hashable {
    case recordEvent(ControllerEvent)
    /// DELETE this Job (propagation Background, uid precondition): a running Job replaced under
    /// `concurrencyPolicy: Replace`, or a finished one past its history limit.
    case deleteJob(ObjectReference)
    /// POST this Job, created for the schedule time `scheduledTime`.
    case createJob(JSON, scheduledTime: Int64)
}

/// The decisions of one CronJob sync.
public struct CronJobReconciliation: Sendable {
    /// The CronJob with its status as this sync found it (finished and missing Jobs out of
    /// `status.active`, `lastSuccessfulTime`); the shell folds its writes' results in.
    public var cronJob: JSON
    public var actions: [CronJobAction]
    /// Finished Jobs past the history limits, to delete after the create.
    public var cleanup: [ObjectReference]
    /// Seconds until the next schedule time (plus a second, since `now` is truncated); nil
    /// when nothing is scheduled (suspended, unparsable, never firing).
    public var requeueAfter: Int64?
}

/// The CronJob controller's decisions (upstream `pkg/controller/cronjob`, ControllerV2): create
/// the Job for the most recent unmet schedule time, within the starting deadline and the
/// concurrency policy, keep `status.active` in line with the Jobs, and delete finished Jobs past
/// the history limits.
public enum CronJobReconciler {
    public static let scheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp"
    /// Upstream's bound on counted missed start times before it warns instead.
    static let tooManyMissed: Int64 = 100

    public static func reconcile(cronJob: JSON, jobs: [JSON], now: Int64) -> CronJobReconciliation {
        let owned = jobs.filter { $0.namespace == cronJob.namespace && $0.controllerUID == cronJob.uid }
            .sorted { $0.name < $1.name }
        var sync = CronJobSync(cronJob: cronJob, now: now)
        sync.trackJobs(owned)
        sync.schedule()
        var result = sync.result
        result.cleanup = historyVictims(of: cronJob, jobs: owned)
        return result
    }

    /// The CronJob after its Job was created (or found created by an earlier sync): the Job
    /// joins `status.active` and the schedule time becomes `lastScheduleTime`.
    public static func jobCreated(_ job: JSON, scheduledTime: Int64, in cronJob: JSON) -> JSON {
        var updated = cronJob
        var active = cronJob[path: ["status", "active"]]?.arrayValue ?? []
        if !active.contains(where: { $0["uid"]?.stringValue == job.uid }) { active.append(reference(to: job)) }
        updated[path: ["status", "active"]] = .array(active)
        updated[path: ["status", "lastScheduleTime"]] = .string(Timestamp.format(scheduledTime))
        return updated
    }

    /// The CronJob after one of its Jobs was deleted: no longer active.
    public static func jobDeleted(_ job: ObjectReference, in cronJob: JSON) -> JSON {
        var updated = cronJob
        let active = cronJob[path: ["status", "active"]]?.arrayValue ?? []
        let remaining = active.filter { $0["uid"]?.stringValue != job.uid }
        if remaining.count != active.count {
            updated[path: ["status", "active"]] = remaining.isEmpty ? nil : .array(remaining)
        }
        return updated
    }

    /// True when the Job was created for this CronJob (it is the Job's controller).
    public static func isControlled(_ job: JSON, by cronJob: JSON) -> Bool { job.controllerUID == cronJob.uid }

    /// The `status.active` entries, for the shell to check against the API server those its
    /// cache does not show yet (upstream looks each one up before calling it missing).
    public static func activeReferences(of cronJob: JSON) -> [ObjectReference] {
        (cronJob[path: ["status", "active"]]?.arrayValue ?? []).map {
            ObjectReference(
                namespace: $0["namespace"]?.stringValue ?? cronJob.namespace, name: $0["name"]?.stringValue ?? "",
                uid: $0["uid"]?.stringValue ?? "")
        }
    }

    /// Upstream `getRef`: the Job as an ObjectReference.
    static func reference(to job: JSON) -> JSON {
        [
            "apiVersion": "batch/v1", "kind": "Job", "name": .string(job.name), "namespace": .string(job.namespace),
            "uid": .string(job.uid),
            "resourceVersion": .string(job[path: ["metadata", "resourceVersion"]]?.stringValue ?? ""),
        ]
    }

    /// Upstream `getJobFromTemplate2`: the template's labels, annotations and spec, a name fixed
    /// by the schedule time (so two syncs cannot both create it), the time as an annotation in
    /// the CronJob's zone, and the CronJob as controller.
    public static func job(for cronJob: JSON, scheduledTime: Int64, zone: TimeZone) -> JSON {
        let template = cronJob[path: ["spec", "jobTemplate"]] ?? .emptyObject
        var annotations = template[path: ["metadata", "annotations"]]?.objectValue ?? [:]
        annotations[scheduledTimestampAnnotation] = .string(WallClockMath(zone: zone).rfc3339(scheduledTime))
        var metadata: JSON = [
            "name": .string(jobName(cronJob.name, scheduledTime: scheduledTime)),
            "namespace": .string(cronJob.namespace), "annotations": .object(annotations),
            "ownerReferences": [
                [
                    "apiVersion": "batch/v1", "kind": "CronJob", "name": .string(cronJob.name),
                    "uid": .string(cronJob.uid), "controller": true, "blockOwnerDeletion": true,
                ]
            ],
        ]
        if let labels = template[path: ["metadata", "labels"]], labels != .null { metadata["labels"] = labels }
        return [
            "apiVersion": "batch/v1", "kind": "Job", "metadata": metadata, "spec": template["spec"] ?? .emptyObject,
        ]
    }

    /// `<cronjob>-<minutes since the epoch of the schedule time>`.
    public static func jobName(_ cronJobName: String, scheduledTime: Int64) -> String {
        "\(cronJobName)-\(CronExpression.floorDiv(scheduledTime, 60))"
    }

    /// Upstream `cleanupFinishedJobs`: beyond `successfulJobsHistoryLimit` Complete Jobs and
    /// `failedJobsHistoryLimit` Failed ones, the earliest started go.
    static func historyVictims(of cronJob: JSON, jobs: [JSON]) -> [ObjectReference] {
        let finished = jobs.filter { !$0.isBeingDeleted }.compactMap { job in finishedType(job).map { (job, $0) } }
        var victims: [ObjectReference] = []
        for (type, field) in [("Complete", "successfulJobsHistoryLimit"), ("Failed", "failedJobsHistoryLimit")] {
            guard let limit = cronJob[path: ["spec", field]]?.intValue else { continue }
            let ofType = finished.filter { $0.1 == type }.map(\.0).sorted(by: startedEarlier)
            victims += ofType.prefix(max(0, ofType.count - Int(limit))).map(ObjectReference.init)
        }
        return victims
    }

    /// Upstream `byJobStartTime`: jobs without a start time last, ties by name.
    static func startedEarlier(_ lhs: JSON, _ rhs: JSON) -> Bool {
        let startA = lhs[path: ["status", "startTime"]]?.stringValue.flatMap(Timestamp.parse)
        let startB = rhs[path: ["status", "startTime"]]?.stringValue.flatMap(Timestamp.parse)
        switch (startA, startB) {
        case (nil, .some): return false
        case (.some, nil): return true
        case (let a?, let b?) where a != b: return a < b
        default: return lhs.name < rhs.name
        }
    }

    /// `Complete` or `Failed` once the Job has that condition True, else nil.
    static func finishedType(_ job: JSON) -> String? {
        let conditions = job[path: ["status", "conditions"]]?.arrayValue ?? []
        return conditions.first {
            ["Complete", "Failed"].contains($0["type"]?.stringValue ?? "") && $0["status"]?.stringValue == "True"
        }?["type"]?.stringValue
    }
}
