import Foundation
import KubeTypes

/// One CronJob sync in progress (upstream `syncCronJob`): the CronJob whose status it edits,
/// and the actions decided so far.
struct CronJobSync {
    var cronJob: JSON
    let now: Int64
    var actions: [CronJobAction] = []
    var requeueAfter: Int64?

    init(cronJob: JSON, now: Int64) {
        self.cronJob = cronJob
        self.now = now
    }

    var result: CronJobReconciliation {
        CronJobReconciliation(cronJob: cronJob, actions: actions, cleanup: [], requeueAfter: requeueAfter)
    }

    var active: [JSON] {
        get { cronJob[path: ["status", "active"]]?.arrayValue ?? [] }
        set { cronJob[path: ["status", "active"]] = newValue.isEmpty ? nil : .array(newValue) }
    }

    mutating func event(_ type: KubeEventType, _ reason: String, _ message: String) {
        actions.append(.recordEvent(ControllerEvent(type, reason: reason, message: message)))
    }

    // MARK: Jobs

    /// Finished Jobs leave `status.active`, vanished ones too, and the latest completion of a
    /// successful one becomes `lastSuccessfulTime`.
    mutating func trackJobs(_ jobs: [JSON]) {
        for job in jobs {
            let isActive = active.contains { $0["uid"]?.stringValue == job.uid }
            let finished = CronJobReconciler.finishedType(job)
            if !isActive && finished == nil {
                event(.warning, "UnexpectedJob", "Saw a job that the controller did not create or forgot: \(job.name)")
            } else if isActive, let finished {
                active.removeAll { $0["uid"]?.stringValue == job.uid }
                event(.normal, "SawCompletedJob", "Saw completed job: \(job.name), status: \(finished)")
            }
            if finished == "Complete", let completed = job[path: ["status", "completionTime"]]?.stringValue,
                let completedAt = Timestamp.parse(completed)
            {
                let last = cronJob[path: ["status", "lastSuccessfulTime"]]?.stringValue.flatMap(Timestamp.parse)
                if last.map({ completedAt > $0 }) ?? true {
                    cronJob[path: ["status", "lastSuccessfulTime"]] = .string(Timestamp.format(completedAt))
                }
            }
        }
        let known = Set(jobs.map(\.uid))
        for reference in active where !known.contains(reference["uid"]?.stringValue ?? "") {
            event(.normal, "MissingJob", "Active job went missing: \(reference["name"]?.stringValue ?? "")")
            active.removeAll { $0["uid"] == reference["uid"] }
        }
    }

    // MARK: Scheduling

    var spec: JSON { cronJob["spec"] ?? .emptyObject }

    /// Decides whether a Job starts now, and when to look again.
    mutating func schedule() {
        if cronJob.isBeingDeleted { return }
        guard var zone = zone() else { return }
        if spec["suspend"]?.boolValue == true { return }
        let schedule = spec["schedule"]?.stringValue ?? ""
        let expression: CronExpression
        do {
            expression = try CronExpression(schedule)
        } catch {
            event(.warning, "UnparseableSchedule", "unparseable schedule: \(GoFormat.quoted(schedule)) : \(error)")
            return
        }
        // A legacy `TZ=` prefix (kept by CronJobs created before validation refused it) names the zone.
        if let prefixed = expression.zonePrefix.flatMap(TimeZone.init(identifier:)) { zone = prefixed }
        let times = ScheduleTimes(cronJob: cronJob, expression: expression, zone: zone, now: now)
        let unmet: Int64?
        do {
            unmet = try times.unmetTime()
        } catch {
            event(.warning, "InvalidSchedule", "invalid schedule: \(schedule) : \(error.description)")
            return
        }
        if times.tooManyMissed {
            event(
                .warning, "TooManyMissedTimes",
                "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew")
        }
        guard let scheduled = unmet else {
            requeueAfter = times.secondsUntilNext(cronJob)
            return
        }
        start(scheduled, times: times, zone: zone)
    }

    /// The schedule's zone: `spec.timeZone`, else a legacy `TZ=` prefix, else UTC. An unknown
    /// zone stops the sync with upstream's event.
    mutating func zone() -> TimeZone? {
        guard let name = spec["timeZone"]?.stringValue else { return TimeZone(identifier: "UTC") }
        if let zone = TimeZone(identifier: name) { return zone }
        event(.warning, "UnknownTimeZone", "invalid timeZone: \(GoFormat.quoted(name)): unknown time zone \(name)")
        return nil
    }

    mutating func start(_ scheduled: Int64, times: ScheduleTimes, zone: TimeZone) {
        requeueAfter = times.secondsUntilNext(cronJob)
        if let deadline = spec["startingDeadlineSeconds"]?.intValue, scheduled + deadline < now {
            event(
                .warning, "MissSchedule",
                "Missed scheduled time to start a job: \(WallClockMath.rfc1123Z(scheduled))")
            return
        }
        let name = CronJobReconciler.jobName(cronJob.name, scheduledTime: scheduled)
        let lastScheduled = cronJob[path: ["status", "lastScheduleTime"]]?.stringValue.flatMap(Timestamp.parse)
        if active.contains(where: { $0["name"]?.stringValue == name }) || lastScheduled == scheduled { return }
        let policy = spec["concurrencyPolicy"]?.stringValue ?? "Allow"
        if policy == "Forbid" && !active.isEmpty {
            event(
                .normal, "JobAlreadyActive",
                "Not starting job because prior execution is running and concurrency policy is Forbid")
            return
        }
        if policy == "Replace" {
            for running in CronJobReconciler.activeReferences(of: cronJob) { actions.append(.deleteJob(running)) }
        }
        let job = CronJobReconciler.job(for: cronJob, scheduledTime: scheduled, zone: zone)
        actions.append(.createJob(job, scheduledTime: scheduled))
        // Once the Job exists the schedule time is met: look again at the following one.
        var started = cronJob
        started[path: ["status", "lastScheduleTime"]] = .string(Timestamp.format(scheduled))
        requeueAfter = times.secondsUntilNext(started)
    }
}

/// Upstream `mostRecentScheduleTime` and its callers: which schedule times passed unmet since the
/// last one (or the CronJob's creation), counted without listing them all.
struct ScheduleTimes {
    let cronJob: JSON
    let expression: CronExpression
    let zone: TimeZone
    let now: Int64

    struct InvalidSchedule: Error {
        let description = "time difference between two schedules is less than 1 second"
    }

    enum Missed { case none, few, many }

    /// The last schedule time due by `now` and not yet started, nil when there is none.
    func unmetTime() throws(InvalidSchedule) -> Int64? {
        let (_, recent, _) = try mostRecent(of: cronJob, includingDeadline: true)
        guard let recent, recent <= now else { return nil }
        return recent
    }

    var tooManyMissed: Bool {
        guard let found = try? mostRecent(of: cronJob, includingDeadline: true) else { return false }
        return found.missed == .many
    }

    /// Upstream `nextScheduleTimeDuration`: from the most recent time (or the earliest one when
    /// none passed, or now when some were missed) to the next one, plus a second of slack.
    func secondsUntilNext(_ cronJob: JSON) -> Int64? {
        guard let found = try? mostRecent(of: cronJob, includingDeadline: false) else {
            return 1
        }
        let (earliest, recent, missed) = found
        let base = recent ?? (missed == .none ? earliest : now)
        guard let next = expression.next(after: base, in: zone) else { return nil }
        return max(1, next - now + 1)
    }

    func mostRecent(
        of cronJob: JSON, includingDeadline: Bool
    ) throws(InvalidSchedule) -> (
        earliest: Int64, recent: Int64?, missed: Missed
    ) {
        var earliest = cronJob.creationTime ?? now
        if let last = cronJob[path: ["status", "lastScheduleTime"]]?.stringValue.flatMap(Timestamp.parse) {
            earliest = last
        }
        if includingDeadline, let deadline = cronJob[path: ["spec", "startingDeadlineSeconds"]]?.intValue {
            earliest = max(earliest, now - deadline)
        }
        guard let first = expression.next(after: earliest, in: zone), first <= now else {
            return (earliest, nil, .none)
        }
        guard let second = expression.next(after: first, in: zone), second <= now else {
            return (earliest, first, .none)
        }
        let interval = second - first
        if interval < 1 { throw InvalidSchedule() }
        let count = (now - first) / interval + 1
        // Counting back one interval from the estimate lets the expression find the exact last
        // time even for unevenly spaced schedules.
        var recent: Int64?
        var candidate = expression.next(after: first + (count - 2) * interval, in: zone)
        while let time = candidate, time <= now {
            recent = time
            candidate = expression.next(after: time, in: zone)
        }
        return (earliest, recent, count > CronJobReconciler.tooManyMissed ? .many : .few)
    }
}
