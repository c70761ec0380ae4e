extension AppsV1 {
    static let daemonSetKind = GroupVersionKind("apps", "v1", "DaemonSet")

    static let daemonSetSchemas: [TypeSchema] = [
        WorkloadSchema.kind(
            "io.k8s.api.apps.v1.DaemonSet", "Runs one copy of a pod on every eligible node.", daemonSetKind,
            spec: ("io.k8s.api.apps.v1.DaemonSetSpec", "The pod to run on each node and how to update it."),
            status: ("io.k8s.api.apps.v1.DaemonSetStatus", "How many nodes run the pod, as last observed.")),
        WorkloadSchema.list(
            "io.k8s.api.apps.v1.DaemonSetList", item: "io.k8s.api.apps.v1.DaemonSet",
            GroupVersionKind("apps", "v1", "DaemonSetList")),
        TypeSchema(
            "io.k8s.api.apps.v1.DaemonSetSpec", "The desired state of a DaemonSet.",
            [
                FieldSchema(
                    "selector", WorkloadSchema.labelSelector,
                    "Which pods belong to this DaemonSet; must match the template labels.", required: true),
                FieldSchema(
                    "template", WorkloadSchema.podTemplate,
                    "The pod placed on each node; its restartPolicy must be Always.", required: true),
                FieldSchema(
                    "updateStrategy", .ref("io.k8s.api.apps.v1.DaemonSetUpdateStrategy"),
                    "How pods are replaced when the template changes."),
                FieldSchema(
                    "minReadySeconds", .int32, "Seconds a new pod must stay ready before it counts as available."),
                FieldSchema(
                    "revisionHistoryLimit", .int32, "How many old revisions to keep for rollback; 10 when unset."),
            ]),
        TypeSchema(
            "io.k8s.api.apps.v1.DaemonSetUpdateStrategy", "How a DaemonSet replaces pods after a template change.",
            [
                FieldSchema(
                    "type", .string,
                    "RollingUpdate (the default) replaces pods gradually; OnDelete waits for manual deletion.",
                    enumValues: ["OnDelete", "RollingUpdate"]),
                FieldSchema(
                    "rollingUpdate", .ref("io.k8s.api.apps.v1.RollingUpdateDaemonSet"),
                    "Pacing of a rolling update; only used when type is RollingUpdate."),
            ]),
        TypeSchema(
            "io.k8s.api.apps.v1.RollingUpdateDaemonSet", "Limits that pace a DaemonSet rolling update.",
            [
                FieldSchema(
                    "maxUnavailable", .intOrString,
                    "How many nodes may lack a ready pod during the update, as a count or percentage; 1 by default."),
                FieldSchema(
                    "maxSurge", .intOrString,
                    "How many nodes may briefly run an old and a new pod side by side; 0 by default."),
            ]),
        TypeSchema(
            "io.k8s.api.apps.v1.DaemonSetStatus", "The most recently observed state of a DaemonSet.",
            [
                FieldSchema(
                    "currentNumberScheduled", .int32, "Nodes that run at least one daemon pod and should.",
                    required: true),
                FieldSchema(
                    "numberMisscheduled", .int32, "Nodes that run a daemon pod but should not.", required: true),
                FieldSchema(
                    "desiredNumberScheduled", .int32, "Nodes that should run the daemon pod.", required: true),
                FieldSchema(
                    "numberReady", .int32, "Nodes whose daemon pod has a Ready condition.", required: true),
                FieldSchema("observedGeneration", .int64, "The metadata.generation the controller last acted on."),
                FieldSchema("updatedNumberScheduled", .int32, "Nodes running the current template."),
                FieldSchema("numberAvailable", .int32, "Nodes whose daemon pod is ready for minReadySeconds."),
                FieldSchema("numberUnavailable", .int32, "Nodes that should run an available pod but do not."),
                FieldSchema(
                    "collisionCount", .int32, "Bumped when a revision name collides, to make the next hash differ."),
                WorkloadSchema.conditions(
                    "io.k8s.api.apps.v1.DaemonSetCondition", "Observations about the DaemonSet's state."),
            ]),
        WorkloadSchema.condition("io.k8s.api.apps.v1.DaemonSetCondition", of: "DaemonSet"),
    ]
}
