import KubeTypes
import Testing

@testable import KubeControllersCore

@Suite struct CronJobReconcilerTests {
    static func t(_ text: String) -> Int64 { Timestamp.parse(text)! }

    /// A CronJob created at 2026-01-01T00:00:00Z, as the API server stores it (defaults applied).
    static func cronJob(
        schedule: String = "*/5 * * * *", policy: String = "Allow", suspend: Bool = false, deadline: Int64? = nil,
        timeZone: String? = nil, lastScheduled: String? = nil, active: [JSON] = [], successfulLimit: Int64 = 3,
        failedLimit: Int64 = 1
    ) -> JSON {
        var object: JSON = [
            "apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": [
                "name": "backup", "namespace": "default", "uid": "uid-cj", "resourceVersion": "5",
                "creationTimestamp": "2026-01-01T00:00:00Z",
            ],
            "spec": [
                "schedule": .string(schedule), "concurrencyPolicy": .string(policy), "suspend": .bool(suspend),
                "successfulJobsHistoryLimit": .int(successfulLimit), "failedJobsHistoryLimit": .int(failedLimit),
                "jobTemplate": [
                    "metadata": ["labels": ["app": "backup"], "annotations": ["team": "ops"]],
                    "spec": [
                        "template": [
                            "spec": [
                                "restartPolicy": "OnFailure", "containers": [["name": "c", "image": "busybox"]],
                            ]
                        ]
                    ],
                ],
            ],
        ]
        object[path: ["spec", "startingDeadlineSeconds"]] = deadline.map(JSON.int)
        object[path: ["spec", "timeZone"]] = timeZone.map(JSON.string)
        object[path: ["status", "lastScheduleTime"]] = lastScheduled.map(JSON.string)
        if !active.isEmpty { object[path: ["status", "active"]] = .array(active) }
        return object
    }

    /// A Job of the CronJob; `finished` is Complete or Failed.
    static func job(_ name: String, finished: String? = nil, started: String? = nil, completed: String? = nil) -> JSON {
        var job: JSON = [
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": [
                "name": .string(name), "namespace": "default", "uid": .string("uid-" + name), "resourceVersion": "9",
                "ownerReferences": [
                    [
                        "apiVersion": "batch/v1", "kind": "CronJob", "name": "backup", "uid": "uid-cj",
                        "controller": true,
                    ]
                ],
            ],
        ]
        if let finished { job[path: ["status", "conditions"]] = [["type": .string(finished), "status": "True"]] }
        job[path: ["status", "startTime"]] = started.map(JSON.string)
        job[path: ["status", "completionTime"]] = completed.map(JSON.string)
        return job
    }

    static func created(_ plan: CronJobReconciliation) -> [(job: JSON, time: Int64)] {
        plan.actions.compactMap {
            if case .createJob(let job, let time) = $0 { return (job, time) }
            return nil
        }
    }

    static func reasons(_ plan: CronJobReconciliation) -> [String] {
        plan.actions.compactMap {
            if case .recordEvent(let event) = $0 { return event.reason }
            return nil
        }
    }

    @Test func nothingRunsBeforeTheFirstScheduleTime() {
        let plan = CronJobReconciler.reconcile(cronJob: Self.cronJob(), jobs: [], now: Self.t("2026-01-01T00:03:20Z"))
        #expect(plan.actions.isEmpty)
        // Requeued for 00:05 with a second of slack.
        #expect(plan.requeueAfter == 101)
    }

    @Test func theJobOfTheMostRecentMissedTimeIsCreated() throws {
        let now = Self.t("2026-01-01T00:17:10Z")
        let plan = CronJobReconciler.reconcile(cronJob: Self.cronJob(), jobs: [], now: now)
        let (job, time) = try #require(Self.created(plan).first)
        #expect(Self.created(plan).count == 1)
        #expect(time == Self.t("2026-01-01T00:15:00Z"))
        #expect(job.name == "backup-\(time / 60)")
        #expect(job.annotations[CronJobReconciler.scheduledTimestampAnnotation] == "2026-01-01T00:15:00Z")
        #expect(job.annotations["team"] == "ops" && job.labels == ["app": "backup"])
        let owner = try #require(job[path: ["metadata", "ownerReferences"]]?.arrayValue?.first)
        #expect(owner["kind"] == "CronJob" && owner["uid"] == "uid-cj" && owner["controller"] == true)
        #expect(job[path: ["spec", "template", "spec", "restartPolicy"]] == "OnFailure")
        // Next look at 00:20 (plus slack).
        #expect(plan.requeueAfter == Self.t("2026-01-01T00:20:00Z") - now + 1)

        // Folding in the created Job makes it active and the time met.
        let stored = job.merging(uid: "uid-new")
        let after = CronJobReconciler.jobCreated(stored, scheduledTime: time, in: plan.cronJob)
        #expect(after[path: ["status", "lastScheduleTime"]] == "2026-01-01T00:15:00Z")
        #expect(after[path: ["status", "active"]]?.arrayValue?.first?["uid"] == "uid-new")
        let again = CronJobReconciler.reconcile(cronJob: after, jobs: [stored], now: now + 5)
        #expect(Self.created(again).isEmpty)
        #expect(Self.reasons(again).isEmpty)
    }

    @Test func suspendedCronJobsStartNothing() {
        let plan = CronJobReconciler.reconcile(
            cronJob: Self.cronJob(suspend: true), jobs: [], now: Self.t("2026-01-01T01:00:00Z"))
        #expect(plan.actions.isEmpty && plan.requeueAfter == nil)
    }

    @Test func aStartingDeadlinePassedIsAMissedSchedule() {
        // Last ran at 00:05; the 00:10 start is 50 s late against a 30 s deadline.
        let cronJob = Self.cronJob(deadline: 30, lastScheduled: "2026-01-01T00:05:00Z")
        let late = CronJobReconciler.reconcile(cronJob: cronJob, jobs: [], now: Self.t("2026-01-01T00:10:50Z"))
        #expect(Self.created(late).isEmpty)
        // Within the deadline the job starts.
        let onTime = CronJobReconciler.reconcile(cronJob: cronJob, jobs: [], now: Self.t("2026-01-01T00:10:20Z"))
        #expect(Self.created(onTime).count == 1)
    }

    @Test func startsOlderThanTheDeadlineAreNotCaughtUp() {
        // Hourly, deadline 600 s, last run 00:00: at 01:11 the 01:00 start is out of the window,
        // so nothing starts and the next look is at 02:00.
        let cronJob = Self.cronJob(schedule: "0 * * * *", deadline: 600, lastScheduled: "2026-01-01T00:00:00Z")
        let now = Self.t("2026-01-01T01:11:00Z")
        let plan = CronJobReconciler.reconcile(cronJob: cronJob, jobs: [], now: now)
        #expect(plan.actions.isEmpty)
        #expect(plan.requeueAfter == Self.t("2026-01-01T02:00:00Z") - now + 1)
    }

    @Test func tooManyMissedStartTimesWarn() {
        let plan = CronJobReconciler.reconcile(
            cronJob: Self.cronJob(schedule: "* * * * *"), jobs: [], now: Self.t("2026-01-02T00:00:30Z"))
        #expect(Self.reasons(plan) == ["TooManyMissedTimes"])
        #expect(Self.created(plan).first?.time == Self.t("2026-01-02T00:00:00Z"))
    }

    @Test func forbidSkipsWhileAJobRuns() {
        let running = Self.job("backup-1")
        let cronJob = Self.cronJob(
            policy: "Forbid", lastScheduled: "2026-01-01T00:05:00Z", active: [CronJobReconciler.reference(to: running)])
        let plan = CronJobReconciler.reconcile(cronJob: cronJob, jobs: [running], now: Self.t("2026-01-01T00:10:01Z"))
        #expect(Self.created(plan).isEmpty)
        #expect(Self.reasons(plan) == ["JobAlreadyActive"])
    }

    @Test func replaceDeletesTheRunningJobThenCreates() {
        let running = Self.job("backup-1")
        let cronJob = Self.cronJob(
            policy: "Replace", lastScheduled: "2026-01-01T00:05:00Z", active: [CronJobReconciler.reference(to: running)]
        )
        let plan = CronJobReconciler.reconcile(cronJob: cronJob, jobs: [running], now: Self.t("2026-01-01T00:10:01Z"))
        guard plan.actions.count == 2, case .deleteJob(let victim) = plan.actions[0], case .createJob = plan.actions[1]
        else {
            Issue.record("expected a delete then a create, got \(plan.actions)")
            return
        }
        #expect(victim.uid == "uid-backup-1")
        let after = CronJobReconciler.jobDeleted(victim, in: plan.cronJob)
        #expect(after[path: ["status", "active"]] == nil)
    }

    @Test func allowRunsJobsSideBySide() {
        let running = Self.job("backup-1")
        let cronJob = Self.cronJob(
            lastScheduled: "2026-01-01T00:05:00Z", active: [CronJobReconciler.reference(to: running)])
        let plan = CronJobReconciler.reconcile(cronJob: cronJob, jobs: [running], now: Self.t("2026-01-01T00:10:01Z"))
        #expect(Self.created(plan).count == 1)
        #expect(plan.actions.count == 1)
    }

    @Test func finishedAndMissingJobsLeaveTheActiveList() {
        let done = Self.job("backup-1", finished: "Complete", completed: "2026-01-01T00:06:00Z")
        let gone = Self.job("backup-2")
        let cronJob = Self.cronJob(
            lastScheduled: "2026-01-01T00:05:00Z",
            active: [CronJobReconciler.reference(to: done), CronJobReconciler.reference(to: gone)])
        let plan = CronJobReconciler.reconcile(cronJob: cronJob, jobs: [done], now: Self.t("2026-01-01T00:07:00Z"))
        #expect(plan.cronJob[path: ["status", "active"]] == nil)
        #expect(plan.cronJob[path: ["status", "lastSuccessfulTime"]] == "2026-01-01T00:06:00Z")
        #expect(Self.reasons(plan) == ["SawCompletedJob", "MissingJob"])
        guard case .recordEvent(let event) = plan.actions[0] else { return }
        #expect(event.message == "Saw completed job: backup-1, status: Complete")
    }

    @Test func aJobNobodyListedIsReportedUnexpected() {
        let plan = CronJobReconciler.reconcile(
            cronJob: Self.cronJob(lastScheduled: "2026-01-01T00:05:00Z"), jobs: [Self.job("manual")],
            now: Self.t("2026-01-01T00:06:00Z"))
        #expect(Self.reasons(plan) == ["UnexpectedJob"])
    }

    @Test func historyLimitsDeleteTheEarliestStartedFinishedJobs() {
        let jobs =
            (1...5).map { index in
                Self.job("ok-\(index)", finished: "Complete", started: "2026-01-01T00:0\(index):00Z")
            } + [
                Self.job("bad-1", finished: "Failed", started: "2026-01-01T00:01:00Z"),
                Self.job("bad-2", finished: "Failed"),
            ]
        let plan = CronJobReconciler.reconcile(
            cronJob: Self.cronJob(lastScheduled: "2026-01-01T00:05:00Z", successfulLimit: 2), jobs: jobs,
            now: Self.t("2026-01-01T00:06:00Z"))
        #expect(plan.cleanup.map(\.name) == ["ok-1", "ok-2", "ok-3", "bad-1"])
    }

    @Test func timeZonesShiftTheScheduleAndTheAnnotation() throws {
        // 09:00 in Tokyo is 00:00 UTC.
        let cronJob = Self.cronJob(schedule: "0 9 * * *", timeZone: "Asia/Tokyo")
        let plan = CronJobReconciler.reconcile(cronJob: cronJob, jobs: [], now: Self.t("2026-01-02T00:00:30Z"))
        let (job, time) = try #require(Self.created(plan).first)
        #expect(time == Self.t("2026-01-02T00:00:00Z"))
        #expect(job.annotations[CronJobReconciler.scheduledTimestampAnnotation] == "2026-01-02T09:00:00+09:00")
        let unknown = CronJobReconciler.reconcile(
            cronJob: Self.cronJob(timeZone: "Mars/Olympus"), jobs: [], now: Self.t("2026-01-02T00:00:30Z"))
        #expect(Self.reasons(unknown) == ["UnknownTimeZone"])
        #expect(Self.created(unknown).isEmpty)
    }

    @Test func anUnparsableScheduleIsReportedNotCrashedOn() {
        let plan = CronJobReconciler.reconcile(
            cronJob: Self.cronJob(schedule: "61 * * * *"), jobs: [], now: Self.t("2026-01-02T00:00:30Z"))
        #expect(Self.reasons(plan) == ["UnparseableSchedule"])
        #expect(plan.requeueAfter == nil)
    }
}

extension JSON {
    fileprivate func merging(uid: String) -> JSON {
        var copy = self
        copy[path: ["metadata", "uid"]] = .string(uid)
        copy[path: ["metadata", "resourceVersion"]] = "11"
        return copy
    }
}
