extension BatchV1 {
    static let jobKind = GroupVersionKind("batch", "v1", "Job")

    static let jobSchemas: [TypeSchema] = [
        WorkloadSchema.kind(
            "io.k8s.api.batch.v1.Job", "Runs pods until a given number of them finish successfully.", jobKind,
            spec: ("io.k8s.api.batch.v1.JobSpec", "What to run and when the Job counts as done or failed."),
            status: ("io.k8s.api.batch.v1.JobStatus", "Progress of the Job as last observed.")),
        WorkloadSchema.list(
            "io.k8s.api.batch.v1.JobList", item: "io.k8s.api.batch.v1.Job",
            GroupVersionKind("batch", "v1", "JobList")),
        TypeSchema("io.k8s.api.batch.v1.JobSpec", "The desired behaviour of a Job.", jobSpecFields),
        TypeSchema(
            "io.k8s.api.batch.v1.JobStatus", "The most recently observed state of a Job.",
            [
                WorkloadSchema.conditions(
                    "io.k8s.api.batch.v1.JobCondition",
                    "Observations such as Complete, Failed and Suspended; a finished Job has Complete or Failed True.",
                    listType: "atomic"),
                FieldSchema("startTime", .time, "When the controller started working on the Job."),
                FieldSchema("completionTime", .time, "When the Job finished successfully."),
                FieldSchema("active", .int32, "Pods that are pending or running."),
                FieldSchema("succeeded", .int32, "Pods that finished successfully."),
                FieldSchema("failed", .int32, "Pods that failed."),
                FieldSchema("terminating", .int32, "Pods that are being shut down."),
                FieldSchema(
                    "completedIndexes", .string, "Succeeded indexes of an Indexed Job, as ranges such as `1,3-5`."),
                FieldSchema("failedIndexes", .string, "Failed indexes when backoffLimitPerIndex is set."),
                FieldSchema(
                    "uncountedTerminatedPods", .ref("io.k8s.api.batch.v1.UncountedTerminatedPods"),
                    "Finished pods whose outcome is not yet counted in succeeded or failed."),
                FieldSchema("ready", .int32, "Pods with a Ready condition."),
            ]),
        WorkloadSchema.condition(
            "io.k8s.api.batch.v1.JobCondition", of: "Job",
            extraTimes: [("lastProbeTime", "When the condition was last checked.")]),
        TypeSchema(
            "io.k8s.api.batch.v1.PodFailurePolicy", "Rules that decide what a pod failure means for the Job.",
            [
                FieldSchema(
                    "rules", .array(.ref("io.k8s.api.batch.v1.PodFailurePolicyRule")),
                    "Checked in order; the first that matches a failed pod decides.", required: true,
                    listType: "atomic")
            ]),
        TypeSchema(
            "io.k8s.api.batch.v1.PodFailurePolicyRule",
            "An action to take when a failed pod matches exit codes or pod conditions.",
            [
                FieldSchema(
                    "action", .string,
                    "FailJob fails the Job, FailIndex fails the index, Ignore does not count the failure, Count counts it.",
                    required: true, enumValues: ["Count", "FailIndex", "FailJob", "Ignore"]),
                FieldSchema(
                    "onExitCodes", .ref("io.k8s.api.batch.v1.PodFailurePolicyOnExitCodesRequirement"),
                    "Matches on container exit codes."),
                FieldSchema(
                    "onPodConditions",
                    .array(.ref("io.k8s.api.batch.v1.PodFailurePolicyOnPodConditionsPattern")),
                    "Matches when the pod has any of these conditions.", listType: "atomic"),
            ]),
        TypeSchema(
            "io.k8s.api.batch.v1.PodFailurePolicyOnExitCodesRequirement",
            "Matches failed pods by the exit codes of their containers.",
            [
                FieldSchema("containerName", .string, "Only look at this container; all containers when unset."),
                FieldSchema(
                    "operator", .string, "Whether an exit code must be In or NotIn the values.", required: true,
                    enumValues: ["In", "NotIn"]),
                FieldSchema("values", .array(.int32), "Exit codes to compare with.", required: true, listType: "set"),
            ]),
        TypeSchema(
            "io.k8s.api.batch.v1.PodFailurePolicyOnPodConditionsPattern",
            "Matches failed pods that carry a given condition.",
            [
                FieldSchema("type", .string, "The pod condition type to look for.", required: true),
                FieldSchema("status", .string, "The condition status to require; True when unset."),
            ]),
        TypeSchema(
            "io.k8s.api.batch.v1.SuccessPolicy", "When an Indexed Job may be declared successful early.",
            [
                FieldSchema(
                    "rules", .array(.ref("io.k8s.api.batch.v1.SuccessPolicyRule")),
                    "The Job succeeds once any rule is met.", required: true, listType: "atomic")
            ]),
        TypeSchema(
            "io.k8s.api.batch.v1.SuccessPolicyRule", "A set of indexes or a count that is enough for success.",
            [
                FieldSchema("succeededIndexes", .string, "Indexes that must succeed, as ranges such as `0,2-4`."),
                FieldSchema("succeededCount", .int32, "How many (of succeededIndexes, if given) must succeed."),
            ]),
        TypeSchema(
            "io.k8s.api.batch.v1.UncountedTerminatedPods", "UIDs of finished pods not yet counted in the status.",
            [
                FieldSchema("succeeded", .array(.string), "UIDs of pods that succeeded.", listType: "set"),
                FieldSchema("failed", .array(.string), "UIDs of pods that failed.", listType: "set"),
            ]),
    ]

    static let jobSpecFields: [FieldSchema] = [
        FieldSchema("parallelism", .int32, "The most pods to run at once; 1 when unset."),
        FieldSchema("completions", .int32, "Successful pods needed to finish; unset means any one success."),
        FieldSchema(
            "activeDeadlineSeconds", .int64, "Seconds the Job may run before it is stopped and marked failed."),
        FieldSchema(
            "podFailurePolicy", .ref("io.k8s.api.batch.v1.PodFailurePolicy"),
            "How specific pod failures count against the Job."),
        FieldSchema(
            "successPolicy", .ref("io.k8s.api.batch.v1.SuccessPolicy"),
            "When an Indexed Job may succeed before all indexes finish."),
        FieldSchema("backoffLimit", .int32, "Retries before the Job is marked failed; 6 when unset."),
        FieldSchema("backoffLimitPerIndex", .int32, "Retries allowed per index of an Indexed Job."),
        FieldSchema("maxFailedIndexes", .int32, "Failed indexes tolerated before the whole Job fails."),
        FieldSchema(
            "selector", WorkloadSchema.labelSelector,
            "Which pods belong to the Job; generated from the Job's uid unless manualSelector is true."),
        FieldSchema("manualSelector", .boolean, "True when the user supplies the selector instead of the server."),
        FieldSchema(
            "template", WorkloadSchema.podTemplate,
            "The pod to run; restartPolicy must be Never or OnFailure.", required: true),
        FieldSchema(
            "ttlSecondsAfterFinished", .int32, "Seconds after finishing at which the Job is deleted automatically."),
        FieldSchema(
            "completionMode", .string,
            "NonIndexed (the default) treats pods alike; Indexed gives each pod an index from 0 to completions-1.",
            enumValues: ["Indexed", "NonIndexed"]),
        FieldSchema("suspend", .boolean, "While true no pods are created and running ones are stopped."),
        FieldSchema(
            "podReplacementPolicy", .string,
            "When a replacement pod may start: once the old one is terminating or only once it has failed.",
            enumValues: ["Failed", "TerminatingOrFailed"]),
        FieldSchema("managedBy", .string, "The controller in charge of the Job, when not the built-in one."),
    ]
}
