extension BatchV1 {
    static let cronJobKind = GroupVersionKind("batch", "v1", "CronJob")

    static let cronJobSchemas: [TypeSchema] = [
        WorkloadSchema.kind(
            "io.k8s.api.batch.v1.CronJob", "Creates Jobs on a repeating schedule.", cronJobKind,
            spec: ("io.k8s.api.batch.v1.CronJobSpec", "The schedule and the Job to create each time."),
            status: ("io.k8s.api.batch.v1.CronJobStatus", "Running Jobs and recent schedule times.")),
        WorkloadSchema.list(
            "io.k8s.api.batch.v1.CronJobList", item: "io.k8s.api.batch.v1.CronJob",
            GroupVersionKind("batch", "v1", "CronJobList")),
        TypeSchema(
            "io.k8s.api.batch.v1.CronJobSpec", "When and how a CronJob creates Jobs.",
            [
                FieldSchema(
                    "schedule", .string, "A five-field cron expression or a macro such as @hourly.", required: true),
                FieldSchema(
                    "timeZone", .string, "IANA time zone name for the schedule; the controller's zone when unset."),
                FieldSchema(
                    "startingDeadlineSeconds", .int64, "How late a missed run may still be started."),
                FieldSchema(
                    "concurrencyPolicy", .string,
                    "Allow (the default) runs Jobs side by side, Forbid skips a run while one is active, Replace stops it.",
                    enumValues: ["Allow", "Forbid", "Replace"]),
                FieldSchema("suspend", .boolean, "While true no new Jobs are created; false when unset."),
                FieldSchema(
                    "jobTemplate", .ref("io.k8s.api.batch.v1.JobTemplateSpec"), "The Job created on each run.",
                    required: true),
                FieldSchema(
                    "successfulJobsHistoryLimit", .int32, "Finished successful Jobs to keep; 3 when unset."),
                FieldSchema("failedJobsHistoryLimit", .int32, "Failed Jobs to keep; 1 when unset."),
            ]),
        TypeSchema(
            "io.k8s.api.batch.v1.JobTemplateSpec", "The Job a CronJob creates: its metadata and spec.",
            [
                FieldSchema(
                    "metadata", WorkloadSchema.objectMeta, "Labels and annotations copied onto each created Job."),
                FieldSchema(
                    "spec", .ref("io.k8s.api.batch.v1.JobSpec"), "The spec of each created Job."),
            ]),
        TypeSchema(
            "io.k8s.api.batch.v1.CronJobStatus", "The most recently observed state of a CronJob.",
            [
                FieldSchema(
                    "active", .array(.ref("io.k8s.api.core.v1.ObjectReference")),
                    "Jobs created by this CronJob that are still running.", listType: "atomic"),
                FieldSchema("lastScheduleTime", .time, "When a Job was last scheduled."),
                FieldSchema("lastSuccessfulTime", .time, "When a Job last finished successfully."),
            ]),
    ]
}
