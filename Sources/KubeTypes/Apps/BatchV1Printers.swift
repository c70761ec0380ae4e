/// `kubectl get` columns of Jobs and CronJobs, as upstream's server-side printers lay them out.
extension BatchV1 {
    typealias Printing = WorkloadPrinting

    static let jobTable = TableDefinition(
        columns: [
            Printing.nameColumn,
            TableColumn("Status", description: "Status of the job."),
            TableColumn("Completions", description: "Succeeded pods out of the completions needed."),
            TableColumn("Duration", description: "Time the job took, or has taken so far, to complete."),
            Printing.ageColumn, Printing.containersColumn, Printing.imagesColumn, Printing.selectorColumn,
        ],
        cells: { object, now in
            let spec = object["spec"] ?? .emptyObject
            return [
                Printing.name(object), .string(jobStatus(object)), .string(jobCompletions(object)),
                .string(jobDuration(object, now: now)), .string(Age.of(object, now: now)),
            ] + Printing.templateCells(spec["template"], selector: spec["selector"])
        })

    /// `1/3`, or for a work queue without completions `0/1` (`0/1 of 4` when running in parallel).
    static func jobCompletions(_ object: JSON) -> String {
        let succeeded = object[path: ["status", "succeeded"]]?.intValue ?? 0
        if let completions = object[path: ["spec", "completions"]]?.intValue { return "\(succeeded)/\(completions)" }
        let parallelism = object[path: ["spec", "parallelism"]]?.intValue ?? 0
        return parallelism > 1 ? "\(succeeded)/1 of \(parallelism)" : "\(succeeded)/1"
    }

    static func jobDuration(_ object: JSON, now: Int64) -> String {
        guard let started = object[path: ["status", "startTime"]]?.stringValue.flatMap(Timestamp.parse) else {
            return ""
        }
        let finished = object[path: ["status", "completionTime"]]?.stringValue.flatMap(Timestamp.parse) ?? now
        return Age.human(seconds: finished - started)
    }

    /// The first of Complete, Failed, Terminating, Suspended, FailureTarget, SuccessCriteriaMet
    /// that applies, else Running.
    static func jobStatus(_ object: JSON) -> String {
        let conditions = object[path: ["status", "conditions"]]?.arrayValue ?? []
        func holds(_ type: String) -> Bool {
            conditions.first(where: { $0["type"]?.stringValue == type })?["status"] == "True"
        }
        if holds("Complete") { return "Complete" }
        if holds("Failed") { return "Failed" }
        if !isUnset(object[path: ["metadata", "deletionTimestamp"]]) { return "Terminating" }
        for type in ["Suspended", "FailureTarget", "SuccessCriteriaMet"] where holds(type) { return type }
        return "Running"
    }

    static let cronJobTable = TableDefinition(
        columns: [
            Printing.nameColumn,
            TableColumn("Schedule", description: "The cron schedule Jobs are created on."),
            TableColumn("Timezone", description: "The time zone the schedule is read in."),
            TableColumn("Suspend", type: "boolean", description: "Whether new runs are held back."),
            TableColumn("Active", type: "integer", description: "Jobs of this CronJob still running."),
            TableColumn("Last Schedule", description: "Time since a Job was last scheduled."),
            Printing.ageColumn, Printing.containersColumn, Printing.imagesColumn, Printing.selectorColumn,
        ],
        cells: { object, now in
            let spec = object["spec"] ?? .emptyObject
            let lastSchedule = object[path: ["status", "lastScheduleTime"]]?.stringValue
            let suspend = spec["suspend"]?.boolValue.map { $0 ? "True" : "False" } ?? "<unset>"
            let jobSpec = spec[path: ["jobTemplate", "spec"]]
            var selector = Printing.selectorText(jobSpec?["selector"])
            if selector.isEmpty { selector = "<none>" }
            return [
                Printing.name(object), .string(spec["schedule"]?.stringValue ?? ""),
                .string(spec["timeZone"]?.stringValue ?? "<none>"), .string(suspend),
                .int(Int64(object[path: ["status", "active"]]?.arrayValue?.count ?? 0)),
                .string(lastSchedule == nil ? "<none>" : Age.since(lastSchedule, now: now)),
                .string(Age.of(object, now: now)),
            ] + Printing.templateCells(jobSpec?["template"]) + [.string(selector)]
        })
}
