extension AppsV1 {
    static let deploymentKind = GroupVersionKind("apps", "v1", "Deployment")

    static let deploymentSchemas: [TypeSchema] = [
        WorkloadSchema.kind(
            "io.k8s.api.apps.v1.Deployment",
            "Declares a desired state for a set of identical pods; the controller rolls ReplicaSets towards it.",
            deploymentKind,
            spec: ("io.k8s.api.apps.v1.DeploymentSpec", "What the Deployment should run and how to roll changes out."),
            status: ("io.k8s.api.apps.v1.DeploymentStatus", "What the controller last saw of the rollout.")),
        WorkloadSchema.list(
            "io.k8s.api.apps.v1.DeploymentList", item: "io.k8s.api.apps.v1.Deployment",
            GroupVersionKind("apps", "v1", "DeploymentList")),
        TypeSchema(
            "io.k8s.api.apps.v1.DeploymentSpec", "The desired state of a Deployment.",
            [
                FieldSchema("replicas", .int32, "How many pods to run; 1 when unset."),
                FieldSchema(
                    "selector", WorkloadSchema.labelSelector,
                    "Which pods belong to this Deployment; must match the template labels and never changes in apps/v1.",
                    required: true),
                FieldSchema(
                    "template", WorkloadSchema.podTemplate,
                    "The pod each replica is made from; its restartPolicy must be Always.", required: true),
                FieldSchema(
                    "strategy", .ref("io.k8s.api.apps.v1.DeploymentStrategy"),
                    "How old pods are replaced by new ones.", strategy: "retainKeys"),
                FieldSchema(
                    "minReadySeconds", .int32, "Seconds a new pod must stay ready before it counts as available."),
                FieldSchema(
                    "revisionHistoryLimit", .int32, "How many old ReplicaSets to keep for rollback; 10 when unset."),
                FieldSchema("paused", .boolean, "When true the controller stops rolling out template changes."),
                FieldSchema(
                    "progressDeadlineSeconds", .int32,
                    "Seconds without progress after which the rollout is reported as failed; 600 when unset."),
            ]),
        TypeSchema(
            "io.k8s.api.apps.v1.DeploymentStrategy", "How a Deployment replaces existing pods.",
            [
                FieldSchema(
                    "type", .string, "Recreate kills all old pods first; RollingUpdate (the default) overlaps them.",
                    enumValues: ["Recreate", "RollingUpdate"]),
                FieldSchema(
                    "rollingUpdate", .ref("io.k8s.api.apps.v1.RollingUpdateDeployment"),
                    "Tuning of a rolling update; only allowed when type is RollingUpdate."),
            ]),
        TypeSchema(
            "io.k8s.api.apps.v1.RollingUpdateDeployment", "Limits that pace a rolling update.",
            [
                FieldSchema(
                    "maxUnavailable", .intOrString,
                    "How many desired pods may be missing during the update, as a count or a percentage (rounded down); 25% by default."
                ),
                FieldSchema(
                    "maxSurge", .intOrString,
                    "How many pods may exist above the desired count, as a count or a percentage (rounded up); 25% by default."
                ),
            ]),
        TypeSchema(
            "io.k8s.api.apps.v1.DeploymentStatus", "The most recently observed state of a Deployment.",
            [
                FieldSchema("observedGeneration", .int64, "The metadata.generation the controller last acted on."),
                FieldSchema("replicas", .int32, "Pods (not terminating) owned by this Deployment."),
                FieldSchema("updatedReplicas", .int32, "Pods (not terminating) that run the current template."),
                FieldSchema("readyReplicas", .int32, "Pods (not terminating) with a Ready condition."),
                FieldSchema("availableReplicas", .int32, "Pods ready for at least minReadySeconds."),
                FieldSchema(
                    "unavailableReplicas", .int32, "Pods still needed before the Deployment is fully available."),
                FieldSchema("terminatingReplicas", .int32, "Pods that are being shut down."),
                WorkloadSchema.conditions(
                    "io.k8s.api.apps.v1.DeploymentCondition", "Observations such as Available and Progressing."),
                FieldSchema(
                    "collisionCount", .int32,
                    "Bumped when a ReplicaSet name collides, to make the next pod-template-hash differ."),
            ]),
        WorkloadSchema.condition(
            "io.k8s.api.apps.v1.DeploymentCondition", of: "Deployment",
            extraTimes: [("lastUpdateTime", "When the controller last refreshed this condition.")]),
    ]
}
