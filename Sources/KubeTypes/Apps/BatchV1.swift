/// The `batch/v1` group: Jobs and CronJobs.
public enum BatchV1 {
    public static let schemas: [TypeSchema] = jobSchemas + cronJobSchemas

    public static let resources: [ResourceType] = [
        ResourceType(
            group: "batch", version: "v1", kind: "Job", plural: "jobs", namespaced: true, categories: ["all"],
            schemaName: "io.k8s.api.batch.v1.Job",
            strategy: ResourceStrategy(
                applyDefaults: defaultJob, prepareForCreate: prepareJob, validateCreate: validateJob,
                validateUpdate: validateJobUpdate, hasStatus: true, table: jobTable)),
        ResourceType(
            group: "batch", version: "v1", kind: "CronJob", plural: "cronjobs", namespaced: true,
            shortNames: ["cj"], categories: ["all"], schemaName: "io.k8s.api.batch.v1.CronJob",
            strategy: ResourceStrategy(
                applyDefaults: defaultCronJob, prepareForCreate: { $0["status"] = .emptyObject },
                validateCreate: validateCronJob, validateUpdate: validateCronJobUpdate, hasStatus: true,
                table: cronJobTable)),
    ]
}
